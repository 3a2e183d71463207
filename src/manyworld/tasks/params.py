"""Task parameters as data: frozen, JSON-serialisable dataclasses with ranges.

A variation of a task *is* its parameters. Each task declares a subclass of
:class:`TaskParams` whose fields are fixed-length float tuples, each with the
box it is sampled from (:func:`param`), plus an optional vectorised
``constraint`` (for instance, object and goal at least 0.15 m apart in xy).

Sampling works on arrays: ``sample(rng, n)`` draws ``(n, dim)`` values from
the box and redraws the rows the constraint rejects. ``from_vector`` and
``to_vector`` convert between a dataclass and a flat float64 row.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np


def param(low: tuple[float, ...], high: tuple[float, ...], doc: str = "") -> Any:
    """Declare a parameter field sampled uniformly from the box [low, high]."""
    if len(low) != len(high):
        raise ValueError(f"low {low} and high {high} differ in length")
    if any(lo > hi for lo, hi in zip(low, high)):
        raise ValueError(f"low {low} exceeds high {high}")
    return dataclasses.field(
        metadata={"low": tuple(map(float, low)), "high": tuple(map(float, high)), "doc": doc}
    )


@dataclasses.dataclass(frozen=True)
class TaskParams:
    """Base class of every task's parameter dataclass."""

    # Maximum number of redraws per row before sampling gives up.
    MAX_REDRAWS: ClassVar[int] = 1000

    # ------------------------------------------------------------ structure
    @classmethod
    def layout(cls) -> dict[str, slice]:
        """Field name -> slice of the flat vector, in declaration order."""
        out, start = {}, 0
        for f in dataclasses.fields(cls):
            width = len(f.metadata["low"])
            out[f.name] = slice(start, start + width)
            start += width
        return out

    @classmethod
    def dim(cls) -> int:
        """Length of the flat vector."""
        return sum(len(f.metadata["low"]) for f in dataclasses.fields(cls))

    @classmethod
    def bounds(cls) -> tuple[np.ndarray, np.ndarray]:
        """Flat (low, high) of the sampling box."""
        low = np.concatenate([f.metadata["low"] for f in dataclasses.fields(cls)])
        high = np.concatenate([f.metadata["high"] for f in dataclasses.fields(cls)])
        return low.astype(np.float64), high.astype(np.float64)

    @classmethod
    def split(cls, vectors: np.ndarray) -> dict[str, np.ndarray]:
        """Flat (n, dim) rows -> {field: (n, width)} views."""
        vectors = np.asarray(vectors, dtype=np.float64)
        return {name: vectors[..., s] for name, s in cls.layout().items()}

    # ------------------------------------------------------------ constraint
    @classmethod
    def constraint(cls, fields: Mapping[str, np.ndarray]) -> np.ndarray:
        """(n,) bool: which sampled rows are valid. Override to add a constraint."""
        first = next(iter(fields.values()))
        return np.ones(first.shape[0], dtype=bool)

    @classmethod
    def valid(cls, vectors: np.ndarray) -> np.ndarray:
        """(n,) bool: rows inside the box that satisfy the constraint."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        low, high = cls.bounds()
        inside = np.all((vectors >= low) & (vectors <= high), axis=1)
        return inside & cls.constraint(cls.split(vectors))

    # -------------------------------------------------------------- sampling
    @classmethod
    def sample(cls, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw (n, dim) valid rows uniformly from the box, redrawing rejected rows."""
        low, high = cls.bounds()
        out = rng.uniform(low, high, size=(n, low.size))
        bad = ~cls.constraint(cls.split(out))
        for _ in range(cls.MAX_REDRAWS):
            if not bad.any():
                return out
            out[bad] = rng.uniform(low, high, size=(int(bad.sum()), low.size))
            bad = ~cls.constraint(cls.split(out))
        raise RuntimeError(
            f"{cls.__name__}: constraint rejected samples {cls.MAX_REDRAWS} times in a row; "
            "the ranges and the constraint are incompatible"
        )

    # ------------------------------------------------------------ conversion
    def to_vector(self) -> np.ndarray:
        """This variation as a flat float64 row."""
        return np.concatenate([np.asarray(getattr(self, n), np.float64) for n in self.layout()])

    @classmethod
    def from_vector(cls, vector: np.ndarray) -> TaskParams:
        """The dataclass of a flat row."""
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != (cls.dim(),):
            raise ValueError(f"{cls.__name__} needs a vector of shape ({cls.dim()},), got {vector.shape}")
        return cls(**{n: tuple(float(x) for x in vector[s]) for n, s in cls.layout().items()})

    def to_dict(self) -> dict[str, list[float]]:
        """JSON-ready dict."""
        return {n: list(getattr(self, n)) for n in self.layout()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskParams:
        """Inverse of :meth:`to_dict`; names missing or unknown fields in its error."""
        names = set(cls.layout())
        if set(data) != names:
            missing, extra = names - set(data), set(data) - names
            raise ValueError(
                f"{cls.__name__} fields do not match: missing {sorted(missing)}, unknown {sorted(extra)}"
            )
        return cls.from_vector(np.concatenate([np.asarray(data[n], np.float64) for n in cls.layout()]))

    def to_json(self) -> str:
        """Compact JSON text of this variation."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """The fields with their ranges, for docs and reports."""
        return [
            {"name": f.name, "low": f.metadata["low"], "high": f.metadata["high"], "doc": f.metadata["doc"]}
            for f in dataclasses.fields(cls)
        ]


def xy_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise distance in the table plane of two (n, >=2) arrays."""
    return np.linalg.norm(a[:, :2] - b[:, :2], axis=1)
