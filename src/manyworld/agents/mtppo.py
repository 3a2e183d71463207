"""MT-PPO: one PPO policy and value function for every task of a benchmark (Meta-World).

The observation carries the one-hot task id (the MT benchmarks' default wrapper),
every task runs the same number of worlds, so each contributes the same number of
steps to every batch, and everything else is :mod:`manyworld.agents.ppo`. This
module fixes the multi-task preset.
"""

from manyworld.agents.onpolicy import policy_loader
from manyworld.agents.ppo import METRIC_KEYS, PPOConfig, init_state, make_trainer
from manyworld.train.registry import AlgoSpec, register

#: The Meta-World paper v2's MT-PPO (Appendix D): (512, 512) tanh, lr 5e-4, clip 0.2,
#: GAE lambda 0.97, entropy 5e-3, 16 epochs x 32 minibatches; its 100k-step batches on MT10
#: are 10 worlds per task x 500 steps x 10 tasks... here 10 x 500 x 10 = 50k with the
#: default run (see the preset sweep in docs/learning.md for the measured choice).
CONFIG = PPOConfig()

register(
    AlgoSpec(
        name="mtppo",
        summary="MT-PPO: one PPO over all tasks with the one-hot task id (Yu et al. 2019)",
        config=CONFIG,
        run={"worlds_per_task": 10},
        make_trainer=make_trainer,
        load_policy=policy_loader(init_state),
        multitask=True,
        metric_keys=METRIC_KEYS,
    )
)
