"""Training infrastructure shared by every algorithm: run loop, replay buffer, checkpoints.

Needs the ``learn`` extra (``pip install -e '.[learn]'``).
"""
