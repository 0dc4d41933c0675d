"""What every builder needs: the window in time, the random streams, the mix of rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from .mix import Mix
from .rand import Streams

DAY = 86_400
SHANGHAI_OFFSET = 8 * 3600
HISTORY_START = date(2016, 1, 1)  # the merchant's first customers
NEVER = np.iinfo(np.int64).max  # the time of an event that does not happen


def local_midnight(d: date) -> int:
    """Epoch seconds of 00:00 Asia/Shanghai on ``d``."""
    return (d - date(1970, 1, 1)).days * DAY - SHANGHAI_OFFSET


@dataclass
class Context:
    streams: Streams
    mix: Mix
    start: date
    days: int
    n_persons: int

    @property
    def t0(self) -> int:
        """The window's first second (00:00 of the first day, Asia/Shanghai)."""
        return local_midnight(self.start)

    @property
    def t_end(self) -> int:
        """One past the window's last second."""
        return self.t0 + self.days * DAY

    @property
    def t_history(self) -> int:
        return local_midnight(HISTORY_START)

    def rng(self, name: str) -> np.random.Generator:
        return self.streams.rng(name)

    def day_of(self, t: np.ndarray) -> np.ndarray:
        """The file day (0-based) a change at ``t`` is exported in; older changes go to the first day."""
        return np.clip((np.asarray(t) - self.t0) // DAY, 0, self.days - 1).astype(np.int32)

    def day_expr(self, col: str) -> pl.Expr:
        return ((pl.col(col) - self.t0) // DAY).clip(0, self.days - 1).cast(pl.Int32)

    def file_date(self, day: int) -> date:
        return date.fromordinal(self.start.toordinal() + day)
