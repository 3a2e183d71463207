"""Where the training loop lived before the harness split; kept for run directories.

Run directories written before then name ``manyworld.train.loop:load_run_agent``
in their ``agent.json``; it and the other public names are re-exported from
:mod:`manyworld.train.harness`, where the run management now lives.
"""

from manyworld.train.harness import (  # noqa: F401
    HARNESS_KEYS,
    TIMING_KEYS,
    RunConfig,
    load_run_agent,
    read_run_config,
    train,
)
