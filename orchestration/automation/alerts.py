"""Run-failure alerts: a line in a log file, and a post to a WeCom group robot webhook when configured
(``C360_ALERT_WEBHOOK``). Messages carry no personal data: every text is masked first."""

import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from ..lib.masking import mask_text
from ..lib.settings import paths, settings

WEBHOOK_ENV = "C360_ALERT_WEBHOOK"


def alert_log_path() -> Path:
    return paths().data_dir / "alerts.log"


def failure_text(job_name: str, run_id: str, message: str) -> str:
    return mask_text(f"c360 run failed: job {job_name}, run {run_id[:8]}: {message}")


_WRAPPERS = ("DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError", "RetryRequested", "RetryRequestedFromPolicy")


def root_cause(error) -> str:
    """The first line of the error a step failure wraps (Dagster's wrappers and retries peeled off)."""
    while error.cause is not None and (error.cls_name or "") in _WRAPPERS:
        error = error.cause
    return error.message.strip().splitlines()[0] if error.message else (error.cls_name or "error")


def wecom_robot_payload(text: str) -> dict:
    """The WeCom group robot's markdown message format."""
    return {"msgtype": "markdown", "markdown": {"content": f"**c360 pipeline alert**\n> {text}"}}


def record_alert(text: str, log_path: Path) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"{datetime.now(UTC).isoformat()} {text}\n")


def post_to_webhook(url: str, payload: dict, timeout_s: float = 10.0) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return response.status


def send_failure_alert(job_name: str, run_id: str, message: str) -> str:
    """Log the alert first, so an unreachable webhook loses nothing; a failed post is logged too."""
    text = failure_text(job_name, run_id, message)
    log_path = alert_log_path()
    record_alert(text, log_path)
    url = settings().alert_webhook
    if url:
        try:
            post_to_webhook(url, wecom_robot_payload(text))
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors; a malformed URL a ValueError
            record_alert(mask_text(f"the alert above could not be posted to ${WEBHOOK_ENV}: {exc}"), log_path)
    return text


@dg.run_failure_sensor(name="run_failure_alert", default_status=dg.DefaultSensorStatus.RUNNING, monitor_all_code_locations=False)
def run_failure_alert(context: dg.RunFailureSensorContext):
    message = context.failure_event.message or "the run failed"
    step_failures = context.get_step_failure_events()
    if step_failures and step_failures[0].step_failure_data and step_failures[0].step_failure_data.error:
        message = f"step {step_failures[0].step_key}: {root_cause(step_failures[0].step_failure_data.error)}"
    send_failure_alert(context.dagster_run.job_name, context.dagster_run.run_id, message)
