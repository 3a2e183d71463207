"""The learnability analysis (benchmarks/learnability.py) and the learners' reward probe
(benchmarks/reward_probe.py): their published data and their arithmetic."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import learnability
import reward_probe

from manyworld.tasks.base import task_names


def test_the_published_curves_cover_every_task():
    published = learnability.published_difficulty()
    assert set(published) == set(task_names())
    for task, entry in published.items():
        assert entry["seeds"] == 3, task
        assert 0.0 <= entry["auc"] <= 1.0, task
        assert len(entry["first_to_target"]) == 3
    # read off the source (results/sac/mw-push.csv): seeds 1, 3, 2 reach 0.9 at 0.9M, 1.0M, 1.1M
    assert sorted(published["push"]["first_to_target"]) == [900_000, 1_000_000, 1_100_000]


def _row(task, algo, final, auc, seed=0, to_target=None):
    return {"task": task, "algo": algo, "seed": seed, "final_success": final, "auc": auc,
            "steps_to_target": to_target, "wall_min_to_target": None if to_target is None else 1.0,
            "wall_min": 2.0}


def test_per_task_picks_the_best_learner_and_counts_the_targets():
    rows = [_row("reach", "ppo", 1.0, 0.9, to_target=200_000), _row("push", "ppo", 0.2, 0.1),
            _row("push", "sac", 0.95, 0.6, to_target=600_000), _row("hammer", "ppo", 0.4, 0.2)]
    tasks = learnability.per_task(rows)
    assert tasks["push"]["best"] == "sac" and tasks["reach"]["best"] == "ppo"
    summary = learnability.summarise(tasks, learnability.published_difficulty(), "ppo")
    assert summary["at_or_above_0.9"] == 2 and summary["above_0.5"] == 2
    assert summary["below_0.9"] == ["hammer"]
    assert summary["spearman"] is None  # fewer than 5 tasks: no correlation claimed


def test_spearman_with_interval():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=40)
    same = learnability.spearman_with_interval(x, 2 * x + 1)
    assert same["rho"] == pytest.approx(1.0) and same["ci95"][0] > 0.99
    noise = learnability.spearman_with_interval(x, rng.uniform(size=40))
    assert noise["ci95"][0] < noise["rho"] < noise["ci95"][1] and noise["ci95"][0] < 0 < noise["ci95"][1]


def test_reward_probe_readings():
    assert reward_probe.diagnose(0.95, 0.9) == "learned"
    assert reward_probe.diagnose(0.4, 0.88).startswith("plateau")
    assert reward_probe.diagnose(0.0, 0.2).startswith("later stages never reached")
    assert reward_probe.diagnose(0.3, 0.65).startswith("partway")


def test_reward_probe_plays_the_held_out_variations_in_order():
    bench = reward_probe.get_benchmark("MT1(reach)")
    played = reward_probe.play(reward_probe.load_agent("expert"), bench)
    assert played["success"].shape == (50,) and played["success"].all()
    assert played["reached"].all() and (played["closest"] <= 0.05).all()  # reach: the hand is the object
    assert (played["returns"] > 0).all()


def test_reward_probe_table_lists_the_runs_that_failed():
    rows = [{"task": "reach", "run_dir": "x/ppo-reach-s0", "success": 1.0, "failed_episodes": 0,
             "failed_return_ratio_median": None, "failed_return_ratio_max": None, "diagnosis": "learned"},
            {"task": "push", "run_dir": "x/ppo-push-s0", "success": 0.4, "failed_episodes": 30,
             "failed_return_ratio_median": 0.85, "failed_return_ratio_max": 0.9, "failed_reached": 0.5,
             "failed_grasped": None, "failed_closest_median": 0.123,
             "diagnosis": reward_probe.diagnose(0.4, 0.85)}]
    table = reward_probe.markdown(rows).splitlines()
    assert len(table) == 3 and "ppo-push-s0" in table[2] and "0.85 (0.90)" in table[2]
    assert "| 0.50 | - | 12.3 |" in table[2]


def test_learnability_summary_bullets_carry_the_figures():
    summary = {"tasks": 3, "at_or_above_0.9": 2, "above_0.5": 2, "below_0.9": ["hammer"], "spearman_algo": "ppo",
               "spearman": {"rho": 0.5, "p_value": 0.2, "ci95": [-0.1, 0.9], "tasks": 3},
               "most_disagreeing": [{"task": "hammer", "our_rank": 3.0, "published_rank": 1.0}]}
    text = learnability.summary_markdown(summary)
    assert "2 of 3 tasks at or above 0.9" in text and "below 0.9: hammer." in text
    assert "**0.50**, 95% bootstrap interval [-0.10, 0.90]" in text and "hammer (rank 3 here, 1 published)" in text
    assert "Spearman" not in learnability.summary_markdown({**summary, "spearman": None})


def test_reward_probe_reads_a_runs_single_task(tmp_path):
    for name, benchmark in (("one", "MT1(reach)"), ("many", "MT10")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(f'{{"benchmark": "{benchmark}"}}')
    assert reward_probe.run_task(tmp_path / "one") == "reach"
    assert reward_probe.run_task(tmp_path / "many") is None  # the probe takes single-task runs
    assert reward_probe.run_task(tmp_path / "absent") is None
    assert not reward_probe.finished(tmp_path / "one")  # no evaluation yet: not probed
