"""The quality gate: checks every task must pass, built-in or user-defined.

:func:`check_task` runs a task through its scripted expert, a uniform random
policy and an idle policy, all batched, and returns a :class:`GateReport` of
named checks. ``manyworld check`` prints the reports; the test suite runs the
gate over the registry.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import mujoco
import numpy as np
from scipy import stats

from manyworld.envs.batch_env import BatchEnv
from manyworld.envs.rollout import run_episodes
from manyworld.tasks import rewards
from manyworld.tasks.base import NUM_VARIATIONS, Task, get_task

EXPERT_MIN_SUCCESS = 0.95
# A task with an easier sibling (Task.easier_sibling): the sibling's expert may solve at
# most this share of its variations, or the difference (a wall) does not matter.
SIBLING_MAX_SUCCESS = 0.5
BASELINE_MAX_SUCCESS = 0.05  # the idle policy, over all 50 train variations (deterministic)
# The random policy's success is a sampled rate: the gate bounds it from above with 95%
# confidence (one-sided Clopper-Pearson) over RANDOM_REPEATS episodes per train variation,
# so the verdict does not hang on one seed's draws. 10% at 95% confidence over 200
# episodes passes a task whose random success is about 4% or less.
RANDOM_MAX_UPPER_BOUND = 0.10
RANDOM_REPEATS = 4
CONFIDENCE = 0.95
SETTLE_STEPS = 20
SETTLE_TOLERANCE = 0.002  # metres
DETERMINISM_STEPS = 60
# No object on or above the table may move faster than this. The hand moves at
# most 0.8 m/s and an object dropped from the top of the workspace lands at
# 3.1 m/s, so a faster object was launched by the physics (v1's hand crushed
# and threw box-close's lid at 9 m/s). Below the table top objects may fall to
# the floor; the observation bounds still hold them.
MAX_OBJECT_SPEED = 4.0  # m/s
TABLE_TOP_Z = -0.05  # objects below this height are falling off the table
# Every constant action at the corners of the action box (the 16 sign patterns),
# held for a whole episode: pressing into the table, walls and objects as hard
# as the hand can.
EXTREME_ACTIONS = np.array(list(itertools.product((-1.0, 1.0), repeat=4)))
# The reward-hacking probe: the expert's trajectory stopped this many steps before its first
# success and held there (the hand still, the gripper as it was) for the rest of the
# episode, the shortest stop that does not drift into success. One step short always drifts
# in (the hand and objects keep moving); 30 steps short stayed out of success on 2,499 of
# the 2,500 train variations of the 50 tasks (push-wall's puck slid in once). Such a stall
# earns at most 0.92 of the expert's episode return (BENCHMARKS.md section 4): stopping
# where the expert stood just short of success costs at least 8% of the return.
# What it cannot see: a non-success state off the expert's path that pays as much (the
# learners' failed runs probe that: benchmarks/reward_probe.py).
STALL_BACKOFFS = (3, 10, 30)
STALL_MAX_RETURN_RATIO = 0.95
# Without success the reward is 9 times a weighted mean of terms in [0, 1]: success (10)
# always pays at least a tenth more than any other state. A task with its own reward
# formula must keep that margin too.
UNSOLVED_MAX_REWARD = 9.0


@dataclass
class Check:
    """One named check: whether it passed, and what was measured."""

    name: str
    passed: bool
    detail: str


@dataclass
class GateReport:
    """The gate's verdict on one task."""

    task: str
    checks: list[Check] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def add(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(name, bool(passed), detail))

    def format(self) -> str:
        """A readable report card."""
        head = f"{self.task}: {'PASS' if self.passed else 'FAIL'} ({self.seconds:.1f} s)"
        lines = [head] + [f"  [{'ok' if c.passed else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        return "\n".join(lines)


@dataclass
class Rollout:
    """Per-episode results of one batched rollout."""

    solved: np.ndarray  # (n,) bool: success at any step
    first_success: np.ndarray  # (n,) step of first success, -1 if none
    episode_reward: np.ndarray  # (n,) sum of rewards
    reward_min: float
    reward_max: float
    reward_max_unsolved: float  # the best reward at a step without success
    reward_10_iff_success: bool
    warnings: int
    nonfinite: int
    obs_outside: int
    terms_match_weights: bool
    reward_from_weights: bool
    max_object_speed: float  # m/s, of objects on or above the table


def rollout(env: BatchEnv, policy, variations: np.ndarray, steps: int, stop_when_solved: bool) -> Rollout:
    """Run one episode per variation (env has one world per variation) and collect results.

    A world whose episode the env ends early (a physics warning truncates it)
    is not counted after that step.

    Args:
        env: one world per row of ``variations``; each world is pinned to its row.
        policy: a callable ``obs -> actions`` on the whole batch.
        variations: the task's parameter rows.
        steps: at most this many steps per episode.
        stop_when_solved: end every episode once every world has succeeded.
    """
    env.set_task(variations)
    tally = _Tally(env)
    res = run_episodes(env, policy, max_steps=steps, stop=np.all if stop_when_solved else None,
                       on_step=tally)
    return Rollout(res.success, res.first_success, res.returns, tally.reward_min, tally.reward_max,
                   tally.reward_max_unsolved, tally.reward_10_iff_success, tally.warnings, tally.nonfinite, tally.obs_outside,
                   tally.terms_match_weights, tally.reward_from_weights, tally.max_object_speed)


@dataclass
class _Tally:
    """What the gate watches at every step of a rollout, over the worlds the step counted for."""

    env: BatchEnv
    reward_min: float = np.inf
    reward_max: float = -np.inf
    reward_max_unsolved: float = -np.inf
    reward_10_iff_success: bool = True
    warnings: int = 0
    nonfinite: int = 0
    obs_outside: int = 0
    terms_match_weights: bool = True
    reward_from_weights: bool = True
    max_object_speed: float = 0.0

    def __call__(self, t, obs, reward, terminated, truncated, info, active) -> None:
        r = reward[active]
        self.reward_min = min(self.reward_min, float(r.min()))
        self.reward_max = max(self.reward_max, float(r.max()))
        unsolved = r[~info["success"][active]]
        if unsolved.size:
            self.reward_max_unsolved = max(self.reward_max_unsolved, float(unsolved.max()))
        self.reward_10_iff_success &= bool(((r == 10.0) == info["success"][active]).all())
        self.warnings += int(info["physics_warning"][active].sum())
        self.nonfinite += int((~np.isfinite(obs[active])).any(axis=1).sum())
        self.obs_outside += int(info["obs_clipped"][active].sum())
        self.max_object_speed = max(self.max_object_speed, object_speed(self.env, active))
        weights = self.env.task_cls.reward_weights
        if weights:
            # the env reports each term as info["reward_<term>"]
            terms = {k.removeprefix("reward_"): v[active] for k, v in info.items() if k.startswith("reward_")}
            if set(terms) != rewards.term_names(weights):
                self.terms_match_weights = False
            elif self.reward_from_weights:
                expected = rewards.finish(rewards.weighted_sum(weights, terms), info["success"][active])
                self.reward_from_weights = bool(np.array_equal(expected, r))


def object_speed(env: BatchEnv, worlds: np.ndarray | None = None) -> float:
    """The fastest free object on or above the table in ``worlds`` (all if None), in m/s; 0 if none.

    The linear velocity of each free body (its frame's origin, from the physics
    state), not of the point the observation tracks: an object spinning in place
    moves that point fast (a nut's handle 10 cm from its centre) without being
    launched. Works for any task, the user's own included.
    """
    sim = env.sim
    model = sim.model
    rows = np.arange(env.num_worlds) if worlds is None else np.flatnonzero(worlds)
    fastest = 0.0
    for j in np.flatnonzero(model.jnt_type == mujoco.mjtJoint.mjJNT_FREE):
        dof, body = model.jnt_dofadr[j], model.jnt_bodyid[j]
        on_table = sim.xpos[rows, body, 2] >= TABLE_TOP_Z
        if on_table.any():
            v = np.linalg.norm(sim.qvel[rows[on_table], dof:dof + 3], axis=1)
            fastest = max(fastest, float(v.max()))
    return fastest


@dataclass
class StallProbe:
    """What the dense reward pays a policy that stops just short of success.

    Attributes:
        backoff: (n,) steps before the expert's first success at which each variation's
            stall began; 0 where no stall of ``STALL_BACKOFFS`` avoided success.
        plateau: (n,) mean per-step reward while held (NaN where no stall avoided success).
        return_ratio: (n,) the stall's episode return over the expert's (NaN likewise).
        reward_max_unsolved: the best reward at a held step without success.
    """

    backoff: np.ndarray
    plateau: np.ndarray
    return_ratio: np.ndarray
    reward_max_unsolved: float

    @property
    def worst_ratio(self) -> float:
        """The largest return ratio over the variations (0 if none stalled)."""
        held = self.return_ratio[np.isfinite(self.return_ratio)]
        return float(held.max()) if held.size else 0.0

    @property
    def median_plateau(self) -> float:
        """The median held reward over the variations, NaN if none stalled."""
        held = self.plateau[np.isfinite(self.plateau)]
        return float(np.median(held)) if held.size else float("nan")

    def describe(self) -> str:
        """One line for the gate's report."""
        held = np.isfinite(self.return_ratio)
        if not held.any():
            return f"every stall of {STALL_BACKOFFS} steps before success drifted into success"
        return (f"the expert held {'/'.join(str(b) for b in sorted(set(self.backoff[held].tolist())))} "
                f"steps before success earns at most {self.worst_ratio:.2f} of its episode return "
                f"(<= {STALL_MAX_RETURN_RATIO}; median reward while held {self.median_plateau:.2f} "
                f"per step, success pays 10) on {int(held.sum())}/{held.size} variations"
                + (f"; {int((~held).sum())} drifted into success" if not held.all() else ""))


def stall_probe(env: BatchEnv, expert, variations: np.ndarray, expert_run: Rollout) -> StallProbe:
    """Hold the expert's state a few steps short of success and measure what the reward pays.

    For each backoff of ``STALL_BACKOFFS`` in turn, every variation whose stall is still
    unresolved follows the expert until ``backoff`` steps before its first success (in
    ``expert_run``), then holds the hand still with the gripper as the expert last set it.
    A variation's stall is the first one that does not reach success.

    Args:
        env: one world per row of ``variations``.
        expert: the task's scripted policy, ``obs -> actions``.
        variations: the parameter rows ``expert_run`` ran on.
        expert_run: the expert's full-length episodes on those rows.
    """
    n = len(variations)
    backoff = np.zeros(n, dtype=np.int64)
    plateau = np.full(n, np.nan)
    ratio = np.full(n, np.nan)
    best_unsolved = -np.inf
    for back in STALL_BACKOFFS:
        todo = expert_run.solved & (backoff == 0)
        if not todo.any():
            break
        hold_from = np.where(todo, np.maximum(expert_run.first_success - back, 0), np.iinfo(np.int64).max)
        run, held_reward, held_steps, held_best = _stalled(env, expert, variations, hold_from)
        best_unsolved = max(best_unsolved, held_best)
        stalled = todo & ~run.success
        backoff[stalled] = back
        plateau[stalled] = held_reward[stalled] / np.maximum(held_steps[stalled], 1)
        ratio[stalled] = run.returns[stalled] / expert_run.episode_reward[stalled]
    return StallProbe(backoff, plateau, ratio, best_unsolved)


def _stalled(env: BatchEnv, expert, variations: np.ndarray, hold_from: np.ndarray):
    n = len(variations)
    clock = {"t": 0, "grip": np.zeros(n)}
    held_reward, held_steps = np.zeros(n), np.zeros(n, dtype=np.int64)
    best = [-np.inf]

    def policy(obs):
        actions = np.array(expert(obs), dtype=np.float64)
        holding = clock["t"] >= hold_from
        clock["grip"] = np.where(holding, clock["grip"], actions[:, 3])
        actions[holding, :3] = 0.0
        actions[holding, 3] = clock["grip"][holding]
        clock["t"] += 1
        return actions

    def tally(t, obs, reward, terminated, truncated, info, active):
        holding = active & (t >= hold_from)
        held_reward[holding] += reward[holding]
        held_steps[holding] += 1
        unsolved = holding & ~np.asarray(info["success"], bool)
        if unsolved.any():
            best[0] = max(best[0], float(reward[unsolved].max()))

    env.set_task(variations)
    return run_episodes(env, policy, on_step=tally), held_reward, held_steps, best[0]


def success_upper_bound(successes: int, episodes: int, confidence: float = CONFIDENCE) -> float:
    """One-sided Clopper-Pearson upper confidence bound on a success rate."""
    if successes >= episodes:
        return 1.0
    return float(stats.beta.ppf(confidence, successes + 1, episodes - successes))


def check_task(task: str | type[Task], num_variations: int = NUM_VARIATIONS, seed: int = 0,
               random_repeats: int = RANDOM_REPEATS, backend: str = "mujoco",
               device: str | None = None) -> GateReport:  # fmt: skip
    """Run the quality gate on one task.

    Args:
        task: a registered name or a Task subclass (a user's own task works too).
        num_variations: how many of the 50 train and 50 test variations to
            check (the CI tier uses fewer; the full gate uses all 50).
        seed: seed of the random policy and the env.
        random_repeats: random-policy episodes per train variation (each with
            its own draws); the bound on its success rate tightens with more.
        backend, device: the simulator every env of the gate runs on (see
            :class:`~manyworld.envs.batch_env.BatchEnv`).

    Raises:
        ValueError: ``num_variations`` outside 1 to the task's variations per split.
    """
    task_cls = get_task(task) if isinstance(task, str) else task
    make_env = functools.partial(BatchEnv, backend=backend, device=device)
    t0 = time.perf_counter()
    report = GateReport(task_cls.name)
    k = num_variations
    train = task_cls.variations("train")
    test = task_cls.variations("test")
    most = min(len(train), len(test))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= most:
        raise ValueError(f"{task_cls.name} has {most} variations per split (train and test): "
                         f"check 1 to {most} of them, not {k!r}")

    # --- the variation sets
    P = task_cls.Params
    distinct = len({r.tobytes() for r in train}) == len(train) and len({r.tobytes() for r in test}) == len(test)
    disjoint = not ({r.tobytes() for r in train} & {r.tobytes() for r in test})
    inside = bool(P.valid(train).all() and P.valid(test).all())
    report.add("variations", distinct and disjoint and inside and len(train) == len(test) == NUM_VARIATIONS,
               f"{len(train)} train + {len(test)} test, distinct={distinct}, disjoint={disjoint}, "
               f"inside ranges and constraint={inside}")

    # --- the reward weights: a weighted mean of the terms (see rewards.weight_problems)
    weights = task_cls.reward_weights
    problems = rewards.weight_problems(weights) if weights else []
    report.add("reward weights", not problems,
               f"{rewards.formula(weights)}: " + ("; ".join(problems) or "non-negative, sum to 1")
               if weights else "none declared (the reward is not checked against weights)")

    env = make_env(task_cls, k, seed=seed)

    # --- nothing solved at reset, and settled: 20 idle steps move no object > 2 mm
    env.set_task(train[:k])
    obs0, _ = env.reset()
    solved_at_reset = env.task.evaluate(env.sim, env.goal).success
    report.add("not solved at reset", not solved_at_reset.any(),
               f"{int(solved_at_reset.sum())}/{k} variations solved before any action")
    obs = obs0
    for _ in range(SETTLE_STEPS):
        obs, *_ = env.step(np.zeros((k, 4)))
    drift = np.maximum(np.linalg.norm(obs[:, 4:7] - obs0[:, 4:7], axis=1),
                       np.linalg.norm(obs[:, 11:14] - obs0[:, 11:14], axis=1))
    report.add("settled at reset", drift.max() <= SETTLE_TOLERANCE,
               f"max object drift over {SETTLE_STEPS} idle steps {1000 * drift.max():.2f} mm "
               f"(limit {1000 * SETTLE_TOLERANCE:.0f} mm)")

    # --- the expert on train and test variations
    results = {}
    for split, rows in (("train", train[:k]), ("test", test[:k])):
        results[split] = r = rollout(env, task_cls.expert, rows, env.max_episode_steps, stop_when_solved=False)
        rate = r.solved.mean()
        median = float(np.median(r.first_success[r.solved])) if r.solved.any() else float("nan")
        report.metrics[f"expert_{split}_success"] = float(rate)
        report.metrics[f"expert_{split}_median_steps"] = median
        report.add(f"expert on {split}", rate >= EXPERT_MIN_SUCCESS,
                   f"success {rate:.2f} (>= {EXPERT_MIN_SUCCESS}) over {k} variations, median {median:.0f} steps"
                   + (f"; failed {np.flatnonzero(~r.solved).tolist()[:10]}" if not r.solved.all() else ""))

    # --- what makes the task harder than its easier sibling matters: the sibling's
    # expert, which does not know of it, fails on most variations
    if task_cls.easier_sibling:
        sibling = get_task(task_cls.easier_sibling)
        plain = rollout(env, sibling.expert, train[:k], env.max_episode_steps, stop_when_solved=False)
        rate = float(plain.solved.mean())
        report.metrics["sibling_expert_success"] = rate
        report.add(f"{sibling.name} expert fails", rate <= SIBLING_MAX_SUCCESS,
                   f"the expert of {sibling.name} (the task without what makes {task_cls.name} "
                   f"harder) succeeds on {rate:.2f} of {k} train variations (<= {SIBLING_MAX_SUCCESS})")

    # --- the reward-hacking probe: stopping short of success pays clearly less than success
    stall = stall_probe(env, task_cls.expert, train[:k], results["train"])
    report.metrics["stall_return_ratio_max"] = stall.worst_ratio
    report.metrics["stall_reward_median"] = stall.median_plateau
    report.add("stalling short of success pays less", stall.worst_ratio <= STALL_MAX_RETURN_RATIO,
               stall.describe())

    # --- baselines, always over the 50 training variations: the idle policy once each
    # (it is deterministic), the random policy random_repeats times each
    if isinstance(random_repeats, bool) or not isinstance(random_repeats, (int, np.integer)) \
            or random_repeats < 1:
        raise ValueError(f"random_repeats must be a positive integer, got {random_repeats!r}")
    rng = np.random.default_rng(seed)
    m = len(train)
    wide = make_env(task_cls, m, seed=seed)
    n = m * random_repeats
    repeated = make_env(task_cls, n, seed=seed)
    baselines = {
        "random": rollout(repeated, lambda o: rng.uniform(-1, 1, (n, 4)), np.tile(train, (random_repeats, 1)),
                          repeated.max_episode_steps, False),
        "idle": rollout(wide, lambda o: np.zeros((m, 4)), train, wide.max_episode_steps, False),
    }
    hits = int(baselines["random"].solved.sum())
    bound = success_upper_bound(hits, n)
    report.metrics["random_success"] = hits / n
    report.metrics["random_success_upper_bound"] = bound
    report.add("random policy fails", bound <= RANDOM_MAX_UPPER_BOUND,
               f"success {hits / n:.3f} ({hits}/{n} episodes, {random_repeats} per train variation); "
               f"{CONFIDENCE:.0%} upper bound {bound:.3f} (<= {RANDOM_MAX_UPPER_BOUND})")
    idle = float(baselines["idle"].solved.mean())
    report.metrics["idle_success"] = idle
    report.add("idle policy fails", idle <= BASELINE_MAX_SUCCESS,
               f"success {idle:.2f} (<= {BASELINE_MAX_SUCCESS}) over the {m} train variations")

    # --- the hand pushing as hard as it can: each corner of the action box held
    # for a whole episode (the checks below cover these rollouts too)
    corners = len(EXTREME_ACTIONS)
    pushed = make_env(task_cls, corners, seed=seed)
    extreme = rollout(pushed, lambda o: EXTREME_ACTIONS, np.resize(train, (corners, train.shape[1])),
                      pushed.max_episode_steps, False)

    # --- reward, stability and observation bounds over every rollout
    every = [*results.values(), *baselines.values(), extreme]
    rmin, rmax = min(r.reward_min for r in every), max(r.reward_max for r in every)
    report.add("reward range", 0.0 <= rmin and rmax <= 10.0, f"rewards in [{rmin:.3f}, {rmax:.3f}]")
    report.add("reward 10 iff success", all(r.reward_10_iff_success for r in every),
               "reward equals 10 exactly at the successful steps")
    unsolved = max(stall.reward_max_unsolved, *(r.reward_max_unsolved for r in every))
    report.metrics["reward_max_unsolved"] = unsolved
    report.add("success pays clearly more", unsolved <= UNSOLVED_MAX_REWARD,
               f"the best reward at a step without success is {unsolved:.3f} (<= {UNSOLVED_MAX_REWARD:.0f}; "
               f"success pays 10), over every rollout and the stalls short of success")
    if weights:
        match = all(r.terms_match_weights for r in every)
        exact = match and all(r.reward_from_weights for r in every)
        report.add("reward from its weights", exact,
                   f"reported terms {'are' if match else 'are not'} those the weights read; the reward "
                   f"{'is' if exact else 'is not'} 10 on success, else 9 * the weighted sum, at every step")
    expert_return = float(np.mean([results[s].episode_reward.mean() for s in results]))
    random_return = float(baselines["random"].episode_reward.mean())
    report.metrics["expert_return"], report.metrics["random_return"] = expert_return, random_return
    report.add("expert out-earns random", expert_return > random_return,
               f"mean episode reward expert {expert_return:.0f} vs random {random_return:.0f}")
    warnings = sum(r.warnings for r in every)
    nonfinite = sum(r.nonfinite for r in every)
    report.add("physics stable", warnings == 0 and nonfinite == 0,
               f"{warnings} MuJoCo warnings, {nonfinite} non-finite observations in "
               f"{2 * k + n + m + corners} episodes")
    outside = sum(r.obs_outside for r in every)
    report.add("observations inside space", outside == 0,
               f"{outside} observations outside observation_space")
    speed = max(r.max_object_speed for r in every)
    report.metrics["max_object_speed"] = speed
    report.add("no object launched", speed <= MAX_OBJECT_SPEED,
               f"fastest object on or above the table {speed:.2f} m/s (<= {MAX_OBJECT_SPEED:.0f}), "
               f"over every rollout including {corners} constant extreme actions held for an episode")

    # --- reproducibility
    report.add("same seed, same bits", _same_bits(make_env, task_cls, seed),
               f"{DETERMINISM_STEPS} random steps, two envs")
    a = make_env(task_cls, 1, seed=seed)
    b = make_env(task_cls, 1, seed=seed + 1)
    differ = not np.array_equal(_draws(a, 5), _draws(b, 5))
    report.add("different seeds, different variations", differ, "5 resets each under two seeds")
    report.seconds = time.perf_counter() - t0
    return report


def _draws(env: BatchEnv, resets: int) -> np.ndarray:
    return np.stack([env.reset()[1]["variation"][0] for _ in range(resets)])


def _same_bits(make_env: Callable[..., BatchEnv], task_cls: type[Task], seed: int) -> bool:
    trajectories = []
    for _ in range(2):
        env = make_env(task_cls, 4, seed=seed, variations="random")
        rng = np.random.default_rng(seed)
        obs, _ = env.reset(seed=seed)
        frames = [obs]
        for _ in range(DETERMINISM_STEPS):
            obs, reward, *_ = env.step(rng.uniform(-1, 1, (4, 4)))
            frames.append(obs)
            frames.append(reward[:, None])
        trajectories.append(np.concatenate([f.ravel() for f in frames]))
    return trajectories[0].tobytes() == trajectories[1].tobytes()
