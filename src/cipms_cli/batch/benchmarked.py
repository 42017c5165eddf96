"""Benchmark a few indicators across every agency, and keep what the batch tables need.

Runs in a worker, one part of the observations at a time (``ObservationFrame``), so
that the frames made on the way are the worker's, and the main process only joins the
small per-indicator tables and spools each agency's rows of the agency benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cipms_cli.batch import benchmark
from cipms_cli.batch.agency_rows import agency_benchmark_records
from cipms_cli.batch.columns import AGENCY_BENCHMARKS_COLUMNS
from cipms_cli.batch.combine import BatchProblem
from cipms_cli.batch.observations import ObservationFrame
from cipms_cli.batch.parts import encode_part, rows_chunk


@dataclass
class BenchmarkedFrame:
    problems: list[BatchProblem]  # indicator definitions that differ between agencies
    period_summary: pd.DataFrame
    rollups: pd.DataFrame
    funnel: dict[str, tuple[int, int]]  # per agency, as BatchResult.funnel
    agency_benchmarks: bytes  # a part of the agency benchmarks (``parts.PartedTable``)


BenchmarkTask = tuple[ObservationFrame, bool]  # the observations, whether writing CSV


def benchmark_frame(task: BenchmarkTask) -> BenchmarkedFrame:
    observations, encode = task
    agencies = observations.agencies()
    fields = {agency_id: agency_fields for agency_id, (_, agency_fields) in agencies.items()}
    obs, differing = benchmark.harmonise_definitions(observations.frame())
    ranked = benchmark.rank_and_flag(obs)
    latest = benchmark.latest_per_agency(ranked)
    return BenchmarkedFrame(
        differing,
        benchmark.period_summary(ranked),
        benchmark.rollups(obs),
        benchmark.funnel_counts(latest),
        encode_part(
            (agencies[agency_id][0], rows_chunk(records, AGENCY_BENCHMARKS_COLUMNS, encode))
            for agency_id, records in agency_benchmark_records(latest, fields)
        ),
    )
