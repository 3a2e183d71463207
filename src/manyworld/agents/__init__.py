"""Reference learning algorithms (JAX + flax + optax), one module each.

- :mod:`manyworld.agents.sac`: Soft Actor-Critic; with ``num_tasks > 1`` it is
  MT-SAC (one-hot task id in the observation, one learned temperature per task)
  and with ``multi_head=True`` MT-MH-SAC (one output head per task).
- :mod:`manyworld.agents.mtsac`, :mod:`manyworld.agents.mtmhsac`: the
  multi-task configurations with their published defaults.
- :mod:`manyworld.agents.ppo`, :mod:`manyworld.agents.trpo`: PPO and TRPO, on the
  shared on-policy parts of :mod:`manyworld.agents.onpolicy` (networks, GAE,
  observation statistics, batched-rollout trainer);
  :mod:`manyworld.agents.mtppo`, :mod:`manyworld.agents.mttrpo`: their
  multi-task presets.
- :mod:`manyworld.agents.teppo`: TE-PPO, PPO with a learned task-embedding space
  (task encoder, inference network, mutual-information reward).
- :mod:`manyworld.agents.rl2`: RL², the meta-learner whose GRU memory spans a
  trial of episodes, trained with PPO on ML benchmarks.
- :mod:`manyworld.agents.reptile`: Reptile, a meta-learned initialisation, PPO inner loop.
- :mod:`manyworld.agents.maml`: MAML-TRPO, one inner policy-gradient step, TRPO outer step.
- :mod:`manyworld.agents.pearl`: PEARL, SAC on a latent task variable inferred from context.
- :mod:`manyworld.agents.bc`, :mod:`manyworld.agents.td3bc`: offline learners on the
  datasets of :mod:`manyworld.datasets` (behaviour cloning, TD3+BC), sharing
  :mod:`manyworld.agents.offline`; their budget is gradient updates.

Each module registers its algorithms with :func:`manyworld.train.registry.register`
on import; importing this package registers them all.

Needs the ``learn`` extra: ``pip install -e '.[learn]'``.
"""

from manyworld.agents import (  # noqa: F401  (registration)
    bc,
    maml,
    mtmhsac,
    mtppo,
    mtsac,
    mttrpo,
    pearl,
    ppo,
    reptile,
    rl2,
    sac,
    td3bc,
    teppo,
    trpo,
)
