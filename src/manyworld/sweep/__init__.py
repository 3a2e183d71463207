"""Sweeps: many ``manyworld train`` runs from one spec, on Ray (``manyworld sweep``).

:mod:`~manyworld.sweep.spec` resolves a spec into runs, :mod:`~manyworld.sweep.runner`
runs them as Ray tasks, :mod:`~manyworld.sweep.state` reads their state back from
the run directories (``manyworld sweep status``).
"""
