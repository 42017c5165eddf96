"""Benchmark a few indicators across every agency, and keep what the batch tables need.

Runs in a worker, one part of the observations at a time (``ObservationFrame``), so
that the frames made on the way are the worker's, and the main process only joins the
small per-indicator tables and spools each agency's rows of the agency benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from cipms_cli.batch import benchmark
from cipms_cli.batch.agency_rows import Rows, agency_benchmark_records
from cipms_cli.batch.columns import AGENCY_BENCHMARKS_COLUMNS
from cipms_cli.batch.combine import BatchProblem
from cipms_cli.batch.observations import ObservationFrame


@dataclass
class BenchmarkedFrame:
    problems: list[BatchProblem]  # indicator definitions that differ between agencies
    period_summary: pd.DataFrame
    rollups: pd.DataFrame
    funnel: dict[str, tuple[int, int]]  # per agency, as BatchResult.funnel
    agency_rows: list[tuple[str, Rows]]  # each agency's rows of the agency benchmarks


# (the observations, each agency's Agency sheet fields by id, whether the batch writes CSV)
BenchmarkTask = tuple[ObservationFrame, dict[str, dict[str, Any]], bool]


def benchmark_frame(task: BenchmarkTask) -> BenchmarkedFrame:
    observations, agencies, encode = task
    obs, differing = benchmark.harmonise_definitions(observations.frame())
    ranked = benchmark.rank_and_flag(obs)
    latest = benchmark.latest_per_agency(ranked)
    return BenchmarkedFrame(
        differing,
        benchmark.period_summary(ranked),
        benchmark.rollups(obs),
        benchmark.funnel_counts(latest),
        [
            (agency_id, Rows.of(records, AGENCY_BENCHMARKS_COLUMNS, encode))
            for agency_id, records in agency_benchmark_records(latest, agencies)
        ],
    )
