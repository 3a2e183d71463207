"""Scene parts of the table-hole tasks: a table top with a square hole and a well under it.

The shared scene's table top is one box, ``table_top`` (top face z = 0,
centred at (0, 0.6), 1.4 x 0.8 m, 5 cm thick) in the static body ``table``.
:func:`add_table_hole` deletes that geom and rebuilds the top, in the same
body and with the same material and top face, from four slabs that leave a
square hole open around a point of the table, plus a floor box under the hole:
the slabs' inner faces are the walls of a square well, the floor closes it at
``floor_z``, so an object dropped in rests there. With the default floor
(WELL_FLOOR_Z = -0.04) a 4 cm puck rests in it with its centre at z = -0.02,
its top flush with the table (Meta-World's hole targets are at z = -0.02).
Wells deeper than the top's thickness get four walls under the slabs.

The table is static, so the hole cannot move between worlds of a batch (a
mocap fixture could, but a hole is an absence in the table): every world of a
task has its hole at the same place, which the task fixes, as Meta-World
does for its hole tasks. Geoms: ``{name}_near`` (-y side), ``{name}_far``
(+y), ``{name}_left`` (-x), ``{name}_right`` (+x), ``{name}_floor`` and,
for deep wells, ``{name}_wall_*``; site ``{name}`` marks the centre of the
hole at table height (z = 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from manyworld.sim import parts

# The shared scene's table top (sim/scene.py), in the table body's frame.
TABLE_CENTER = np.array([0.0, 0.6, 0.0])  # world position of the body "table"
TABLE_HALF_X = 0.7
TABLE_HALF_Y = 0.4
TABLE_THICKNESS = 0.05
TABLE_MATERIAL = "table_mat"
WELL_FLOOR_Z = -0.04  # top of the well's floor: a 4 cm puck in it is flush with the table
WALL_THICKNESS = 0.01  # of the walls under the table for wells deeper than the top


def _box(body: mujoco.MjsBody, name: str, lo: Sequence[float], hi: Sequence[float], **kwargs) -> None:
    """A solid box spanning the axis-aligned corners lo..hi (table-body frame)."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    parts.solid_geom(body, name, type=parts.BOX, pos=list(0.5 * (lo + hi)), size=list(0.5 * (hi - lo)),
                     **kwargs)


def add_table_hole(spec: mujoco.MjSpec, name: str = "hole", center: Sequence[float] = (0.0, 0.84),
                   half: float = 0.05, floor_z: float = WELL_FLOOR_Z,
                   floor_rgba: Sequence[float] = (0.12, 0.12, 0.14, 1)) -> mujoco.MjsBody:
    """Cut a square hole of half side ``half`` into the table top around world ``center`` (x, y).

    Replaces the shared geom ``table_top`` by four slabs with the same top
    face and adds a floor at world height ``floor_z`` under the hole (a well).
    Returns the table body.
    """
    cx, cy = float(center[0]) - TABLE_CENTER[0], float(center[1]) - TABLE_CENTER[1]
    if not (abs(cx) + half < TABLE_HALF_X - 0.05 and abs(cy) + half < TABLE_HALF_Y - 0.05):
        raise ValueError(f"hole at {tuple(center)} with half side {half} does not fit in the table top")
    if floor_z >= 0.0:
        raise ValueError(f"the well's floor must lie below the table top, got floor_z={floor_z}")
    top = spec.geom("table_top")
    if top is None:
        raise ValueError("the scene has no geom 'table_top' (a table hole was already cut?)")
    spec.delete(top)
    table = spec.body("table")
    x0, x1, y0, y1, z0 = -TABLE_HALF_X, TABLE_HALF_X, -TABLE_HALF_Y, TABLE_HALF_Y, -TABLE_THICKNESS
    slab = {"material": TABLE_MATERIAL}
    _box(table, f"{name}_near", (x0, y0, z0), (x1, cy - half, 0.0), **slab)
    _box(table, f"{name}_far", (x0, cy + half, z0), (x1, y1, 0.0), **slab)
    _box(table, f"{name}_left", (x0, cy - half, z0), (cx - half, cy + half, 0.0), **slab)
    _box(table, f"{name}_right", (cx + half, cy - half, z0), (x1, cy + half, 0.0), **slab)
    mat = parts.material(spec, f"{name}_mat", floor_rgba, specular=0.1)
    bottom = min(floor_z, z0) - 0.01
    # the floor reaches under the walls/slabs so that nothing can slip past its edge
    _box(table, f"{name}_floor", (cx - half - WALL_THICKNESS, cy - half - WALL_THICKNESS, bottom),
         (cx + half + WALL_THICKNESS, cy + half + WALL_THICKNESS, floor_z), material=mat)
    if floor_z < z0:  # a well deeper than the top: walls under the slabs, down to the floor
        w, lo, hi = WALL_THICKNESS, floor_z, z0
        walls = {"near": ((cx - half - w, cy - half - w), (cx + half + w, cy - half)),
                 "far": ((cx - half - w, cy + half), (cx + half + w, cy + half + w)),
                 "left": ((cx - half - w, cy - half), (cx - half, cy + half)),
                 "right": ((cx + half, cy - half), (cx + half + w, cy + half))}
        for side, ((ax, ay), (bx, by)) in walls.items():
            _box(table, f"{name}_wall_{side}", (ax, ay, lo), (bx, by, hi), material=mat)
    table.add_site(name=name, pos=[cx, cy, 0.0], size=[0.005] * 3, rgba=[0, 0, 0, 0])
    return table
