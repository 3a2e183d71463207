"""MT-SAC: one SAC for every task of a benchmark (Meta-World's multi-task SAC).

One shared actor and twin critics read the observation with the one-hot task
id appended (the MT benchmarks' default wrapper), and each task has its own
learned entropy temperature ("disentangled alphas", garage
``src/garage/torch/algos/mtsac.py``). Everything else is
:mod:`manyworld.agents.sac`; this module only fixes the switches and the
multi-task defaults.
"""

from manyworld.agents.sac import METRIC_KEYS, SACConfig, SACTrainer, load_policy
from manyworld.train.registry import AlgoSpec, register

#: MT10 defaults: batch 1,280 = 128 per task [garage ``mtsac_metaworld_mt10.py``;
#: Meta-World+ MT10], 400 x 3 networks, lr 3e-4, tau 5e-3, alpha_0 = 1 [Meta-World+].
CONFIG = SACConfig(batch_size=1280, per_task_alpha=True, multi_head=False)

register(
    AlgoSpec(
        name="mtsac",
        summary="MT-SAC: one SAC over all tasks with the one-hot task id and one temperature "
        "per task (Yu et al. 2019)",
        config=CONFIG,
        make_trainer=SACTrainer,
        load_policy=load_policy,
        multitask=True,
        metric_keys=METRIC_KEYS,
    )
)
