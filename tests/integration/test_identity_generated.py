"""The identity gates of the labelled sample hold on the project's own generated data at several seeds:
pairwise precision ≥ 0.995, ≥ 0.98 of the pairs a firm identifier proves joined, every order exact, every
sharer exact."""

from __future__ import annotations

import pytest

from c360.runner import run_nightly
from c360_tools.evaluate import evaluate
from c360_tools.generate import generate
from orchestration.lib.settings import Paths

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [1, pytest.param(2026, marks=pytest.mark.long)])
def test_identity_and_marts_meet_the_gates_on_generated_data(tmp_path, seed):
    summary = generate(tmp_path / "gen", persons=3000, days=14, seed=seed)
    paths = Paths(landing_dir=summary.landing_dir, data_dir=tmp_path / "data")
    result = run_nightly(paths)
    assert result.success, result.failure
    report = evaluate(paths.warehouse, summary.truth_dir)
    assert report.precision >= 0.995, report.format()  # 3,000 persons: one wrong merge is 0.0005
    assert report.strong_evidence_recall >= 0.98, report.format()
    assert report.order_attribution == 1.0, report.format()
    assert report.money_agreement == 1.0, report.format()
    assert report.sharer_exact_rate == 1.0, report.format()
