"""The daily partitions of the raw exports: one per business day (Asia/Shanghai) a file covers."""

from __future__ import annotations

from datetime import date

import dagster as dg

from .lib.settings import settings

TIMEZONE = "Asia/Shanghai"
# Exports dated before this day are reported as rejects rather than loaded; set C360_PARTITIONS_START
# to reach further back.
PARTITIONS_START = settings().partitions_start

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START,
    timezone=TIMEZONE,
    end_offset=1,  # today's files may already be there
)


def partition_bounds() -> tuple[date, date]:
    keys = daily_partitions.get_partition_keys()
    return date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
