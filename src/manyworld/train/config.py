"""Typed, frozen, documented configs: the pieces every algorithm's config is built from.

An algorithm's config is a frozen dataclass whose fields are declared with
:func:`option`; the help text (with the source of the default in [brackets])
becomes the field's ``--help`` line in ``manyworld train --algo NAME --help``.
The ``check_*`` functions validate values in ``__post_init__`` with errors
that name the field and what it accepts.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import field
from typing import Any

#: Fields the trainer fills in from the env; not command-line flags.
SET_BY_TRAINER = frozenset({"num_tasks", "obs_dim", "action_dim"})


def option(default: Any, help: str) -> Any:
    """A dataclass field with its ``--help`` text (tuples for sequence defaults)."""
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


def check_positive_int(cfg: Any, *names: str) -> None:
    """Each named field is an integer >= 1."""
    for name in names:
        v = getattr(cfg, name)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")


def check_positive_float(cfg: Any, *names: str) -> None:
    """Each named field is a finite number > 0."""
    for name in names:
        v = getattr(cfg, name)
        if not (isinstance(v, (int, float)) and v > 0 and math.isfinite(v)):
            raise ValueError(f"{name} must be a positive number, got {v!r}")


def check_fraction(cfg: Any, *names: str, closed: bool = True) -> None:
    """Each named field is in [0, 1] (``closed``) or [0, 1)."""
    for name in names:
        v = getattr(cfg, name)
        ok = 0.0 <= v <= 1.0 if closed else 0.0 <= v < 1.0
        if not ok:
            raise ValueError(f"{name} must be in [0, 1{']' if closed else ')'}, got {v!r}")


def check_hidden(cfg: Any, name: str = "hidden") -> None:
    """A tuple of one or more positive layer widths."""
    v = getattr(cfg, name)
    if not v or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in v):
        raise ValueError(f"{name} must be one or more positive widths, got {v!r}")


def config_dict(cfg: Any) -> dict[str, Any]:
    """A config as plain JSON data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def config_from_dict(cls: type, d: dict[str, Any]) -> Any:
    """Inverse of :func:`config_dict`; unknown fields are an error that names them."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields {unknown}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})
