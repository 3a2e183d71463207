"""Reference learning algorithms (JAX + flax + optax), one module each.

- :mod:`manyworld.agents.sac`: Soft Actor-Critic; with ``num_tasks > 1`` it is
  MT-SAC (one-hot task id in the observation, one learned temperature per task)
  and with ``multi_head=True`` MT-MH-SAC (one output head per task).
- :mod:`manyworld.agents.mtsac`, :mod:`manyworld.agents.mtmhsac`: the
  multi-task configurations with their published defaults.

Needs the ``learn`` extra: ``pip install -e '.[learn]'``.
"""

ALGOS = ("sac", "mtsac", "mtmhsac")
