"""MT-MH-SAC: multi-task SAC with one output head per task (the Meta-World+ baseline).

As :mod:`manyworld.agents.mtsac` (one-hot task id in the observation, one
temperature per task), plus multi-head actor and critics: a shared trunk and
one linear output head per task, each sample using its task's head (Meta-World+
``nn/multi_head.py``; both actor and critic are multi-head there).
"""

from manyworld.agents.sac import METRIC_KEYS, SACConfig, SACTrainer, load_policy
from manyworld.train.registry import AlgoSpec, register

#: MT10 defaults [Meta-World+ MTMHSAC: width 400, depth 3, batch 128 per task].
CONFIG = SACConfig(batch_size=1280, per_task_alpha=True, multi_head=True)

register(
    AlgoSpec(
        name="mtmhsac",
        summary="MT-MH-SAC: MT-SAC with one actor and critic output head per task "
        "(McLean et al. 2025)",
        config=CONFIG,
        make_trainer=SACTrainer,
        load_policy=load_policy,
        multitask=True,
        metric_keys=METRIC_KEYS,
    )
)
