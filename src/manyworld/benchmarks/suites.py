"""The published task lists of Meta-World's benchmarks and Continual World's sequence.

These are names only: a benchmark whose tasks are not all registered can still
be listed and described, and building it names the missing tasks.

Sources: Meta-World v3 (``metaworld/env_dict.py``) for MT10, MT25, MT50, ML10,
ML25 and ML45; Continual World (Wołczyk et al., NeurIPS 2021) for CW10/CW20.
MT10 follows Meta-World's code (window-close), not its paper ("open box").

ML25. Meta-World's published ML25 lists put ``basketball`` in both the train
list (ML25 train = MT25) and the test list, so a "held-out" test task would
have been trained on. manyworld keeps train = MT25 (the 25 tasks that define
the benchmark) and replaces basketball in the test list with ``soccer``, the
other ball task and one not in MT25, so that train and test are disjoint and
each keeps its size (25 + 5). :func:`check_splits` asserts the disjointness of
every ML split at import.
"""

from __future__ import annotations

# Order matters: it is the order of the one-hot task id and of result tables.
MT10 = (
    "reach",
    "push",
    "pick-place",
    "door-open",
    "drawer-open",
    "drawer-close",
    "button-press-topdown",
    "peg-insert-side",
    "window-open",
    "window-close",
)

MT25 = MT10 + (
    "coffee-pull",
    "pick-out-of-hole",
    "disassemble",
    "pick-place-wall",
    "basketball",
    "stick-pull",
    "button-press-wall",
    "faucet-open",
    "door-lock",
    "lever-pull",
    "sweep-into",
    "faucet-close",
    "coffee-button",
    "button-press-topdown-wall",
    "dial-turn",
)

# All 50 tasks, in Meta-World's alphabetical-ish v3 order: ``ALL_V3_ENVIRONMENTS`` of
# ``metaworld/env_dict.py`` (Farama-Foundation/Metaworld at commit eda5ba4; other revisions
# of that file order reach, push and push-back differently).
MT50 = (
    "assembly",
    "basketball",
    "bin-picking",
    "box-close",
    "button-press-topdown",
    "button-press-topdown-wall",
    "button-press",
    "button-press-wall",
    "coffee-button",
    "coffee-pull",
    "coffee-push",
    "dial-turn",
    "disassemble",
    "door-close",
    "door-lock",
    "door-open",
    "door-unlock",
    "hand-insert",
    "drawer-close",
    "drawer-open",
    "faucet-open",
    "faucet-close",
    "hammer",
    "handle-press-side",
    "handle-press",
    "handle-pull-side",
    "handle-pull",
    "lever-pull",
    "pick-place-wall",
    "pick-out-of-hole",
    "pick-place",
    "plate-slide",
    "plate-slide-side",
    "plate-slide-back",
    "plate-slide-back-side",
    "peg-insert-side",
    "peg-unplug-side",
    "soccer",
    "stick-push",
    "stick-pull",
    "push",
    "push-wall",
    "push-back",
    "reach",
    "reach-wall",
    "shelf-place",
    "sweep-into",
    "sweep",
    "window-open",
    "window-close",
)

ML10_TRAIN = (
    "reach",
    "push",
    "pick-place",
    "door-open",
    "drawer-close",
    "button-press-topdown",
    "peg-insert-side",
    "window-open",
    "sweep",
    "basketball",
)
ML10_TEST = ("drawer-open", "door-close", "shelf-place", "sweep-into", "lever-pull")

ML25_TRAIN = MT25
# Published: basketball, door-close, shelf-place, sweep, button-press (basketball
# is also a train task). Replaced by soccer: see the module docstring.
ML25_TEST = ("soccer", "door-close", "shelf-place", "sweep", "button-press")

ML45_TEST = ("bin-picking", "box-close", "hand-insert", "door-lock", "door-unlock")
ML45_TRAIN = tuple(t for t in MT50 if t not in ML45_TEST)

# Continual World's CW10 sequence; CW20 is the same sequence twice.
CW10 = (
    "hammer",
    "push-wall",
    "faucet-close",
    "push-back",
    "stick-pull",
    "handle-press-side",
    "push",
    "shelf-place",
    "window-close",
    "peg-unplug-side",
)
CW20 = CW10 + CW10

# The tags of the tasks (``Task.tags``, ``manyworld list TAG``, ``task_names(TAG)``): the
# lists above are their only source, so that a tag always names its benchmark's tasks.
TAGS = {
    "MT10": MT10,
    "ML10-train": ML10_TRAIN,
    "ML10-test": ML10_TEST,
    "ML45-train": ML45_TRAIN,
    "ML45-test": ML45_TEST,
    "CW": CW10,
}


def tags_of(task: str) -> tuple[str, ...]:
    """The tags of a task: the lists of :data:`TAGS` it is on, in that order."""
    return tuple(tag for tag, names in TAGS.items() if task in names)


def check_splits() -> None:
    """Assert the invariants of the lists above (sizes, membership, disjoint ML splits)."""
    assert len(MT10) == 10 and len(set(MT10)) == 10
    assert len(MT25) == 25 and len(set(MT25)) == 25
    assert len(MT50) == 50 and len(set(MT50)) == 50
    assert set(MT25) <= set(MT50)
    for train, test, sizes in (
        (ML10_TRAIN, ML10_TEST, (10, 5)),
        (ML25_TRAIN, ML25_TEST, (25, 5)),
        (ML45_TRAIN, ML45_TEST, (45, 5)),
    ):
        assert (len(set(train)), len(set(test))) == sizes, sizes
        assert not set(train) & set(test), set(train) & set(test)
        assert set(train) | set(test) <= set(MT50)
    assert len(set(CW10)) == 10 and set(CW10) <= set(MT50)


check_splits()
