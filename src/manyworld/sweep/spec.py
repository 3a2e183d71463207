"""Sweep specs: algorithms x benchmarks x seeds x config overrides, resolved to runs.

A spec is a TOML file (or YAML, with PyYAML installed) like::

    name = "sac-single-task"          # the sweep directory: runs/sweeps/<name> unless --out
    seeds = [0, 1, 2]                 # every entry's seeds unless it gives its own

    [resources]                       # what each run is promised (Ray schedules by it)
    cpus = 1
    gpus = 0

    [defaults]                        # fields every run gets: any `manyworld train` flag,
    eval_split = "test"               # spelled as the config field (eval_split, not --eval-split)

    [[runs]]                          # explicit entries ...
    algo = "sac"
    task = "reach"
    steps = 100000

    [[runs]]
    algo = "ppo"
    grid = { task = ["reach", "push"], lr = [3e-4, 1e-3] }   # ... and grids within an entry

An entry names ``algo`` and ``task`` or ``benchmark`` (or makes them grid axes),
may give ``seeds`` and ``name`` (a prefix of its runs' names), and sets any
field of the run config or of its algorithm's config. Every run is resolved and
validated here, before anything starts: an unknown field (with close names), a
value of the wrong type or out of range, an unknown task or benchmark, or two
runs with the same name is a ValueError that names the entry.

A resolved run is plain JSON (``sweep.json`` keeps the list): its name, algorithm,
benchmark, seed, the agent and run fields it sets, and the equivalent
``manyworld train`` command, which trains the same run by hand.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Keys of a ``[[runs]]`` entry that are not config fields.
ENTRY_KEYS = frozenset({"algo", "task", "benchmark", "seeds", "name", "grid"})
#: Keys of the spec's top level.
TOP_KEYS = frozenset({"name", "seeds", "resources", "defaults", "runs"})
RESOURCE_KEYS = frozenset({"cpus", "gpus"})


class SpecError(ValueError):
    """A sweep spec that cannot run; the message names the entry, the key and the fix."""


@dataclass(frozen=True)
class Resources:
    """What one run is promised: Ray schedules it only where these are free."""

    cpus: int = 1
    gpus: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.cpus, bool) or not isinstance(self.cpus, int) or self.cpus < 1:
            raise SpecError(f"resources.cpus must be a positive integer, got {self.cpus!r}")
        if isinstance(self.gpus, bool) or not isinstance(self.gpus, int | float) or self.gpus < 0:
            raise SpecError(f"resources.gpus must be a number >= 0, got {self.gpus!r}")


@dataclass(frozen=True)
class Sweep:
    """A resolved spec: its name, per-run resources and the runs, in spec order."""

    name: str
    resources: Resources
    runs: tuple[dict[str, Any], ...]
    source: str  # the spec's text, kept in the sweep directory

    def run(self, name: str) -> dict[str, Any]:
        """The resolved run called ``name``."""
        for r in self.runs:
            if r["name"] == name:
                return r
        raise KeyError(f"no run {name!r} in sweep {self.name!r}")


def load_spec(path: str | Path) -> Sweep:
    """Read, expand and validate a sweep spec (TOML; YAML with PyYAML installed)."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"sweep spec {path} does not exist (give a .toml or .yaml file)")
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as err:
            raise SpecError(f"{path}: YAML specs need PyYAML (pip install pyyaml), or use TOML") from err
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise SpecError(f"{path}: not valid YAML ({err})") from err
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise SpecError(f"{path}: not valid TOML ({err})") from err
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a sweep spec is a table of keys (name, seeds, runs, ...)")
    return resolve(data, default_name=path.stem, source=text)


def resolve(data: dict[str, Any], default_name: str = "sweep", source: str = "") -> Sweep:
    """Expand a spec's entries into validated runs (see the module docstring)."""
    _no_unknown(data, TOP_KEYS, "the spec's top level")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not _SAFE.fullmatch(name):
        raise SpecError(f"sweep name must be letters, digits, '.', '_' or '-', got {name!r}")
    res = data.get("resources", {})
    if not isinstance(res, dict):
        raise SpecError("[resources] must be a table (cpus, gpus)")
    _no_unknown(res, RESOURCE_KEYS, "[resources]")
    resources = Resources(**res)
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise SpecError("[defaults] must be a table of config fields")
    seeds = data.get("seeds", [0])
    entries = data.get("runs")
    if not isinstance(entries, list) or not entries:
        raise SpecError("the spec lists no runs: add one or more [[runs]] entries (algo, task, ...)")
    runs: list[dict[str, Any]] = []
    for i, entry in enumerate(entries):
        where = f"[[runs]] entry {i + 1}"
        if not isinstance(entry, dict):
            raise SpecError(f"{where}: an entry is a table of keys (algo, task, ...)")
        try:
            runs += _expand(entry, defaults, seeds, resources)
        except (ValueError, KeyError) as err:
            msg = err.args[0] if err.args else str(err)
            raise SpecError(f"{where}: {msg}") from err
    seen: dict[str, int] = {}
    for r in runs:
        if r["name"] in seen:
            raise SpecError(
                f"two runs are named {r['name']!r}; give the entries different `name` prefixes "
                "or make the varying field a grid axis"
            )
        seen[r["name"]] = 1
    return Sweep(name=name, resources=resources, runs=tuple(runs), source=source)


# ------------------------------------------------------------------ one entry
_SAFE = re.compile(r"[A-Za-z0-9._-]+")


def _no_unknown(d: dict[str, Any], allowed: frozenset[str] | set[str], where: str) -> None:
    for key in d:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SpecError(f"unknown key {key!r} in {where}{hint}")


def _expand(
    entry: dict[str, Any], defaults: dict[str, Any], seeds: Any, resources: Resources
) -> list[dict[str, Any]]:
    grid = entry.get("grid", {})
    if not isinstance(grid, dict):
        raise SpecError("grid must be a table of field = [values]")
    for axis, values in grid.items():
        if axis in ("seeds", "name", "grid"):
            raise SpecError(f"{axis!r} cannot be a grid axis (seeds are listed with `seeds`)")
        if not isinstance(values, list) or not values:
            raise SpecError(f"grid axis {axis!r} needs a non-empty list of values")
    seeds = entry.get("seeds", seeds)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if not isinstance(seeds, list) or not seeds or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds
    ):
        raise SpecError(f"seeds must be a non-empty list of integers >= 0, got {seeds!r}")
    prefix = entry.get("name")
    if prefix is not None and (not isinstance(prefix, str) or not _SAFE.fullmatch(prefix)):
        raise SpecError(f"name must be letters, digits, '.', '_' or '-', got {prefix!r}")
    fixed = {k: v for k, v in entry.items() if k not in ("seeds", "name", "grid")}
    overlap = sorted(set(fixed) & set(grid))
    if overlap:
        raise SpecError(f"{overlap} given both as a fixed value and as a grid axis")
    axes = list(grid)
    out = []
    for combo in itertools.product(*(grid[a] for a in axes)):
        point = dict(zip(axes, combo, strict=True))
        for seed in seeds:
            fields = {**defaults, **fixed, **point}
            label = [f"{_short_key(a)}{_fmt(point[a])}" for a in axes
                     if a not in ("algo", "task", "benchmark")]  # fmt: skip
            out.append(_resolve_run(fields, seed, prefix, label, resources))
    return out


def _resolve_run(
    fields: dict[str, Any], seed: int, prefix: str | None, label: list[str], resources: Resources
) -> dict[str, Any]:
    from manyworld.benchmarks import get_benchmark
    from manyworld.train.config import SET_BY_TRAINER
    from manyworld.train.harness import RunConfig
    from manyworld.train.registry import get_algo

    fields = dict(fields)
    algo = fields.pop("algo", None)
    if not isinstance(algo, str):
        raise SpecError("every run needs an algo (e.g. algo = \"sac\")")
    spec = get_algo(algo)
    task, bench = fields.pop("task", None), fields.pop("benchmark", None)
    if task is not None and bench is not None:
        raise SpecError("give task or benchmark, not both")
    if task is not None:
        bench = f"ML1({task})" if spec.meta else f"MT1({task})"
    elif bench is None:
        if not spec.multitask:
            raise SpecError(f"{algo} needs a task (task = \"reach\") or a benchmark")
        bench = "MT10"
    if "seed" in fields:
        raise SpecError("list seeds with `seeds = [...]`, not as a `seed` field")
    benchmark = get_benchmark(str(bench))
    agent_fields = {f.name: f for f in dataclasses.fields(spec.config_cls)}
    run_fields = {f.name: f for f in dataclasses.fields(RunConfig)}
    agent_over: dict[str, Any] = {}
    run_over: dict[str, Any] = {"seed": seed}
    # MuJoCo's threads match what the run is promised unless the spec says otherwise
    run_over["num_threads"] = resources.cpus
    for key, value in fields.items():
        if key in run_fields:
            run_over[key] = _typed(key, value, getattr(RunConfig(), key))
        elif key in agent_fields and key not in SET_BY_TRAINER:
            agent_over[key] = _typed(key, value, getattr(spec.config, key))
        else:
            known = sorted((set(agent_fields) - SET_BY_TRAINER) | set(run_fields))
            close = difflib.get_close_matches(key, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SpecError(f"{key!r} is not a field of {algo}'s config or of the run config{hint}")
    # building the configs runs their own checks: a bad value fails here, not in a worker
    cfg = dataclasses.replace(spec.config, **agent_over)
    run = RunConfig().replace(**{**spec.run, **run_over})
    if not 1 <= run.num_threads <= resources.cpus:  # 0 would mean one thread per core
        raise SpecError(
            f"num_threads {run.num_threads} does not fit the {resources.cpus} CPU(s) each run is "
            "promised ([resources] cpus): give 1 to cpus physics threads, or raise cpus"
        )
    del cfg
    where = (task or benchmark.name).replace("(", "-").replace(")", "")
    name = "-".join([prefix or algo, where, *label, f"s{seed}"])
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return {
        "name": name,
        "algo": algo,
        "benchmark": benchmark.name,
        "seed": seed,
        "agent": _plain(agent_over),
        "run": _plain(run_over),
        "steps": run.steps,
        "max_minutes": run.max_minutes,
        "budget": "updates" if spec.offline else "env_steps",
    }


def _typed(key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of the field's default (TOML ints as floats, lists as tuples)."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SpecError(f"{key} must be true or false, got {value!r}")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple):
            raise SpecError(f"{key} must be a list, got {value!r}")
        kind = type(default[0]) if default else int
        return tuple(_typed(key, v, kind()) for v in value)
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"{key} must be a number, got {value!r}")
        return float(value)
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{key} must be an integer, got {value!r}")
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise SpecError(f"{key} must be a string, got {value!r}")
        return value
    return value


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _short_key(key: str) -> str:
    return key.replace("_", "")


def _fmt(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "x".join(_fmt(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def train_command(run: dict[str, Any], run_dir: str | Path) -> str:
    """The ``manyworld train`` command line that trains ``run`` by hand, in ``run_dir``."""
    argv = ["manyworld", "train", "--algo", run["algo"], "--benchmark", run["benchmark"]]
    for key, value in {**run["run"], **run["agent"]}.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + key.replace("_", "-"))
        elif isinstance(value, list):
            argv += [flag, *map(str, value)]
        else:
            argv += [flag, str(value)]
    argv += ["--run-dir", str(run_dir)]
    return shlex.join(argv)
