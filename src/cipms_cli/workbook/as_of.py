"""The as-of date: the one rule for which periods count, shared by every command."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from cipms_cli.periods import PeriodError, distinct_periods, parse_as_of


def default_as_of(
    agency: dict[str, Any], results: pd.DataFrame, fiscal_start: int
) -> dt.date | None:
    """The Agency sheet's reporting period, else the end of the latest period reported.

    Never today's date, so that the same workbook always gives the same answer.
    """
    reporting = agency.get("reporting_period")
    if reporting is not None:
        try:
            return parse_as_of(reporting, fiscal_start)
        except PeriodError:
            pass
    if results.empty:
        return None
    return max(p.end for p in distinct_periods(results["period"])[1])


def resolve_as_of(
    as_of: str | None, agency: dict[str, Any], results: pd.DataFrame, fiscal_start: int
) -> dt.date | None:
    """``--as-of`` when given (PeriodError if it is not a period), else the default."""
    if as_of is not None:
        return parse_as_of(as_of, fiscal_start)
    return default_as_of(agency, results, fiscal_start)
