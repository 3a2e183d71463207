"""Meta-World's scripted-policy API over manyworld's experts.

``ENV_POLICY_MAP[name]()`` is the expert of a task with ``get_action(obs)``:
one observation (39,) gives one action (4,); a batch (N, 39) gives (N, 4).
Names may be ``reach``, ``reach-v2`` or Meta-World's ``reach-v3``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import numpy as np

from manyworld.tasks import obs as obs_lib
from manyworld.tasks.base import get_task, task_names

_ALIAS = re.compile(r"-v[23]$")


class Policy:
    """A task's scripted expert with Meta-World's ``get_action`` interface."""

    TASK: str = ""

    def get_action(self, obs: np.ndarray) -> np.ndarray:
        """Action(s) in [-1, 1] (float32) for one observation or a batch."""
        obs = np.asarray(obs, dtype=np.float64)
        single = obs.ndim == 1
        batch = obs[None] if single else obs
        action = get_task(self.TASK).expert(batch[:, : obs_lib.OBS_DIM])
        action = np.clip(action, -1.0, 1.0).astype(np.float32)
        return action[0] if single else action


class _PolicyMap(Mapping):
    """Task name -> policy class, over whatever tasks are registered when it is read."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Policy]] = {}

    def __getitem__(self, name: str) -> type[Policy]:
        task = get_task(_ALIAS.sub("", name)).name
        if task not in self._classes:
            camel = "".join(p.capitalize() for p in task.split("-"))
            self._classes[task] = type(f"Sawyer{camel}Policy", (Policy,), {"TASK": task})
        return self._classes[task]

    def __iter__(self) -> Iterator[str]:
        return iter(f"{n}-v{get_task(n).version}" for n in task_names())

    def __len__(self) -> int:
        return len(task_names())

    def __contains__(self, name: object) -> bool:
        try:
            self[str(name)]
        except KeyError:
            return False
        return True


ENV_POLICY_MAP: Mapping[str, type[Policy]] = _PolicyMap()

__all__ = ["ENV_POLICY_MAP", "Policy"]
