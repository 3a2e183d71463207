"""MT-TRPO: one TRPO policy and value function for every task of a benchmark (Meta-World).

As :mod:`manyworld.agents.mtppo`, with the KL-constrained natural-gradient update
of :mod:`manyworld.agents.trpo`. This module fixes the multi-task preset.
"""

from manyworld.agents.onpolicy import policy_loader
from manyworld.agents.trpo import METRIC_KEYS, TRPOConfig, init_state, make_trainer
from manyworld.train.registry import AlgoSpec, register

#: The Meta-World paper v2's MT-TRPO (Appendix D): (512, 512) tanh, max KL 0.01, 10 CG
#: iterations, GAE lambda 0.95, no entropy term.
CONFIG = TRPOConfig()

register(
    AlgoSpec(
        name="mttrpo",
        summary="MT-TRPO: one TRPO over all tasks with the one-hot task id (Yu et al. 2019)",
        config=CONFIG,
        run={"worlds_per_task": 10},
        make_trainer=make_trainer,
        load_policy=policy_loader(init_state),
        multitask=True,
        metric_keys=METRIC_KEYS,
    )
)
