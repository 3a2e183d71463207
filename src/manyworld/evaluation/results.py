"""Result files: a versioned JSON schema, atomic writes, validation, and a tidy CSV.

A result file describes itself completely::

    {
      "schema": "manyworld.result", "schema_version": 1,
      "created": "2025-01-01T12:00:00Z", "manyworld_version": "0.1.0",
      "benchmark": {...},          # Benchmark.identity(): tasks, versions, variation hashes
      "protocol": {...},           # every setting that changes scores (see below)
      "agent": {"name": ..., "config": {...}, "label": ..., ...},
      "seed": 0, "env_steps_trained": null,
      "outcomes": [                # one per (task, variation), never per task name
        {"task": "reach", "split": "train", "variation": 0, "params": [...],
         "success": [true], "first_success": [41], "return": [...], "length": [41]}, ...],
      "per_task": {"reach": {"success_rate": 1.0, "episodes": 50}, ...},
      "aggregate": {"success_rate": 0.98, "reported": "final success rate (...)"},
      "timing": {"seconds": ..., "world_steps": ..., "steps_per_second": ...}
    }

The ``protocol`` block holds the benchmark name and hash, the horizon,
terminate-on-success, the success rule, episode counts, every task's version
(its reward/success version), one-hot and goal visibility. Two result files
are comparable exactly when their protocol blocks are equal
(:func:`protocol_differences`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = "manyworld.result"
SCHEMA_VERSION = 1
REPORTED = "final success rate of the evaluated agent (not the maximum over training)"
_REQUIRED = ("benchmark", "protocol", "agent", "seed", "outcomes", "per_task", "aggregate")
_OUTCOME_KEYS = ("task", "variation", "success")


class ResultFileError(ValueError):
    """A file that is not a valid manyworld result file; the message says why and what to do."""


def jsonable(x: Any) -> Any:
    """Convert numpy scalars/arrays (recursively) into plain JSON types."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


def per_task_rates(outcomes: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per task: success rate over all its (variation, episode) outcomes and the episode count."""
    totals: dict[str, list[int]] = {}
    for o in outcomes:
        s = totals.setdefault(o["task"], [0, 0])
        s[0] += int(sum(bool(v) for v in o["success"]))
        s[1] += len(o["success"])
    return {
        t: {"success_rate": (k / n if n else float("nan")), "episodes": n}
        for t, (k, n) in totals.items()
    }


def make_result(
    *,
    benchmark: dict,
    protocol: dict,
    agent: dict,
    seed: int,
    outcomes: list[dict],
    env_steps_trained: int | None = None,
    timing: dict | None = None,
    extra: dict | None = None,
) -> dict[str, Any]:
    """Assemble a result (per-task rates and the aggregate are computed from ``outcomes``)."""
    from manyworld._version import __version__

    per_task = per_task_rates(outcomes)
    rates = [v["success_rate"] for v in per_task.values()]
    result = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "manyworld_version": __version__,
        "benchmark": benchmark,
        "protocol": protocol,
        "agent": agent,
        "seed": seed,
        "env_steps_trained": env_steps_trained,
        "outcomes": outcomes,
        "per_task": per_task,
        "aggregate": {
            "success_rate": float(np.mean(rates)) if rates else float("nan"),
            "tasks": len(per_task),
            "pairs": len(outcomes),
            "episodes": int(sum(v["episodes"] for v in per_task.values())),
            "reported": REPORTED,
        },
        "timing": timing or {},
    }
    if extra:
        result.update(extra)
    return jsonable(result)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _field_error(source: str, field: str, want: str, got: Any) -> ResultFileError:
    shown = json.dumps(got, default=str)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return ResultFileError(f"{source}: corrupt result file: {field} must be {want}, got {shown}")


#: Fields of the protocol block that every protocol records and readers use.
_PROTOCOL_KEYS = ("kind", "horizon", "terminate_on_success", "goal_visible", "one_hot")


def validate_result(result: Any, source: str = "result") -> None:
    """Raise :class:`ResultFileError` naming the first problem of a result object.

    Checks the schema tag and version, that every block a reader uses is there
    with the right JSON types (the message names the bad field), and that the
    per-task rates match the outcomes they summarise.
    """
    if not isinstance(result, dict):
        raise ResultFileError(
            f"{source}: a result file holds a JSON object, found {type(result).__name__}"
        )
    if result.get("schema") != SCHEMA:
        raise ResultFileError(
            f'{source}: not a manyworld result file (no "schema": "{SCHEMA}"); '
            "write results with `manyworld eval --out`"
        )
    version = result.get("schema_version")
    if not _is_int(version) or version < 1:
        raise ResultFileError(
            f"{source}: schema_version must be an integer from 1 to {SCHEMA_VERSION}, got "
            f"{version!r}"
        )
    if version > SCHEMA_VERSION:
        raise ResultFileError(
            f"{source}: written with result schema v{version}, newer than this manyworld "
            f"reads (v{SCHEMA_VERSION}); upgrade manyworld"
        )
    missing = [k for k in _REQUIRED if k not in result]
    if missing:
        raise ResultFileError(f"{source}: corrupt result file: missing {', '.join(missing)}")
    protocol, bench, agent = result["protocol"], result["benchmark"], result["agent"]
    if not isinstance(protocol, dict) or "kind" not in protocol:
        raise ResultFileError(f"{source}: corrupt result file: protocol block lacks its kind")
    lacking = [k for k in _PROTOCOL_KEYS if k not in protocol]
    if lacking:
        raise ResultFileError(f"{source}: corrupt result file: protocol lacks {', '.join(lacking)}")
    if not isinstance(bench, dict) or "hash" not in bench:
        raise ResultFileError(f"{source}: corrupt result file: benchmark identity lacks its hash")
    if not isinstance(bench.get("name"), str):
        raise _field_error(source, "benchmark.name", "a string", bench.get("name"))
    if not isinstance(agent, dict) or not isinstance(agent.get("name"), str):
        raise _field_error(source, "agent.name", "a string", agent)
    if not (result["seed"] is None or _is_int(result["seed"])):
        raise _field_error(source, "seed", "an integer", result["seed"])
    outcomes = result["outcomes"]
    if not isinstance(outcomes, list) or not all(
        isinstance(o, dict) and all(k in o for k in _OUTCOME_KEYS) for o in outcomes
    ):
        raise ResultFileError(
            f"{source}: corrupt result file: each outcome needs {', '.join(_OUTCOME_KEYS)}"
        )
    for i, o in enumerate(outcomes):
        if not isinstance(o["task"], str):
            raise _field_error(source, f"outcomes[{i}].task", "a task name", o["task"])
        if not _is_int(o["variation"]):
            raise _field_error(source, f"outcomes[{i}].variation", "an integer", o["variation"])
        if not isinstance(o["success"], list) or not all(isinstance(v, bool) for v in o["success"]):
            raise _field_error(
                source, f"outcomes[{i}].success", "a list of booleans (one per episode)",
                o["success"],
            )  # fmt: skip
    stored = result["per_task"]
    if not isinstance(stored, dict):
        raise _field_error(source, "per_task", "an object task -> rates", stored)
    for t, v in stored.items():
        if not isinstance(v, dict):
            raise _field_error(source, f"per_task[{t!r}]", "an object with success_rate", v)
        if not _is_number(v.get("success_rate")):
            raise _field_error(source, f"per_task[{t!r}].success_rate", "a number",
                               v.get("success_rate"))  # fmt: skip
    aggregate = result["aggregate"]
    if not isinstance(aggregate, dict) or not _is_number(aggregate.get("success_rate")):
        raise _field_error(source, "aggregate.success_rate", "a number", aggregate)
    recomputed = per_task_rates(outcomes)
    if set(recomputed) != set(stored) or any(
        not np.isclose(recomputed[t]["success_rate"], stored[t]["success_rate"], equal_nan=True)
        for t in recomputed
    ):
        raise ResultFileError(
            f"{source}: corrupt result file: per-task success rates do not match the "
            "outcomes they summarise (edited or truncated?)"
        )


def write_result(path: str | Path, result: dict[str, Any]) -> Path:
    """Validate and write a result atomically (a reader never sees a partial file)."""
    validate_result(result)
    return write_json_atomic(path, result)


def _publish(tmp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions and rename it over ``path``."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are meant to be shared
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[str]:
    """Yield a temporary file name next to ``path``; on success it replaces ``path``.

    For writers that take a file name (``savefig``, ``np.savez``) or open it themselves:
    a reader sees the old file or the whole new one, never a partial one, and a failure
    leaves no temporary file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        _publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json_atomic(path: str | Path, payload: Any) -> Path:
    """Write JSON to a temporary file in the same folder, fsync, then rename over ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(jsonable(payload), f, indent=1, allow_nan=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    return path


def read_json(path: str | Path) -> Any:
    """The JSON content of a file; a parse error is a ValueError that names the file.

    For the files of run directories (``config.json``, evaluation results), whose
    parse errors would otherwise say where in which file nothing.
    """
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err}); the file is corrupt") from err


def read_jsonl(path: str | Path) -> tuple[list[Any], str | None]:
    """The rows of a JSON-lines file, and its torn last line (None when there is none).

    A process killed while appending a row (``kill -9``) leaves the last line cut
    short: that line is dropped and returned for the caller to report. An
    unparsable line before the last is corruption, a ValueError naming the file
    and the line.
    """
    path = Path(path)
    lines = [(i, line) for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip()]
    rows = []
    for k, (i, line) in enumerate(lines):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            if k == len(lines) - 1:
                return rows, line
            raise ValueError(
                f"{path}, line {i}: not valid JSON ({err.msg} at column {err.colno}); "
                "the file is corrupt"
            ) from err
    return rows, None


def read_result(path: str | Path) -> dict[str, Any]:
    """Read and validate a result file.

    Raises:
        ResultFileError: missing, not JSON, foreign, newer schema or corrupt.
    """
    path = Path(path)
    if not path.is_file():
        raise ResultFileError(f"{path}: no such result file")
    try:
        result = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultFileError(f"{path}: not JSON ({err}); is it a manyworld result file?") from err
    validate_result(result, str(path))
    return result


def write_csv(path: str | Path, result: dict[str, Any]) -> Path:
    """Tidy CSV of a result: one row per (task, variation, episode), written atomically."""
    path = Path(path)
    agent = result["agent"].get("label") or result["agent"]["name"]
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "benchmark",
                "benchmark_hash",
                "agent",
                "seed",
                "stage",
                "task",
                "split",
                "variation",
                "episode",
                "success",
                "first_success",
                "return",
                "length",
            ]
        )
        for o in result["outcomes"]:
            for e, success in enumerate(o["success"]):
                w.writerow(
                    [
                        result["benchmark"]["name"],
                        result["benchmark"]["hash"],
                        agent,
                        result["seed"],
                        o.get("stage", ""),
                        o["task"],
                        o.get("split", ""),
                        o["variation"],
                        e,
                        int(bool(success)),
                        _at(o, "first_success", e),
                        _at(o, "return", e),
                        _at(o, "length", e),
                    ]
                )
        f.flush()
        os.fsync(f.fileno())
    return path


def _at(o: dict, key: str, i: int) -> Any:
    v = o.get(key)
    return v[i] if isinstance(v, list) and i < len(v) else ""


def protocol_differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Readable differences between two protocol blocks (empty when comparable)."""
    out = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key, "<absent>"), b.get(key, "<absent>")
        if va != vb:
            if isinstance(va, dict) and isinstance(vb, dict):
                sub = [k for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
                detail = ", ".join(
                    f"{k}: {va.get(k, '<absent>')} vs {vb.get(k, '<absent>')}" for k in sub[:5]
                )
                out.append(f"{key} differs ({detail}{', ...' if len(sub) > 5 else ''})")
            else:
                out.append(f"{key}: {va!r} vs {vb!r}")
    return out
