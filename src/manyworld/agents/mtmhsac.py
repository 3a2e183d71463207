"""MT-MH-SAC: multi-task SAC with one output head per task (the Meta-World+ baseline).

As :mod:`manyworld.agents.mtsac` (one-hot task id in the observation, one
temperature per task), plus multi-head actor and critics: a shared trunk and
one linear output head per task, each sample using its task's head (Meta-World+
``nn/multi_head.py``; both actor and critic are multi-head there).
"""

from manyworld.agents.sac import SACConfig

#: MT10 defaults [Meta-World+ MTMHSAC: width 400, depth 3, batch 128 per task].
CONFIG = SACConfig(batch_size=1280, per_task_alpha=True, multi_head=True)
