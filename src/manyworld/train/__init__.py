"""Training infrastructure shared by every algorithm: the harness (run management), the
algorithm registry, typed configs, the replay buffer and checkpoints (docs/harness.md).

Needs the ``learn`` extra (``pip install -e '.[learn]'``).
"""
