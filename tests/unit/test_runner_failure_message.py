"""`c360 run`'s one-line why: a failed quality-gate suite and a failed dbt test are named for what they are."""

from __future__ import annotations

import dagster as dg

from c360.runner import failure_message, skipped_steps


def _run_with_a_failing_check(check_name: str) -> dg.ExecuteInProcessResult:
    @dg.asset
    def customers():
        return 1

    @dg.asset_check(asset=customers, name=check_name, blocking=True)
    def failing(customers):
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"summary": "customers: 1 of 1 failed"})

    job = dg.Definitions(assets=[customers], asset_checks=[failing]).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(raise_on_error=False)


def test_a_failed_suite_of_the_quality_gate_is_named_with_its_summary():
    message = failure_message(_run_with_a_failing_check("ge_customers"))
    assert message == "quality gate failed, nothing published: customers:ge_customers (customers: 1 of 1 failed)"


def test_a_failed_dbt_test_is_not_called_the_quality_gate():
    message = failure_message(_run_with_a_failing_check("unique_customers_customer_id"))
    assert message.startswith("dbt tests failed, the quality gate and the publish did not run: ")
    assert "customers:unique_customers_customer_id" in message


def test_a_step_skipped_because_an_output_never_came_is_a_failed_night():
    """What a Spark progress bar in dbt's JSON log once caused: the dbt step succeeded but one model's
    output was never yielded, so the quality gate and the publish were skipped and the run still "succeeded"."""

    @dg.multi_asset(outs={"customers": dg.AssetOut(is_required=False), "orders": dg.AssetOut(is_required=False)})
    def models():
        yield dg.Output(1, output_name="orders")

    @dg.asset(deps=["customers"])
    def published():
        return 1

    result = dg.Definitions(assets=[models, published]).resolve_implicit_global_asset_job_def().execute_in_process()
    assert result.success  # Dagster's verdict
    assert skipped_steps(result) == ["published"]
