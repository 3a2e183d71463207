"""A progress line for long evaluations: done/total, rate, elapsed time and ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Report progress on a stream (stderr by default), at most every ``interval`` seconds.

    On a terminal the line redraws in place; elsewhere (logs, CI) a new line is
    printed every ``interval * 10`` seconds so that logs stay short.

    Args:
        total: units of work (episodes).
        label: what is being done, e.g. ``"MT10 / expert"``.
        unit: name of a unit of work.
        stream: where to write; None disables output.
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        unit: str = "episodes",
        stream: TextIO | None = sys.stderr,
        interval: float = 0.5,
    ):
        self.total, self.label, self.unit, self.stream = max(int(total), 1), label, unit, stream
        self.done = 0
        self.steps = 0
        self._t0 = self._last = time.perf_counter()
        self._tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self._interval = interval if self._tty else interval * 10

    def update(self, done: int = 0, steps: int = 0) -> None:
        """Add ``done`` finished units and ``steps`` simulated world-steps."""
        self.done += int(done)
        self.steps += int(steps)
        now = time.perf_counter()
        if self.stream is not None and now - self._last >= self._interval:
            self._last = now
            self._write(self.line(), end="\r" if self._tty else "\n")

    def line(self) -> str:
        """The current progress line."""
        elapsed = time.perf_counter() - self._t0
        rate = self.steps / elapsed if elapsed > 0 else 0.0
        frac = min(self.done / self.total, 1.0)
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        eta_text = f"ETA {eta:.0f} s" if frac > 0 else "ETA --"
        head = f"{self.label}: " if self.label else ""
        return (
            f"{head}{self.done}/{self.total} {self.unit} ({100 * frac:.0f}%) | {rate:,.0f} steps/s | "
            f"{elapsed:.0f} s elapsed | {eta_text}"
        )

    def close(self) -> None:
        """Print the final line."""
        if self.stream is not None:
            self._write(self.line(), end="\n")

    def _write(self, text: str, end: str) -> None:
        pad = " " * 8 if self._tty else ""
        print(text + pad, end=end, file=self.stream, flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._t0
