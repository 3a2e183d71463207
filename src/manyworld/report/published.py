"""Published success rates that reports print beside ours, each with its source.

The one table of published figures in the code: ``manyworld report`` and
``benchmarks/onpolicy_tables.py`` read it. Every entry is a figure a paper prints
in a table (curves are not read off), with the paper, table and how the figure
was measured. Meta-World paper v2 (arXiv:1910.10897v2) Table 1 reports, for
each method, the mean over 10 seeds of each run's *maximum* success over
training, which is not what our tables report (the final evaluation): the
source string says so wherever the figure is shown.
"""

from __future__ import annotations

from typing import Any

_MW_V2_TABLE_1 = "Meta-World paper v2 (arXiv:1910.10897v2) Table 1 (max over training, 10 seeds)"
_MW_V2_TABLE_1_META = (
    "Meta-World paper v2 (arXiv:1910.10897v2) Table 1, meta-test (max over training, 10 seeds)"
)

#: (algorithm, benchmark) -> (success in %, source)
PUBLISHED: dict[tuple[str, str], tuple[float, str]] = {
    ("mtppo", "MT10"): (30.5, _MW_V2_TABLE_1),
    ("mttrpo", "MT10"): (31.3, _MW_V2_TABLE_1),
    ("teppo", "MT10"): (20.9, _MW_V2_TABLE_1),
    ("mtsac", "MT10"): (68.3, _MW_V2_TABLE_1),
    ("mtppo", "MT50"): (35.4, _MW_V2_TABLE_1),
    ("mttrpo", "MT50"): (21.0, _MW_V2_TABLE_1),
    ("teppo", "MT50"): (11.8, _MW_V2_TABLE_1),
    ("mtsac", "MT50"): (38.5, _MW_V2_TABLE_1),
    # meta-test success (held-out tasks); ML1 appears in the paper only as curves
    ("rl2", "ML10"): (35.8, _MW_V2_TABLE_1_META),
    ("maml", "ML10"): (31.6, _MW_V2_TABLE_1_META),
    ("pearl", "ML10"): (13.0, _MW_V2_TABLE_1_META),
    ("rl2", "ML45"): (33.3, _MW_V2_TABLE_1_META),
    ("maml", "ML45"): (39.9, _MW_V2_TABLE_1_META),
    ("pearl", "ML45"): (22.0, _MW_V2_TABLE_1_META),
}


def published(algo: str, benchmark: str) -> dict[str, Any] | None:
    """``{"percent": ..., "source": ...}`` for a published figure of this pair, else None."""
    found = PUBLISHED.get((algo, benchmark))
    return {"percent": found[0], "source": found[1]} if found else None
