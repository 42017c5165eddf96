"""Check the Outcomes, Indicators and Results sheets, record by record and across them.

The checks run on each sheet's typed column arrays (``SheetRecords``) and build one
DataFrame per sheet at the end, so a quarterly return's small sheets cost little and a
200,000-row Results sheet stays vectorised.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from cipms_cli.periods import Frequency, PeriodError, conform, label_of
from cipms_cli.problems import Severity
from cipms_cli.settings import Settings
from cipms_cli.workbook.collector import ProblemCollector
from cipms_cli.workbook.columns import Column
from cipms_cli.workbook.contract import RESULT_COLUMNS, Unit
from cipms_cli.workbook.records import (
    SheetRecords,
    first_of_key,
    object_array,
    positions_in,
    present,
)
from cipms_cli.workbook.sheets import INDICATORS, OUTCOMES, RESULTS
from cipms_cli.workbook.table import Table

Typed = dict[str, dict[str, Column]]


def outcomes_frame(tables: dict[str, Table], typed: Typed, out: ProblemCollector) -> pd.DataFrame:
    if OUTCOMES.name not in tables:
        return _empty(OUTCOMES.model)
    return _keyed(tables, typed, OUTCOMES.name, "outcome_id", "outcome", out).frame()


def indicators_frame(
    tables: dict[str, Table],
    typed: Typed,
    settings: Settings,
    out: ProblemCollector,
) -> pd.DataFrame:
    if INDICATORS.name not in tables:
        return _empty(INDICATORS.model)
    table = tables[INDICATORS.name]
    records = _keyed(tables, typed, INDICATORS.name, "indicator_id", "indicator", out)
    fiscal = settings.fiscal_year_start_month
    records["target_period_given"] = present(records["target_period"])
    index = records.index.tolist()
    frequencies = records["frequency"].tolist()
    for column in ("target_period", "baseline_period"):
        records[column] = object_array(
            [
                None
                if raw is None or freq is None
                else _parse_period_cell(out, table, partial(_one, idx), column, raw, freq, fiscal)
                for idx, raw, freq in zip(index, records[column].tolist(), frequencies, strict=True)
            ]
        )
    records["rebase_periods"] = object_array(
        [
            _parse_rebase(out, table, idx, raw, freq, fiscal)
            for idx, raw, freq in zip(
                index, records["rebase_periods"].tolist(), frequencies, strict=True
            )
        ]
    )
    checked = zip(*(records[name].tolist() for name in _CheckedFields._fields), strict=True)
    for idx, values in zip(index, checked, strict=True):
        _check_indicator(out, table, idx, _CheckedFields._make(values))
    return records.frame([*INDICATORS.model.model_fields, "row", "_index", "target_period_given"])


def results_frame(
    tables: dict[str, Table],
    typed: Typed,
    indicators: pd.DataFrame,
    settings: Settings,
    out: ProblemCollector,
) -> pd.DataFrame:
    if RESULTS.name not in tables or INDICATORS.name not in tables:
        # Without a usable Indicators sheet the references cannot be judged; its own
        # error (missing sheet or column) says what to fix first.
        return pd.DataFrame(columns=RESULT_COLUMNS)
    table = tables[RESULTS.name]
    records = SheetRecords.of(typed[RESULTS.name], table).given("indicator_id")
    # One pass of hashing the ids; the lookups and the repeat check below then work on
    # each record's integer code into the distinct ids.
    codes, ids = pd.factorize(records["indicator_id"])
    # Each distinct id's row on the Indicators sheet (-1 when it has none).
    at = positions_in(indicators["indicator_id"].to_numpy(dtype=object), ids)
    unknown = (at < 0)[codes]
    _report(
        records,
        unknown,
        "indicator_id",
        "unknown-indicator",
        "indicator '{v}' is not on the Indicators sheet; add it there or correct the id",
        out,
        "indicator_id",
    )
    records["_indicator"] = codes
    records = records.take(~unknown)
    if not len(records):
        return pd.DataFrame(columns=RESULT_COLUMNS)
    for name, values in _indicator_kinds(indicators, at, records["_indicator"]).items():
        records[name] = values
    records["period"], ordinals = _parse_result_periods(records, settings, out)
    records["period_ordinal"] = ordinals
    records = records.given("period")
    records = _fill_values(records, out)
    _check_values(records, out)
    records = _without_repeated_results(records, out)
    derived = present(records["source"])
    _report(
        records,
        derived,
        "indicator_id",
        "derived-indicator-result",
        "indicator '{v}' is computed from its source; this typed row is ignored",
        out,
        "indicator_id",
        Severity.WARNING,
    )
    return records.take(~derived).frame(RESULT_COLUMNS, positions=False)


def cross_checks(
    tables: dict[str, Table],
    typed: Typed,
    outcomes: pd.DataFrame,
    indicators: pd.DataFrame,
    out: ProblemCollector,
) -> None:
    if INDICATORS.name not in tables:
        return
    table = tables[INDICATORS.name]
    index = indicators["_index"].tolist()
    outcome_ids = indicators["outcome_id"].tolist()
    if OUTCOMES.name in tables:
        stated = set(outcomes["outcome_id"].tolist())
        for idx, oid in zip(index, outcome_ids, strict=True):
            if oid not in stated and _given(oid):
                out.at(
                    table,
                    idx,
                    "outcome_id",
                    "unknown-outcome",
                    f"outcome '{oid}' is not on the Outcomes sheet; add the outcome statement "
                    "or correct the id",
                    oid,
                )
        used = set(outcome_ids)
        otable = tables[OUTCOMES.name]
        for idx, oid in zip(
            outcomes["_index"].tolist(), outcomes["outcome_id"].tolist(), strict=True
        ):
            if oid not in used:
                out.at(
                    otable,
                    idx,
                    "outcome_id",
                    "outcome-without-indicator",
                    f"no indicator evidences outcome '{oid}'; add one, or the outcome cannot "
                    "be judged",
                    oid,
                    Severity.WARNING,
                )
    if RESULTS.name in tables:
        # Every row names its indicator, kept or not: a row dropped for a bad period or
        # value has its own error, and the indicator does have rows.
        reported = set(typed[RESULTS.name]["indicator_id"])
        sources = indicators["source"].tolist()
        for idx, ind, source in zip(
            index, indicators["indicator_id"].tolist(), sources, strict=True
        ):
            if ind not in reported and source is None:
                out.at(
                    table,
                    idx,
                    "indicator_id",
                    "no-results",
                    f"indicator '{ind}' has no rows on the Results sheet",
                    ind,
                    Severity.WARNING,
                )


# --- shared ------------------------------------------------------------------


def _given(value: Any) -> bool:
    return value is not None and value == value


def _empty(model: type[BaseModel]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*model.model_fields, "row", "_index"])


def _codes(values: np.ndarray) -> np.ndarray:
    return pd.factorize(values)[0]


def _keyed(
    tables: dict[str, Table], typed: Typed, sheet: str, key: str, what: str, out: ProblemCollector
) -> SheetRecords:
    """A sheet's records that give ``key``, each key once: a repeat is reported
    (``duplicate-<what>``) and dropped."""
    records = SheetRecords.of(typed[sheet], tables[sheet]).given(key)
    return _without_repeats(records, [_codes(records[key])], [key], f"duplicate-{what}", what, out)


def _without_repeats(
    records: SheetRecords,
    codes: list[np.ndarray],
    shown: list[str],
    code: str,
    what: str,
    out: ProblemCollector,
) -> SheetRecords:
    """Drop records whose key (``codes``, one array per part) repeats an earlier record's,
    reporting each repeat at its ``shown[-1]`` cell with the row it repeats."""
    first = first_of_key(*codes)
    repeat = first != np.arange(len(first))
    if not repeat.any():
        return records
    shown_values = [records[name] for name in shown]
    for at in np.flatnonzero(repeat).tolist():
        labels = [str(v[at]) for v in shown_values if v[at] is not None]
        out.at(
            records.table,
            int(records.index[at]),
            shown[-1],
            code,
            f"{what} {' / '.join(labels)} repeats row {records.rows[first[at]]}; "
            "keep one of the two rows",
            value=labels[-1],
        )
    return records.take(~repeat)


def _parse_period_cell(
    out: ProblemCollector,
    table: Table,
    records_of: Callable[[], Iterable[int]],
    column: str,
    raw: Any,
    freq: Frequency,
    fiscal: int,
) -> Any:
    """The period a cell names, or None; its problems are reported at each record that
    ``records_of`` gives (asked only when there is a problem: a Results period cell is
    parsed once for every record that holds the same text)."""
    try:
        label = label_of(raw)
        period = conform(label, freq, fiscal)
    except PeriodError as exc:
        for index in records_of():
            out.at(table, index, column, exc.code, str(exc), raw)
        return None
    if label.from_text_date:
        for index in records_of():
            out.at(
                table,
                index,
                column,
                "date-as-text",
                f"'{raw}' is a date typed as text; it was read as {label.day}, in {period}, but "
                "a real date cell or a period label such as 2024-Q1 is safer",
                raw,
                Severity.WARNING,
            )
    return period


def _one(index: int) -> tuple[int]:
    return (index,)


# --- Indicators --------------------------------------------------------------


def _parse_rebase(
    out: ProblemCollector, table: Table, index: int, raw: Any, freq: Any, fiscal: int
) -> tuple[Any, ...]:
    if raw is None or freq is None:
        return ()
    periods = []
    for part in str(raw).replace(";", ",").split(","):
        if part.strip():
            period = _parse_period_cell(
                out, table, partial(_one, index), "rebase_periods", part.strip(), freq, fiscal
            )
            if period is not None:
                periods.append(period)
    return tuple(sorted(periods))


_CheckedFields = namedtuple(  # a record of plain values, only read
    "_CheckedFields",
    [
        "baseline_value",
        "minimum_standard",
        "spc_baseline_points",
        "target_period",
        "target_period_given",
        "target_value",
        "tolerance",
        "unit",
        "weight",
    ],
)


def _check_indicator(out: ProblemCollector, table: Table, idx: int, rec: Any) -> None:
    if _given(rec.target_value) and not rec.target_period_given:
        out.at(
            table,
            idx,
            "target_period",
            "missing-target-period",
            "the indicator has a target value but no target period; say when it is due",
        )
    if rec.target_period is not None and not _given(rec.target_value):
        out.at(
            table,
            idx,
            "target_value",
            "missing-target-value",
            "the indicator has a target period but no target value",
        )
    if rec.unit is Unit.PERCENT:
        for column in ("target_value", "baseline_value", "minimum_standard"):
            value = getattr(rec, column)
            if _given(value) and not 0 <= value <= 100:
                out.at(
                    table,
                    idx,
                    column,
                    "percent-out-of-range",
                    f"{value:g} is not a percent between 0 and 100",
                    value,
                )
    if _given(rec.weight) and rec.weight < 0:
        out.at(table, idx, "weight", "negative-weight", "a weight cannot be negative", rec.weight)
    if _given(rec.tolerance) and rec.tolerance < 0:
        out.at(
            table,
            idx,
            "tolerance",
            "negative-tolerance",
            "a tolerance cannot be negative",
            rec.tolerance,
        )
    if _given(rec.spc_baseline_points) and (
        rec.spc_baseline_points < 12 or not float(rec.spc_baseline_points).is_integer()
    ):
        out.at(
            table,
            idx,
            "spc_baseline_points",
            "invalid-spc-baseline",
            "SPC limits can be fixed only after a whole number of 12 or more points",
            rec.spc_baseline_points,
        )


# --- Results -----------------------------------------------------------------


def _indicator_kinds(
    indicators: pd.DataFrame, at: np.ndarray, codes: np.ndarray
) -> dict[str, np.ndarray]:
    """What each result record needs of its indicator: ``at`` is each distinct id's row on
    the Indicators sheet, ``codes`` each record's distinct id."""
    # Unknown ids get empty entries here, but no remaining result record points at them.
    units = _picked(indicators["unit"], at)
    return {
        "frequency": _picked(indicators["frequency"], at)[codes],
        "source": _picked(indicators["source"], at)[codes],
        "is_percent": (units == Unit.PERCENT)[codes],
        "is_count": ((units == Unit.COUNT) | (units == Unit.DAYS))[codes],
    }


def _picked(column: pd.Series, at: np.ndarray) -> np.ndarray:
    """``column``'s values at positions ``at``, None where the position is -1."""
    values = object_array([*column.tolist(), None])
    return values[at]


def _parse_result_periods(
    records: SheetRecords, settings: Settings, out: ProblemCollector
) -> tuple[np.ndarray, np.ndarray]:
    """Each record's Period and its ordinal (NaN where the period is missing or invalid).

    Each distinct (period cell, frequency) is parsed once, and problems are reported at
    every record that holds it. A record whose indicator has no frequency keeps no period;
    the Indicators sheet's own error says why.
    """
    parsed = np.full(len(records), None, dtype=object)
    ordinals = np.full(len(records), np.nan)
    fiscal = settings.fiscal_year_start_month
    frequency, cells = records["frequency"], records["period"]
    for freq in pd.unique(frequency):
        if freq is None:
            continue
        rows = np.flatnonzero(frequency == freq)
        codes, uniques = pd.factorize(cells[rows], use_na_sentinel=True)

        def rows_of(k: int, rows: Any = rows, codes: Any = codes) -> list[int]:
            return records.index[rows[codes == k]].tolist()

        periods = [
            _parse_period_cell(out, records.table, partial(rows_of, k), "period", raw, freq, fiscal)
            for k, raw in enumerate(uniques)
        ]
        # Code -1 (an empty cell) picks the None / NaN appended at the end.
        parsed[rows] = object_array([*periods, None])[codes]
        known = [np.nan if p is None else p.ordinal for p in periods]
        ordinals[rows] = np.array([*known, np.nan])[codes]
        for idx in rows_of(-1):
            out.at(
                records.table, idx, "period", "missing-value", "the period is empty; it is required"
            )
    return parsed, ordinals


def _fill_values(records: SheetRecords, out: ProblemCollector) -> SheetRecords:
    """The value of each record: as typed, else numerator / denominator (× 100 for a
    percent); records left without one are reported and dropped."""
    num, den, value = records["numerator"], records["denominator"], records["value"]
    has_num, has_den, has_value = ~np.isnan(num), ~np.isnan(den), ~np.isnan(value)
    zero = has_den & (den == 0)
    has_ratio = has_num & has_den & ~zero
    scale = np.where(records["is_percent"].astype(bool), 100.0, 1.0)
    with np.errstate(all="ignore"):
        computed = num / np.where(zero, np.nan, den) * scale
    _report(
        records,
        zero,
        "denominator",
        "zero-denominator",
        "the denominator is 0; a rate needs a positive denominator",
        out,
        "denominator",
    )
    half = has_num ^ has_den
    for idx, given_numerator in zip(
        records.index[half].tolist(), has_num[half].tolist(), strict=True
    ):
        out.at(
            records.table,
            idx,
            "denominator" if given_numerator else "numerator",
            "missing-value",
            "give both numerator and denominator, or neither",
        )
    missing = ~has_value & ~has_ratio & ~zero & ~half
    for idx in records.index[missing].tolist():
        out.at(
            records.table,
            idx,
            "value",
            "missing-value",
            "no value: type the value, or the numerator and denominator",
        )
    both = has_value & has_ratio
    with np.errstate(all="ignore"):
        mismatch = both & (np.abs(value - computed) > 0.005 * np.maximum(np.abs(computed), 1))
    for idx, typed, calc in zip(
        records.index[mismatch].tolist(),
        value[mismatch].tolist(),
        computed[mismatch].tolist(),
        strict=True,
    ):
        out.at(
            records.table,
            idx,
            "value",
            "value-mismatch",
            f"value {typed:g} differs from numerator/denominator ({calc:.4g}); the value is used",
            typed,
            Severity.WARNING,
        )
    records["value"] = np.where(has_value, value, computed)
    return records.given("value")


def _check_values(records: SheetRecords, out: ProblemCollector) -> None:
    num, den, value = records["numerator"], records["denominator"], records["value"]
    with np.errstate(all="ignore"):
        # A zero denominator is its own error; "greater than 0" would only repeat it.
        over = ~np.isnan(num) & (num > den) & (den != 0)
        # A percent computed from numerator > denominator is reported once, at the numerator.
        bad = records["is_percent"].astype(bool) & ((value < 0) | (value > 100)) & ~over
        negative = records["is_count"].astype(bool) & (value < 0)
        negative_parts = {column: records[column] < 0 for column in ("numerator", "denominator")}
    _report(
        records,
        bad,
        "value",
        "percent-out-of-range",
        "{v:g} is not a percent between 0 and 100",
        out,
    )
    _report(
        records,
        over,
        "numerator",
        "numerator-exceeds-denominator",
        "numerator {v:g} is greater than its denominator; check the two figures",
        out,
        "numerator",
    )
    _report(
        records,
        negative,
        "value",
        "negative-count",
        "{v:g} is negative; a count cannot be below 0",
        out,
    )
    for column, below in negative_parts.items():
        _report(
            records,
            below,
            column,
            "negative-count",
            "{v:g} is negative; a count cannot be below 0",
            out,
            column,
        )


def _report(
    records: SheetRecords,
    selected: np.ndarray,
    column: str,
    code: str,
    template: str,
    out: ProblemCollector,
    value_column: str = "value",
    severity: Severity = Severity.ERROR,
) -> None:
    """One problem at ``column`` of each selected record, ``{v}`` its ``value_column``."""
    for idx, value in zip(
        records.index[selected].tolist(), records[value_column][selected].tolist(), strict=True
    ):
        out.at(records.table, idx, column, code, template.format(v=value), value, severity)


def _without_repeated_results(records: SheetRecords, out: ProblemCollector) -> SheetRecords:
    """A second figure for the same (agency,) indicator and period is reported and dropped."""
    records["period_ordinal"] = records["period_ordinal"].astype("int64")
    keys = [records["_indicator"], _codes(records["period_ordinal"])]
    shown = ["indicator_id", "period"]
    agency = records["agency_id"]
    if present(agency).any():
        keys.insert(0, _codes(np.where(present(agency), agency, "")))
        shown.insert(0, "agency_id")
    return _without_repeats(records, keys, shown, "duplicate-result", "result", out)
