"""A dependency-free TensorBoard event-file writer for scalar metrics.

Writes the TFRecord-framed ``Event`` protocol buffers TensorBoard reads
(``events.out.tfevents.*``): a ``file_version`` record, then one record per
``add_scalars`` call holding one ``simple_value`` per metric. Encoded by hand
(a dozen protobuf fields and CRC-32C) so that training does not depend on
TensorFlow or tensorboard; ``tensorboard --logdir RUN_DIR`` reads the files.
"""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), as TFRecord uses."""
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _masked(data: bytes) -> bytes:
    c = crc32c(data)
    return struct.pack("<I", (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _event(
    wall_time: float, step: int, *, file_version: str | None = None, summary: bytes = b""
) -> bytes:
    msg = _varint(1 << 3 | 1) + struct.pack("<d", wall_time) + _varint(2 << 3 | 0) + _varint(step)
    if file_version is not None:
        msg += _field_bytes(3, file_version.encode())
    if summary:
        msg += _field_bytes(5, summary)
    return msg


def _scalar_value(tag: str, value: float) -> bytes:
    return _field_bytes(1, tag.encode()) + _varint(2 << 3 | 5) + struct.pack("<f", value)


class EventWriter:
    """Append scalar summaries to a new ``events.out.tfevents.*`` file in ``log_dir``."""

    def __init__(self, log_dir: str | Path):
        log_dir = Path(log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.manyworld"
        self.path = log_dir / name
        self._write(_event(time.time(), 0, file_version="brain.Event:2"))

    def _write(self, data: bytes) -> None:
        header = struct.pack("<Q", len(data))
        with open(self.path, "ab") as f:  # one append per record: nothing held open
            f.write(header + _masked(header) + data + _masked(data))

    def add_scalars(self, step: int, scalars: dict[str, float | None]) -> None:
        """One event at ``step`` with every finite scalar (None values are skipped)."""
        values = b"".join(
            _field_bytes(1, _scalar_value(tag, float(v)))
            for tag, v in scalars.items()
            if v is not None
        )
        if values:
            self._write(_event(time.time(), int(step), summary=values))

    def close(self) -> None:
        """Nothing to release (each record is appended and closed); kept for symmetry."""
