"""How well the built marts agree with a labelled ``truth/`` folder (what ``c360 evaluate`` shows)."""

from .metrics import PairCounts, pair_counts_from_contingency, pairs
from .report import EvaluationReport, evaluate

__all__ = ["EvaluationReport", "PairCounts", "evaluate", "pair_counts_from_contingency", "pairs"]
