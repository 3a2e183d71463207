"""The agent interfaces the evaluation protocols call, and the built-in agents.

Every algorithm is evaluated through one of two Protocols (structural types:
no base class to inherit):

- :class:`Agent`: ``act(obs) -> actions`` on batches, ``(W, obs_dim) -> (W, 4)``.
- :class:`MetaAgent`: an Agent with ``init()`` (forget everything adapted;
  called once per meta-test trial) and ``adapt(rollouts)`` (called after each
  group of adaptation episodes with a :class:`Rollouts` batch).

Agents may also implement :class:`TaskAware` (``set_world_tasks(names)``: the
task of each world). The harness tells task identity only to agents that ask;
result files record that they did. The scripted experts need it (one expert per
task), and read the goal from the observation (``requires_goal``), so on ML
benchmarks they are an oracle run with the goal shown, recorded as such.

Optional attributes read for result files: ``name`` (str) and ``config`` (dict).
Optional attributes read by the harness: ``recurrent = True`` (the agent keeps
a memory per world; episode loops call ``act(obs, active)`` with the mask of
the worlds still stepping, see :func:`~manyworld.envs.rollout.run_episodes`)
and ``rl2_observation = True`` (it reads RL² observations: the ML protocol
then appends the previous action, reward and done flag).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import get_task


@dataclass
class Rollouts:
    """A batch of adaptation episodes, one row per world: arrays (W, E, T, ...).

    E episodes of up to T steps per world; step t of episode e is valid when
    ``t < lengths[w, e]`` (later entries are zeros).

    Attributes:
        observations: (W, E, T, obs_dim) float32, the observation acted on.
        actions: (W, E, T, 4) float32.
        rewards: (W, E, T) float32.
        terminated, truncated: (W, E, T) bool.
        success: (W, E, T) bool: the task's success flag after the step.
        lengths: (W, E) int.
        tasks: the W task names.
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    success: np.ndarray
    lengths: np.ndarray
    tasks: tuple[str, ...]

    @property
    def dones(self) -> np.ndarray:
        """(W, E, T) bool: the episode ended at this step."""
        return self.terminated | self.truncated


@runtime_checkable
class Agent(Protocol):
    """Anything that maps an observation batch to an action batch."""

    def act(self, obs: np.ndarray) -> np.ndarray:
        """(W, obs_dim) -> (W, 4) actions in [-1, 1]."""
        ...


@runtime_checkable
class MetaAgent(Agent, Protocol):
    """An Agent that adapts to a task from a few episodes (meta-learning)."""

    def init(self) -> None:
        """Start a new meta-test trial: forget whatever was adapted."""
        ...

    def adapt(self, rollouts: Rollouts) -> None:
        """Update from a batch of adaptation episodes (each world adapts to its own task)."""
        ...


@runtime_checkable
class TaskAware(Protocol):
    """An agent that is told each world's task name (oracles; task-conditioned baselines)."""

    def set_world_tasks(self, tasks: Sequence[str]) -> None:
        """The task of each of the W worlds the next ``act`` calls will see."""
        ...


def agent_info(agent: Any) -> dict[str, Any]:
    """The agent block of a result file: name, config and which interfaces it used."""
    return {
        "name": getattr(agent, "name", type(agent).__name__),
        "config": dict(getattr(agent, "config", {}) or {}),
        "meta_agent": isinstance(agent, MetaAgent),
        "task_aware": isinstance(agent, TaskAware),
        "requires_goal": bool(getattr(agent, "requires_goal", False)),
    }


# ------------------------------------------------------------------ built-in agents
class ExpertAgent:
    """The scripted experts, one per task, dispatched by each world's task.

    The oracle of the harness: it must score >= 95% on MT10 and MT50. It reads
    the goal (observation slots 36-38), so it needs the goal visible.
    """

    name = "expert"
    requires_goal = True

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self._groups: list[tuple[Any, np.ndarray]] = []
        self._num_worlds = 0

    def set_world_tasks(self, tasks: Sequence[str]) -> None:
        names = np.asarray(list(tasks))
        self._num_worlds = len(names)
        self._groups = [
            (get_task(t).expert, np.flatnonzero(names == t)) for t in dict.fromkeys(names.tolist())
        ]

    def act(self, obs: np.ndarray) -> np.ndarray:
        if len(obs) != self._num_worlds:
            raise ValueError(
                f"ExpertAgent was told about {self._num_worlds} worlds (set_world_tasks) but got "
                f"{len(obs)} observations"
            )
        out = np.zeros((len(obs), 4))
        base = obs[:, : obs_lib.OBS_DIM]  # drop one-hot / RL² extras
        for expert, idx in self._groups:
            out[idx] = expert(base[idx])
        return out


class ExpertMetaAgent(ExpertAgent):
    """The experts as a trivial meta-agent: ``init`` and ``adapt`` change nothing.

    Runs the ML protocol end to end (adaptation episodes, ``adapt`` calls,
    evaluation episodes) with a known answer; counts its ``adapt`` calls.
    """

    name = "expert"

    def __init__(self) -> None:
        super().__init__()
        self.init_calls = 0
        self.adapt_calls = 0

    def init(self) -> None:
        self.init_calls += 1

    def adapt(self, rollouts: Rollouts) -> None:
        if rollouts.observations.shape[0] != self._num_worlds:
            raise ValueError("rollouts do not match the worlds this agent was told about")
        self.adapt_calls += 1


class RandomAgent:
    """Uniform random actions in [-1, 1]; scores about 0 on every benchmark."""

    name = "random"

    def __init__(self, seed: int | None = 0) -> None:
        self.config = {"seed": seed}
        self._rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray) -> np.ndarray:
        return self._rng.uniform(-1.0, 1.0, (len(obs), 4))

    def init(self) -> None:  # a (trivial) meta-agent too
        pass

    def adapt(self, rollouts: Rollouts) -> None:
        pass


def load_agent(spec: str, *, seed: int = 0, meta: bool = False) -> Any:
    """An agent from a command-line spec.

    Args:
        spec: ``expert``, ``random``, ``package.module:factory`` (a callable
            returning an agent), or a checkpoint: a directory holding
            ``agent.json`` (or that file itself) with ``{"factory":
            "package.module:function", "config": {...}}``; the function is
            called as ``function(path, **config)``. No pickle is ever loaded.
        seed: seed for agents that draw random numbers.
        meta: return the meta-agent form of ``expert`` (for ML protocols).
    """
    if spec == "expert":
        return ExpertMetaAgent() if meta else ExpertAgent()
    if spec == "random":
        return RandomAgent(seed)
    path = Path(spec)
    if path.exists():
        manifest = path / "agent.json" if path.is_dir() else path
        if not manifest.is_file():
            raise ValueError(
                f"checkpoint {spec!r} has no agent.json; a checkpoint directory must hold "
                'agent.json with {"factory": "package.module:function", "config": {...}}'
            )
        try:
            desc = json.loads(manifest.read_text())
            factory, config = desc["factory"], dict(desc.get("config", {}))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(
                f"{manifest}: not a valid agent manifest ({err}); expected "
                '{"factory": "package.module:function", "config": {...}}'
            ) from err
        return _checked(_import(factory)(str(manifest.parent), **config), factory)
    if ":" in spec:
        return _checked(_import(spec)(), spec)
    raise ValueError(
        f"unknown agent {spec!r}: use expert, random, package.module:factory, or a checkpoint "
        "directory holding agent.json"
    )


def _checked(agent: Any, factory: str) -> Any:
    """The factory's product, if it is an agent: caught here, not as an AttributeError mid-run."""
    if not callable(getattr(agent, "act", None)):
        raise ValueError(  # noqa: TRY004  (one error type for a bad --agent, which the CLI reports)
            f"agent factory {factory!r} returned {type(agent).__name__} {agent!r:.60}, not an agent "
            "(an object with act(obs) -> actions)"
        )
    return agent


def _import(target: str) -> Any:
    module, _, attr = target.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"cannot import agent factory {target!r}: {err}") from err
    if not callable(obj):
        raise ValueError(f"agent factory {target!r} is not callable")  # noqa: TRY004  (one error type for a bad --agent, which the CLI reports)
    return obj
