"""MT-TRPO: one TRPO policy and value function for every task of a benchmark (Meta-World).

As :mod:`manyworld.agents.mtppo`, with the KL-constrained natural-gradient update
of :mod:`manyworld.agents.trpo`. This module fixes the multi-task preset.
"""

from manyworld.agents.onpolicy import policy_loader
from manyworld.agents.trpo import METRIC_KEYS, TRPOConfig, init_state, make_trainer
from manyworld.train.registry import AlgoSpec, register

#: The Meta-World paper v2's MT-TRPO (Appendix D): max KL 0.01, 10 CG iterations, GAE
#: lambda 0.95, no entropy term; with MT-PPO's measured choices here (docs/learning.md
#: section 6): (256, 256) tanh networks, 100k-transition batches (20 worlds per task x 500
#: steps on MT10), rewards x 0.1.
CONFIG = TRPOConfig(hidden=(256, 256), value_hidden=(256, 256), reward_scale=0.1)
RUN = {"worlds_per_task": 20, "steps": 44_000_000, "log_interval": 500_000,
       "eval_interval": 5_000_000, "checkpoint_interval": 1_000_000}  # fmt: skip

register(
    AlgoSpec(
        name="mttrpo",
        summary="MT-TRPO: one TRPO over all tasks with the one-hot task id (Yu et al. 2019)",
        config=CONFIG,
        run=RUN,
        make_trainer=make_trainer,
        load_policy=policy_loader(init_state),
        multitask=True,
        metric_keys=METRIC_KEYS,
    )
)
