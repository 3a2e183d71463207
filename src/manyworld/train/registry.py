"""The algorithm registry: name -> config class, preset, trainer factory and policy loader.

Adding an algorithm means writing its module under :mod:`manyworld.agents` and
calling :func:`register` there with an :class:`AlgoSpec`; the harness
(:mod:`manyworld.train.harness`), ``manyworld train --algo NAME`` (flags and
``--help`` from the config's fields) and ``manyworld eval --agent RUN_DIR``
then work for it without further changes.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AlgoSpec:
    """What the harness needs to know about one algorithm.

    Attributes:
        name: the ``--algo`` name.
        summary: one line for ``--help`` (what it is, and its paper).
        config: the preset: an instance of the algorithm's frozen config
            dataclass (its class is ``type(config)``).
        make_trainer: ``(cfg, run, env, seed) -> Trainer`` (see
            :class:`manyworld.train.harness.Trainer`); ``cfg`` has ``num_tasks`` and
            ``obs_dim`` filled in from ``env``.
        load_policy: ``(cfg, arrays, info) -> Agent``: the evaluation policy from
            the flat ``state`` arrays of a checkpoint.
        run: changes of the run config's defaults in the preset (e.g. worlds per task).
        multitask: trains on multi-task benchmarks by default (MT10); otherwise it
            needs ``--task`` or ``--benchmark``.
        meta: a meta-learner: it meta-trains on an ML benchmark's train tasks
            (``--task X`` means ``ML1(X)``; the env holds a meta-batch of the
            config's ``meta_batch`` (task, variation) pairs, one world each, which
            the trainer re-draws with ``collector.set_tasks``), its policy is a
            ``MetaAgent``, and evaluations run the ML protocol on the test tasks.
        env_options: ``cfg -> dict`` of extra :func:`manyworld.benchmarks.make_env`
            options (wrappers) the algorithm trains with.
        metric_keys: the algorithm's own metric columns, in order.
        complete: ``(cfg, env) -> cfg``: fill in what the env decides and check
            the combination (default: ``num_tasks`` and ``obs_dim``).
        resume_mutable: config fields a resume may change (besides the run's
            logging and budget fields).
        offline: learns from a fixed dataset, never from the env: ``--steps`` and
            every interval count gradient updates, the trainer steps no env (its
            env serves evaluation and the observation layout), and env steps stay 0.
    """

    name: str
    summary: str
    config: Any
    make_trainer: Callable[..., Any]
    load_policy: Callable[..., Any]
    run: dict[str, Any] = field(default_factory=dict)
    multitask: bool = False
    meta: bool = False
    env_options: Callable[[Any], dict[str, Any]] = lambda cfg: {}
    metric_keys: tuple[str, ...] = ()
    complete: Callable[[Any, Any], Any] | None = None
    resume_mutable: frozenset[str] = frozenset()
    offline: bool = False

    @property
    def config_cls(self) -> type:
        return type(self.config)

    def fill(self, cfg: Any, env: Any) -> Any:
        """The config with the env's task count and observation size, checked by the algorithm."""
        if self.complete is not None:
            return self.complete(cfg, env)
        return dataclasses.replace(
            cfg, num_tasks=len(env.task_names), obs_dim=int(env.observation_space.shape[0])
        )


_REGISTRY: dict[str, AlgoSpec] = {}


def register(spec: AlgoSpec) -> AlgoSpec:
    """Add an algorithm; a second registration under the same name is an error."""
    if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
        raise ValueError(f"algorithm {spec.name!r} is already registered")
    if not dataclasses.is_dataclass(spec.config) or not spec.config_cls.__dataclass_params__.frozen:
        raise TypeError(f"{spec.name}: config must be a frozen dataclass instance")
    _REGISTRY[spec.name] = spec
    return spec


def _load_builtin() -> None:
    # the algorithm modules register themselves on import
    import manyworld.agents  # noqa: F401


def algo_names() -> list[str]:
    """Every registered algorithm name, sorted."""
    _load_builtin()
    return sorted(_REGISTRY)


def get_algo(name: str) -> AlgoSpec:
    """The spec of ``name``; an unknown name is a ValueError that suggests close names."""
    _load_builtin()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown algorithm {name!r}{hint} (choose from {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name]
