"""Evaluation: the MT, ML and CW protocols, agent interfaces, statistics and result files.

::

    from manyworld.evaluation import ExpertAgent, evaluate_multitask, write_result
    result = evaluate_multitask(ExpertAgent(), "MT10", seed=0)
    write_result("results.json", result)

Every result file carries the benchmark identity and the protocol block; files
compare (``manyworld compare``) only when their protocol blocks match.
"""

from manyworld.evaluation.agents import (
    Agent,
    ExpertAgent,
    ExpertMetaAgent,
    MetaAgent,
    RandomAgent,
    Rollouts,
    TaskAware,
    load_agent,
)
from manyworld.evaluation.compare import IncomparableResultsError, compare, format_table
from manyworld.evaluation.continual import ContinualEvaluation, CWProtocol, continual_metrics
from manyworld.evaluation.metalearning import MLProtocol, evaluate_metalearning
from manyworld.evaluation.multitask import MTProtocol, evaluate_multitask
from manyworld.evaluation.results import (
    SCHEMA_VERSION,
    ResultFileError,
    read_result,
    write_csv,
    write_result,
)

__all__ = [
    "SCHEMA_VERSION",
    "Agent",
    "CWProtocol",
    "ContinualEvaluation",
    "ExpertAgent",
    "ExpertMetaAgent",
    "IncomparableResultsError",
    "MLProtocol",
    "MTProtocol",
    "MetaAgent",
    "RandomAgent",
    "ResultFileError",
    "Rollouts",
    "TaskAware",
    "compare",
    "continual_metrics",
    "evaluate_metalearning",
    "evaluate_multitask",
    "format_table",
    "load_agent",
    "read_result",
    "write_csv",
    "write_result",
]
