"""The columns of the batch's tidy tables, in order: a stable contract.

Every column is documented in docs/batch.md; add columns at the end, never rename.
"""

from __future__ import annotations

from cipms_cli.output.scorecard import CSV_COLUMNS as SCORECARD_COLUMNS

FILES_COLUMNS = [
    "path",
    "agency_id",
    "agency_source",
    "periods",
    "status",
    "error_count",
    "warning_count",
    "first_error",
    "first_error_code",
]
PROBLEMS_COLUMNS = [
    "severity",
    "code",
    "agency_id",
    "indicator_id",
    "period",
    "files",
    "cells",
    "message",
]
RESULTS_COLUMNS = [
    "agency_id",
    "indicator_id",
    "period",
    "period_end",
    "frequency",
    "unit",
    "value",
    "numerator",
    "denominator",
    "source_file",
    "source_cell",
]
AGENCY_COLUMNS = ["agency_id", "agency_name", "region", "stream"]
# The per-indicator columns are `cipms score --format csv`'s, with the agency around them.
_SPLIT = SCORECARD_COLUMNS.index("baseline_period")
SCORES_COLUMNS = [
    *AGENCY_COLUMNS,
    "as_of",
    *SCORECARD_COLUMNS[:_SPLIT],
    "key",
    "weight",
    "n_periods",
    *SCORECARD_COLUMNS[_SPLIT:],
    "agency_score",
    "agency_stars",
]
STATUS_COLUMNS = ["met", "on_track", "at_risk", "off_track", "no_target", "no_data"]
AGENCIES_COLUMNS = [
    *AGENCY_COLUMNS,
    "files",
    "first_period",
    "latest_period",
    "as_of",
    "indicators",
    "score",
    "stars",
    "key_failures",
    *STATUS_COLUMNS,
    "funnel_favourable",
    "funnel_unfavourable",
]
BENCHMARKS_COLUMNS = [
    "indicator_id",
    "name",
    "direction",
    "unit",
    "frequency",
    "period",
    "period_end",
    "agencies",
    "min",
    "q1",
    "median",
    "q3",
    "max",
    "mean",
    "pooled_numerator",
    "pooled_denominator",
    "pooled_rate",
    "funnel_agencies",
    "outside_95",
    "outside_99_8",
    "dispersion_ratio",
]
AGENCY_BENCHMARKS_COLUMNS = [
    *AGENCY_COLUMNS,
    "indicator_id",
    "direction",
    "unit",
    "period",
    "value",
    "numerator",
    "denominator",
    "agencies",
    "rank",
    "percentile",
    "network_median",
    "pooled_rate",
    "observed_rate",
    "z_score",
    "funnel_lower_95",
    "funnel_upper_95",
    "funnel_lower_99_8",
    "funnel_upper_99_8",
    "funnel_flag",
    "funnel_favourable",
    "funnel_reliable",
]
ROLLUPS_COLUMNS = [
    "dimension",
    "group",
    "indicator_id",
    "unit",
    "frequency",
    "period",
    "agencies",
    "median",
    "pooled_numerator",
    "pooled_denominator",
    "pooled_rate",
]

TABLES: dict[str, list[str]] = {
    "files": FILES_COLUMNS,
    "problems": PROBLEMS_COLUMNS,
    "results": RESULTS_COLUMNS,
    "scores": SCORES_COLUMNS,
    "agencies": AGENCIES_COLUMNS,
    "benchmarks": BENCHMARKS_COLUMNS,
    "agency_benchmarks": AGENCY_BENCHMARKS_COLUMNS,
    "rollups": ROLLUPS_COLUMNS,
}
