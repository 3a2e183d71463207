"""The evaluation harness: statistics (against hand-computed values), the MT/ML/CW protocols
with the scripted experts as oracle, result files, compare and the CLI.

Published benchmarks are evaluated as their tasks land (until then those tests
skip, naming the missing tasks); everything else runs on tasks that exist.
"""

import json
import os

import numpy as np
import pytest

import manyworld.benchmarks  # noqa: F401
from manyworld.benchmarks import custom_ml, custom_mt, get_benchmark
from manyworld.benchmarks.benchmark import cw
from manyworld.cli import main
from manyworld.evaluation import (
    ContinualEvaluation,
    CWProtocol,
    ExpertAgent,
    ExpertMetaAgent,
    IncomparableResultsError,
    MLProtocol,
    MTProtocol,
    RandomAgent,
    ResultFileError,
    compare,
    continual_metrics,
    evaluate_metalearning,
    evaluate_multitask,
    format_table,
    load_agent,
    read_result,
    stats,
    write_csv,
    write_result,
)
from manyworld.evaluation.progress import Progress

QUICK_MT = MTProtocol(variations_per_task=6)
QUICK_ML = MLProtocol(
    adaptation_episodes=2, evaluation_episodes=2, test_variations=4, goal_visible=True
)


def require(name: str):
    bench = get_benchmark(name)
    missing = bench.missing_tasks()
    if missing:
        pytest.skip(f"{name}: tasks not registered yet: {', '.join(missing)}")
    return bench


# ------------------------------------------------------------------ statistics, by hand
SCORES = np.array([[0.1, 0.9, 0.4, 0.0], [0.3, 1.0, 0.6, 0.2]])


def test_point_estimates_by_hand():
    # sorted entries: 0 .1 .2 .3 .4 .6 .9 1 -> IQM drops two each side: (.2+.3+.4+.6)/4
    assert stats.iqm(SCORES) == pytest.approx(0.375)
    assert stats.mean(SCORES) == pytest.approx(3.5 / 8)
    # per-task means .2 .95 .5 .1 -> median of four: (.2+.5)/2
    assert stats.median(SCORES) == pytest.approx(0.35)
    assert stats.aggregate(SCORES, "optimality_gap") == pytest.approx(1 - 3.5 / 8)
    with pytest.raises(ValueError, match="unknown metric"):
        stats.aggregate(SCORES, "max")
    with pytest.raises(ValueError, match="NaN"):
        stats.iqm([[np.nan, 1.0]])


def test_stratified_bootstrap_by_hand():
    # one run per task: resampling runs within each task can only redraw that run
    one = stats.interval_estimate([[0.2, 0.8, 0.5]], "mean", reps=500)
    assert (one.point, one.low, one.high) == pytest.approx((0.5, 0.5, 0.5))
    # one task, runs {0, 1}: the replicate mean is 0, 1/2, 1 with probability 1/4, 1/2, 1/4
    rng = np.random.default_rng(0)
    means = np.concatenate(
        [b.mean(axis=(1, 2)) for b in stats.bootstrap_replicates([[0.0], [1.0]], 40_000, rng)]
    )
    assert np.mean(means == 0.5) == pytest.approx(0.5, abs=0.01)
    assert np.mean(means == 0.0) == pytest.approx(0.25, abs=0.01)
    est = stats.interval_estimate([[0.0], [1.0]], "mean", reps=40_000)
    assert (est.low, est.high) == (0.0, 1.0)
    # identical runs: no spread at all
    same = stats.interval_estimates(np.tile([0.3, 0.7], (5, 1)), reps=300)
    assert all(e.low == e.high == e.point for e in same.values())
    ests = stats.interval_estimates(SCORES, reps=2_000)
    assert all(e.low <= e.point <= e.high for e in ests.values())
    with pytest.raises(ValueError, match="confidence"):
        stats.interval_estimate(SCORES, confidence=1.5)


def test_profiles_and_probability_of_improvement_by_hand():
    np.testing.assert_allclose(
        stats.performance_profile([[0.0, 0.5, 1.0]], [0.0, 0.5, 0.99]), [2 / 3, 1 / 3, 1 / 3]
    )
    point, low, high = stats.performance_profile_ci(SCORES, [0.0, 0.5], reps=500)
    np.testing.assert_allclose(point, [7 / 8, 3 / 8])
    assert (low <= point).all() and (point <= high).all()
    # task 1: X's runs 1 and 0 against Y's 0.5 -> (1 + 0) / 2
    assert stats.probability_of_improvement([[1.0], [0.0]], [[0.5]]) == 0.5
    # task 1: 1 > 0 -> 1; task 2: a tie -> 1/2; mean 3/4
    assert stats.probability_of_improvement([[1.0, 0.0]], [[0.0, 0.0]]) == 0.75
    poi = stats.probability_of_improvement_ci(np.ones((3, 2)), np.zeros((4, 2)), reps=200)
    assert (poi.point, poi.low, poi.high) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="same tasks"):
        stats.probability_of_improvement([[1.0]], [[1.0, 0.0]])


def test_continual_metrics_by_hand():
    nan = np.nan
    m = [[0.9, nan, nan], [0.5, 0.8, nan], [0.3, 0.6, 1.0]]
    out = continual_metrics(m)
    assert out["average_performance"] == pytest.approx((0.3 + 0.6 + 1.0) / 3)
    np.testing.assert_allclose(out["forgetting_per_position"], [0.6, 0.2, 0.0])
    assert out["forgetting"] == pytest.approx(0.8 / 3)
    assert out["forward_transfer"] is None and "reference" in out["forward_transfer_note"]
    # AUCs by the trapezoid rule: 0.5; 0.4 (one point, held flat); 0 + 0.25 + 0.25 = 0.5
    curves = {
        0: ([0.0, 0.5, 1.0], [0.0, 0.5, 1.0]),
        1: ([0.5], [0.4]),
        2: ([0.25, 0.75], [0.0, 1.0]),
    }
    out = continual_metrics(m, curves, reference_auc=[0.25, 0.4, 0.0])
    np.testing.assert_allclose(out["forward_transfer_per_position"], [1 / 3, 0.0, 0.5])
    assert out["forward_transfer"] == pytest.approx((1 / 3 + 0.5) / 3)
    with pytest.raises(ValueError, match="own task"):
        continual_metrics([[nan, nan], [0.1, 0.2]])


# ------------------------------------------------------------------ MT protocol
def test_mt_expert_is_perfect_and_random_is_zero():
    bench = custom_mt(["reach", "push"])
    res = evaluate_multitask(ExpertAgent(), bench, QUICK_MT, progress=None)
    assert res["aggregate"]["success_rate"] >= 0.95
    # every (task, training variation) exactly once: no sampling with replacement
    pairs = sorted((o["task"], o["variation"]) for o in res["outcomes"])
    assert pairs == sorted((t, i) for t in ("reach", "push") for i in range(6))
    assert res["per_task"]["reach"]["episodes"] == 6
    p = res["protocol"]
    assert (
        p["kind"],
        p["horizon"],
        p["terminate_on_success"],
        p["one_hot"],
        p["goal_visible"],
    ) == ("MT", 500, True, True, True)
    assert p["task_versions"] == {"reach": 2, "push": 2} and p["benchmark_hash"] == bench.hash
    assert res["benchmark"] == bench.identity()
    assert all(
        o["length"][0] == o["first_success"][0] for o in res["outcomes"]
    )  # terminate on success
    rnd = evaluate_multitask(
        RandomAgent(0), bench, MTProtocol(horizon=100, variations_per_task=4), progress=None
    )
    assert rnd["aggregate"]["success_rate"] <= 0.1


def test_mt_settings_are_validated():
    with pytest.raises(ValueError, match="horizon"):
        MTProtocol(horizon=0)
    with pytest.raises(ValueError, match="variations_per_task must be at most 50"):
        MTProtocol(variations_per_task=51)
    with pytest.raises(ValueError, match="meta-learning|ML"):
        evaluate_multitask(ExpertAgent(), "ML1(reach)", progress=None)


@pytest.mark.parametrize("name", ["MT10", "MT50"])
def test_expert_scores_95_percent_through_the_harness(name):
    bench = require(name)
    res = evaluate_multitask(ExpertAgent(), bench, MTProtocol(variations_per_task=5), progress=None)
    assert res["aggregate"]["success_rate"] >= 0.95, res["per_task"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["MT10", "MT50"])
def test_expert_scores_95_percent_on_all_variations(name):
    bench = require(name)
    res = evaluate_multitask(ExpertAgent(), bench, progress=None)
    assert res["aggregate"]["success_rate"] >= 0.95, res["per_task"]


# ------------------------------------------------------------------ ML protocol
class ShapeCheckingAgent(ExpertMetaAgent):
    """The trivial meta-agent, also checking what adapt receives."""

    def adapt(self, rollouts):
        super().adapt(rollouts)
        w, e, t, d = rollouts.observations.shape
        assert (w, e) == (self._num_worlds, 2) and d == 39 and t >= rollouts.lengths.max()
        assert rollouts.actions.shape == (w, e, t, 4) and rollouts.rewards.shape == (w, e, t)
        assert rollouts.dones[np.arange(w)[:, None], np.arange(e), rollouts.lengths - 1].all()


def test_ml_expert_as_trivial_meta_agent():
    bench = custom_ml(["reach", "push"], ["pick-place", "peg-insert-side"])
    agent = ShapeCheckingAgent()
    res = evaluate_metalearning(agent, bench, QUICK_ML, progress=None)
    assert res["aggregate"]["success_rate"] >= 0.9
    assert agent.adapt_calls == 1 and agent.init_calls == 1
    assert len(res["outcomes"]) == 8 and all(o["split"] == "test" for o in res["outcomes"])
    assert res["per_task"]["pick-place"]["episodes"] == 8  # 4 variations x 2 evaluation episodes
    p = res["protocol"]
    assert (
        p["kind"],
        p["goal_visible"],
        p["one_hot"],
        p["adaptation_episodes"],
        p["evaluation_episodes"],
    ) == ("ML", True, False, 2, 2)
    chunked = ExpertMetaAgent()
    res2 = evaluate_metalearning(
        chunked,
        bench,
        MLProtocol(
            adaptation_episodes=1,
            evaluation_episodes=1,
            test_variations=3,
            goal_visible=True,
            meta_batch_size=4,
            adaptation_steps=2,
        ),
        progress=None,
    )
    assert (
        chunked.init_calls == 2 and chunked.adapt_calls == 4
    )  # 6 pairs in chunks of 4; 2 adapt rounds each
    assert len(res2["outcomes"]) == 6


def test_ml1_counts_every_variation_not_every_task_name():
    # Meta-World's evaluation keyed successes by task name: with many worlds of
    # one task (ML1) it counted only the first three episodes that finished
    res = evaluate_metalearning(
        ExpertMetaAgent(),
        "ML1(reach)",
        MLProtocol(
            adaptation_episodes=1, evaluation_episodes=3, test_variations=10, goal_visible=True
        ),
        progress=None,
    )
    assert res["per_task"]["reach"]["episodes"] == 30
    assert sorted(o["variation"] for o in res["outcomes"]) == list(range(10))


def test_ml_refuses_what_it_cannot_score():
    with pytest.raises(ValueError, match="goal_visible=True"):
        evaluate_metalearning(ExpertMetaAgent(), "ML1(reach)", progress=None)
    with pytest.raises(TypeError, match="MetaAgent"):
        evaluate_metalearning(ExpertAgent(), "ML1(reach)", progress=None)
    with pytest.raises(ValueError, match="adaptation_episodes"):
        MLProtocol(adaptation_episodes=0)


@pytest.mark.parametrize("name", ["ML10", "ML45"])
def test_ml_published_end_to_end(name):
    bench = require(name)
    agent = ExpertMetaAgent()
    res = evaluate_metalearning(
        agent,
        bench,
        MLProtocol(
            adaptation_episodes=1, evaluation_episodes=1, test_variations=3, goal_visible=True
        ),
        progress=None,
    )
    assert len(res["per_task"]) == 5 and agent.adapt_calls == 1
    assert res["aggregate"]["success_rate"] >= 0.9, res["per_task"]


# ------------------------------------------------------------------ CW protocol
class Learner(ExpertAgent):
    """A scripted continual learner: solves the tasks it has "learned"."""

    name = "scripted-learner"

    def __init__(self, remembers: bool):
        super().__init__()
        self.remembers, self.known = remembers, set()

    def learn(self, task):
        self.known = (self.known | {task}) if self.remembers else {task}

    def set_world_tasks(self, tasks):
        super().set_world_tasks(tasks)
        self.mask = np.array([t in self.known for t in tasks])

    def act(self, obs):
        return np.where(self.mask[:, None], super().act(obs), 0.0)


@pytest.mark.parametrize("remembers", [True, False])
def test_continual_metrics_on_a_scripted_run(remembers):
    seq = cw("CW-mini", ("reach", "push", "pick-place"))
    evaluation = ContinualEvaluation(
        seq, CWProtocol(variations_per_task=3, horizon=200), progress=None
    )
    agent = Learner(remembers)
    for stage, task in enumerate(seq.sequence):
        agent.learn(task)
        evaluation.record_curve(stage, [0.0, 1.0], [0.0, 1.0])
        evaluation.evaluate_stage(stage, agent)
    res = evaluation.result(agent, reference_auc=[0.5, 0.5, 0.5])
    m = res["continual"]["metrics"]
    if remembers:
        assert (m["average_performance"], m["forgetting"]) == (1.0, 0.0)
    else:  # forgets every earlier task: only the last is solved at the end
        assert m["average_performance"] == pytest.approx(1 / 3) and m[
            "forgetting"
        ] == pytest.approx(2 / 3)
    assert m["forward_transfer"] == pytest.approx(0.0)  # AUC 0.5 vs reference 0.5
    assert np.isnan(
        np.array(res["continual"]["success_matrix"], dtype=float)[0, 1]
    )  # not evaluated yet
    assert res["protocol"]["kind"] == "CW" and len(res["outcomes"]) == 9


def test_cw10_scripted_run():
    bench = require("CW10")
    evaluation = ContinualEvaluation(bench, CWProtocol(variations_per_task=2), progress=None)
    agent = Learner(remembers=True)
    for stage, task in enumerate(bench.sequence):
        agent.learn(task)
        evaluation.evaluate_stage(stage, agent)
    m = evaluation.metrics()
    assert m["average_performance"] >= 0.9 and m["forgetting"] <= 0.1


# ------------------------------------------------------------------ result files and compare
@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("results")
    bench = custom_mt(["reach", "push"])
    paths = {}
    for name, agent, seed in (
        ("expert", ExpertAgent(), 0),
        ("random0", RandomAgent(0), 0),
        ("random1", RandomAgent(1), 1),
    ):
        res = evaluate_multitask(
            agent, bench, MTProtocol(variations_per_task=3, horizon=60), seed=seed, progress=None
        )
        paths[name] = write_result(d / f"{name}.json", res)
    short = evaluate_multitask(
        ExpertAgent(), bench, MTProtocol(variations_per_task=3, horizon=50), progress=None
    )
    paths["short"] = write_result(d / "short.json", short)
    return paths


def test_result_roundtrip_and_atomic_write(results, tmp_path):
    res = read_result(results["expert"])
    assert res["schema_version"] == 1 and res["agent"]["name"] == "expert" and res["seed"] == 0
    assert res["benchmark"]["hash"] == res["protocol"]["benchmark_hash"]
    assert "not the maximum over training" in res["aggregate"]["reported"]
    assert not [p for p in os.listdir(results["expert"].parent) if p.endswith(".tmp")]
    csv_path = write_csv(tmp_path / "r.csv", res)
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("benchmark,benchmark_hash,agent,seed") and len(lines) == 1 + 6


def test_bad_result_files_are_named(results, tmp_path):
    res = json.loads(results["expert"].read_text())
    cases = {
        "notjson.json": ("{not json", "not JSON"),
        "foreign.json": (json.dumps({"hello": 1}), "not a manyworld result file"),
        "newer.json": (json.dumps({**res, "schema_version": 99}), "newer than this manyworld"),
        "corrupt.json": (
            json.dumps({**res, "per_task": {"reach": {"success_rate": 0.1}, "push": {}}}),
            "corrupt",
        ),
        "missing.json": (
            json.dumps({k: v for k, v in res.items() if k != "protocol"}),
            "missing protocol",
        ),
    }
    for name, (text, match) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ResultFileError, match=match):
            read_result(tmp_path / name)
    with pytest.raises(ResultFileError, match="no such"):
        read_result(tmp_path / "absent.json")


def test_type_corrupted_result_files_name_the_field(results, tmp_path, capsys):
    res = json.loads(results["expert"].read_text())
    first, reach = res["outcomes"][0], res["per_task"]["reach"]
    cases = {
        "v0.json": ({**res, "schema_version": 0}, "schema_version must be an integer from 1 to 1"),
        "vbool.json": ({**res, "schema_version": True}, "schema_version must be an integer"),
        "success.json": (
            {**res, "outcomes": [{**first, "success": True}, *res["outcomes"][1:]]},
            r"outcomes\[0\]\.success must be a list of booleans \(one per episode\), got true",
        ),
        "per_task.json": (
            {**res, "per_task": {**res["per_task"], "reach": 1.0}},
            r"per_task\['reach'\] must be an object with success_rate, got 1\.0",
        ),
        "rate.json": (
            {**res, "per_task": {**res["per_task"], "reach": {**reach, "success_rate": "1"}}},
            r"per_task\['reach'\]\.success_rate must be a number",
        ),
        "agent.json": ({**res, "agent": "expert"}, r"agent\.name must be a string"),
        "horizon.json": (
            {**res, "protocol": {k: v for k, v in res["protocol"].items() if k != "horizon"}},
            "protocol lacks horizon",
        ),
    }
    for name, (content, match) in cases.items():
        path = tmp_path / name
        path.write_text(json.dumps(content))
        with pytest.raises(ResultFileError, match=f"{path}: .*{match}"):
            read_result(path)
        assert main(["compare", str(results["expert"]), str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {path}: ") and len(err.splitlines()) == 1


def test_compare_refuses_mismatched_protocols(results):
    with pytest.raises(IncomparableResultsError, match="horizon: 60 vs 50"):
        compare([results["expert"], results["short"]], reps=100)


def test_compare_table(results):
    summary = compare([results["expert"], results["random0"], results["random1"]], reps=500)
    agents = {a["label"]: a for a in summary["agents"]}
    assert agents["random"]["runs"] == 2 and agents["expert"]["iqm"]["point"] == 1.0
    assert summary["improvement"][0]["point"] == 0.0  # random never beats the expert
    table = format_table(summary)
    assert (
        "not the maximum over training" in table
        and "IQM" in table
        and "P(random > expert)" in table
    )


# ------------------------------------------------------------------ agents, progress, CLI
def test_load_agent(tmp_path):
    assert load_agent("expert").name == "expert" and hasattr(
        load_agent("expert", meta=True), "adapt"
    )
    assert load_agent("manyworld.evaluation.agents:RandomAgent").name == "random"
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "agent.json").write_text(
        json.dumps({"factory": "test_evaluation:_factory", "config": {"k": 3}})
    )
    agent = load_agent(str(ckpt))
    assert agent.config == {"k": 3, "path": str(ckpt)}
    with pytest.raises(ValueError, match="unknown agent"):
        load_agent("nonsense")
    with pytest.raises(ValueError, match="cannot import"):
        load_agent("no.such.module:thing")
    (ckpt / "agent.json").write_text("{}")
    with pytest.raises(ValueError, match="not a valid agent manifest"):
        load_agent(str(ckpt))


def _factory(path, k):
    agent = RandomAgent(0)
    agent.config = {"k": k, "path": path}
    return agent


def test_progress_line_has_rate_and_eta():
    bar = Progress(10, "MT10 / expert", stream=None)
    bar.update(done=4, steps=400)
    line = bar.line()
    assert "4/10 episodes (40%)" in line and "steps/s" in line and "ETA" in line


def test_cli_benchmark_eval_compare(tmp_path, capsys):
    assert main(["benchmark", "show", "custom(reach,push)"]) == 0
    out = capsys.readouterr().out
    assert "identity hash" in out and "reach" in out
    assert main(["benchmark", "show", "custom(reach,no-such-task)"]) == 0
    assert "NOT BUILDABLE YET" in capsys.readouterr().out
    assert main(["benchmark", "show", "MT11"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["benchmark", "list"]) == 0
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert (
        main(
            [
                "eval",
                "--benchmark",
                "custom(reach,push)",
                "--variations",
                "3",
                "--out",
                str(a),
                "--quiet",
            ]
        )
        == 0
    )
    assert "100.0%" in capsys.readouterr().out
    assert (
        main(
            [
                "eval",
                "--benchmark",
                "ML1(reach)",
                "--variations",
                "2",
                "--adaptation-episodes",
                "1",
                "--evaluation-episodes",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    assert (
        "goal visible" in capsys.readouterr().out
    )  # the expert on ML: an oracle run, recorded as such
    assert (
        main(
            [
                "eval",
                "--benchmark",
                "custom(reach,push)",
                "--variations",
                "3",
                "--horizon",
                "80",
                "--out",
                str(b),
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["compare", str(a), str(b)]) == 2
    assert "protocols differ" in capsys.readouterr().err
    assert main(["compare", str(a), str(a), "--reps", "200"]) == 0
    assert main(["eval", "--benchmark", "custom(reach,push)", "--variations", "99"]) == 2
