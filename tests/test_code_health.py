"""Code health: one source for each fact (reward weights, suite tags, the version), no private
names across modules, public sources only."""

import ast
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import manyworld
from manyworld import _version
from manyworld.benchmarks import suites
from manyworld.tasks import rewards
from manyworld.tasks.base import Task, get_task, task_names

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "manyworld"


# ----------------------------------------------------------------- reward weights
def test_weighted_sum_keeps_the_bits_of_the_written_expression():
    rng = np.random.default_rng(0)
    t = {k: rng.uniform(0, 1, 1000) for k in ("reach", "grasp", "lift", "in_place", "upright")}
    weights = rewards.RewardWeights({"reach": 0.15, "grasp": 0.1, "lift": 0.1, "in_place * upright": 0.65})
    written = 0.15 * t["reach"] + 0.1 * t["grasp"] + 0.1 * t["lift"] + 0.65 * t["in_place"] * t["upright"]
    assert rewards.weighted_sum(weights, t).tobytes() == written.tobytes()
    assert rewards.term_names(weights) == {"reach", "grasp", "lift", "in_place", "upright"}
    assert rewards.weighted_sum(rewards.RewardWeights(reach=1.0), t).tobytes() == t["reach"].tobytes()


def test_weight_problems():
    assert rewards.weight_problems(rewards.RewardWeights(reach=0.2, grasp=0.1, in_place=0.7)) == []
    assert rewards.weight_problems(rewards.RewardWeights(reach=1.2, grasp=-0.2)) == [
        "negative weights {'grasp': -0.2}"]
    assert rewards.weight_problems(rewards.RewardWeights(reach=0.3, press=0.6)) == [
        "weights sum to 0.8999999999999999, not 1"]
    assert rewards.weight_problems(rewards.RewardWeights()) == ["no weights"]


def test_reward_weights_are_read_only_data():
    weights = rewards.RewardWeights(reach=0.3, press=0.7)
    with pytest.raises(TypeError):
        weights["reach"] = 1.0  # type: ignore[index]
    assert dict(weights) == {"reach": 0.3, "press": 0.7}
    assert rewards.formula(weights) == "0.3 reach + 0.7 press"
    assert not Task.reward_weights


def test_the_gate_checks_the_reward_against_the_weights():
    from manyworld.quality import check_task
    from manyworld.tasks.reach import Reach

    class HalfReward(Reach):
        # declares reach's weight 1.0 but pays half of it: the gate must see the difference
        def evaluate(self, sim, goal):
            ev = super().evaluate(sim, goal)
            ev.reward = np.where(ev.success, 10.0, 0.5 * ev.reward)
            return ev

    report = check_task(HalfReward, num_variations=1)
    checks = {c.name: c.passed for c in report.checks}
    assert checks["reward weights"] and not checks["reward from its weights"]


# ----------------------------------------------------------------- tags
def test_suite_tags_are_the_suite_lists():
    registered = set(task_names())
    for tag, names in suites.TAGS.items():
        assert set(names) <= registered, (tag, set(names) - registered)
        assert task_names(tag) == sorted(set(names)), tag
    for name in registered:
        assert get_task(name).tags == suites.tags_of(name)


def test_no_builtin_task_writes_its_own_tags():
    for name in task_names():
        for cls in get_task(name).__mro__:
            if cls is not Task and issubclass(cls, Task):
                assert "tags" not in vars(cls), f"{cls.__name__} sets tags; they come from suites.TAGS"


def test_tag_lists_match_their_benchmarks():
    assert suites.TAGS == {"MT10": suites.MT10, "ML10-train": suites.ML10_TRAIN,
                           "ML10-test": suites.ML10_TEST, "ML45-train": suites.ML45_TRAIN,
                           "ML45-test": suites.ML45_TEST, "CW": suites.CW10}
    assert get_task("reach").tags == ("MT10", "ML10-train", "ML45-train")


# ----------------------------------------------------------------- version
def test_version_has_one_source():
    assert manyworld.__version__ == _version.__version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "manyworld._version.__version__"}


# ----------------------------------------------------------------- private names
def _manyworld_imports(tree: ast.Module) -> tuple[list[tuple[int, str, str]], dict[str, str]]:
    """(line, module, name) of every name imported from a manyworld module, and module aliases."""
    names, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("manyworld"):
            for a in node.names:
                names.append((node.lineno, node.module, a.name))
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("manyworld") and a.asname:
                    aliases[a.asname] = a.name
    return names, aliases


def test_no_private_names_cross_modules():
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names, aliases = _manyworld_imports(tree)
        for line, module, name in names:
            if name.startswith("_") and not name.startswith("__"):
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {name} from {module}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------- public sources
def test_sources_are_public():
    # a citation names a paper or a repository and file, never a local copy of one
    local = re.compile(r"(?<![\w.-])(?:\.\./)*" + "shared" + r"/(?:reference|hooks)?")
    texts = [ROOT / "pyproject.toml", *ROOT.glob("*.md")]
    for folder in ("src", "docs", "tests", "scripts"):
        texts += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".toml", ".sh"}]
    texts += [p for p in (ROOT / "benchmarks").glob("*") if p.suffix in {".py", ".md", ".sh"}]
    found = [f"{p.relative_to(ROOT)}:{i}" for p in texts
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if local.search(line)]
    assert not found, found
