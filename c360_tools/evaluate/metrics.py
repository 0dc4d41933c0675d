"""Pairwise clustering figures from cluster-count contingency, never by enumerating pairs.

For truth clusters T and predicted clusters P over the same items, with n_ij the number of items in
both T_i and P_j: the pairs both put together are sum C(n_ij, 2); the pairs truth puts together are
sum_i C(|T_i|, 2); the pairs the prediction puts together are sum_j C(|P_j|, 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def pairs(n: int) -> int:
    """C(n, 2): the unordered pairs among n items."""
    return n * (n - 1) // 2


@dataclass(frozen=True)
class PairCounts:
    together_in_both: int  # true positives
    together_in_truth: int
    together_in_prediction: int

    @property
    def precision(self) -> float:
        return self.together_in_both / self.together_in_prediction if self.together_in_prediction else 1.0

    @property
    def recall(self) -> float:
        return self.together_in_both / self.together_in_truth if self.together_in_truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pair_counts_from_contingency(cells: Iterable[tuple[object, object, int]]) -> PairCounts:
    """``cells``: (truth cluster, predicted cluster, item count) for every non-empty cell."""
    truth_sizes: dict[object, int] = {}
    predicted_sizes: dict[object, int] = {}
    both = 0
    for truth_cluster, predicted_cluster, n in cells:
        both += pairs(n)
        truth_sizes[truth_cluster] = truth_sizes.get(truth_cluster, 0) + n
        predicted_sizes[predicted_cluster] = predicted_sizes.get(predicted_cluster, 0) + n
    return PairCounts(
        together_in_both=both,
        together_in_truth=sum(pairs(n) for n in truth_sizes.values()),
        together_in_prediction=sum(pairs(n) for n in predicted_sizes.values()),
    )
