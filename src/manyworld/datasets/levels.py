"""Quality levels of the offline datasets: how the actions of each episode are generated.

Every level is one rule with two parameters. At the start of an episode a
coin with probability ``expert_prob`` decides what drives it for its whole
length:

* heads: the task's scripted expert (``Task.expert``) with Gaussian noise of
  standard deviation ``noise_std`` added to every action component, clipped
  to [-1, 1];
* tails: uniform random actions in [-1, 1]^4.

=========  ===========  =========
level      expert_prob  noise_std
=========  ===========  =========
``expert``     1.0        0.1
``medium``     0.5        0.3
``random``     0.0         --
=========  ===========  =========

Measured success rates (100 episodes, seed 0, two per train variation):

==========  ======  ======  ======
task        expert  medium  random
==========  ======  ======  ======
reach        1.00    0.54    0.03
push         1.00    0.40    0.02
pick-place   1.00    0.48    0.00
door-open    1.00    0.51    0.00
assembly     1.00    0.52    0.00
==========  ======  ======  ======

``medium``'s rate is, on these tasks, the fraction of its episodes whose coin
chose the expert (53, 40, 47, 51 and 52 of 100: binomial spread, about +-5 per
100 episodes) plus the random branch's few successes.

Why ``medium`` mixes whole episodes: no amount of per-step noise or per-step
random actions gives a success rate in the 1/3 - 2/3 band on every task,
because success counts at any of 500 steps and some experts recover from almost
anything. Measured on the 50 train variations: expert actions plus N(0, 1) noise
succeed on 100% of reach and push episodes, 72% of pick-place, 52% of door-open
and 8% of assembly; replacing half the steps by random actions gives 100%, 98%,
66%, 92% and 8%. Mixing episodes lands near one half on every task whose expert
succeeds and whose random policy fails, which is every task measured; the
collector records the rate it actually got, and a task where it falls outside
the band shows it in the dataset's metadata. Each episode records which branch
drove it (episode attribute ``policy``: ``"expert"`` or ``"random"``), so the
two halves can be told apart. The expert branch of ``medium`` is noisier than
the ``expert`` level (0.3 against 0.1; every one of its expert-branch episodes
above succeeded, and N(0, 0.5) noise still gives 98-100%) so that its episodes
are not simply those of the expert dataset.

Randomness: every episode draws its coin, its noise and its random actions
from a generator of its own, seeded by the collection seed, the task, the
level and the episode's index, all at the start of the episode. An episode's
actions therefore do not depend on how many worlds collect in parallel, nor on
the other episodes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Level:
    """A quality level: the probability that an episode follows the expert, and its noise.

    Attributes:
        name: ``"expert"``, ``"medium"`` or ``"random"``.
        expert_prob: probability that an episode is driven by the noisy expert
            (else by uniform random actions).
        noise_std: standard deviation of the Gaussian noise on expert actions.
        summary: one line for listings and the dataset's description.
    """

    name: str
    expert_prob: float
    noise_std: float
    summary: str

    def params(self) -> dict[str, float | str]:
        """The generating parameters, as recorded in a dataset's metadata."""
        return {"expert_prob": self.expert_prob, "noise_std": self.noise_std,
                "action_clip": "[-1, 1]", "random_actions": "uniform in [-1, 1]^4",
                "choice": "per episode"}


LEVELS: dict[str, Level] = {
    "expert": Level("expert", 1.0, 0.1,
                    "the scripted expert with N(0, 0.1^2) action noise, clipped to [-1, 1]"),
    "medium": Level("medium", 0.5, 0.3,
                    "per episode, with probability 1/2 the scripted expert with N(0, 0.3^2) "
                    "action noise, else uniform random actions"),
    "random": Level("random", 0.0, 0.0, "uniform random actions in [-1, 1]^4"),
}


def get_level(name: str) -> Level:
    """The level called ``name``; a ValueError lists the levels otherwise."""
    if name not in LEVELS:
        raise ValueError(f"unknown level {name!r}: choose one of {', '.join(LEVELS)} "
                         "(the replay of a trained agent is not a level yet)")
    return LEVELS[name]


def episode_seed(seed: int, task: str, level: str, episode: int) -> list[int]:
    """The seed of one episode's generator: collection seed, task, level and episode index.

    CRC32 of the names (as for the variation sets) keeps the streams of two
    tasks or two levels collected with one seed apart.
    """
    return [int(seed), zlib.crc32(task.encode()), zlib.crc32(level.encode()), int(episode)]


class EpisodePolicy:
    """The actions of W episodes of one level, one per world, stepped together.

    Everything random is drawn when the episodes start (one generator per
    episode, see :func:`episode_seed`), so a step costs one expert call on the
    batch and a few array operations.

    Args:
        level: the quality level.
        expert: the task's batched scripted expert, ``(W, 39) -> (W, 4)``.
        seeds: one generator seed per world (:func:`episode_seed`).
        horizon: the most steps an episode can take.

    Attributes:
        follows_expert: (W,) bool, the coin of each episode.
    """

    def __init__(self, level: Level, expert: Callable[[np.ndarray], np.ndarray],
                 seeds: list[list[int]], horizon: int):
        self.expert = expert
        rngs = [np.random.default_rng(s) for s in seeds]
        # draw order is part of the format: coin, then noise, then random actions
        self.follows_expert = np.array([r.random() < level.expert_prob for r in rngs], dtype=bool)
        self.noise = np.stack([r.normal(0.0, 1.0, (horizon, 4)) for r in rngs]) * level.noise_std
        self.uniform = np.stack([r.uniform(-1.0, 1.0, (horizon, 4)) for r in rngs])
        self.t = 0

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Actions for step ``self.t`` of every world as float32, then advance to the next step.

        float32 is what a dataset stores (the action space's dtype); the env
        gets exactly these values, so replaying stored actions reproduces the
        episode bit for bit.
        """
        t = self.t
        self.t += 1
        actions = self.uniform[:, t].copy()
        e = self.follows_expert
        if e.any():
            noisy = np.asarray(self.expert(obs), np.float64) + self.noise[:, t]
            actions[e] = noisy[e]
        return np.clip(actions, -1.0, 1.0).astype(np.float32)
