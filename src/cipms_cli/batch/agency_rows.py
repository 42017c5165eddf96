"""One agency's share of the batch tables, made in the worker that merged and scored it.

The results and scores tables hold rows of one agency at a time, with nothing from the
other agencies, so the worker makes them. When the batch writes CSV it encodes them
too: encoding is most of the cost of writing the tables, and done here it runs in
parallel and leaves the main process some text per agency to hold and copy, rather
than a dict per row.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from cipms_cli.batch.columns import AGENCY_BENCHMARKS_COLUMNS, AGENCY_COLUMNS, SCORES_COLUMNS
from cipms_cli.batch.frame_rows import frame_rows
from cipms_cli.batch.spool import Span, Spool
from cipms_cli.output.formats import csv_record_lines

if TYPE_CHECKING:
    import pandas as pd

    from cipms_cli.batch.combine import CombinedAgency

Row = dict[str, Any]


@dataclass
class AgencyFacts:
    """What the tables show of a merged agency, besides its figures and scores."""

    agency_id: str
    agency: dict[str, Any]  # the Agency sheet of its latest return
    files: list[str]  # in return order
    indicators: int
    first_period: str | None
    latest_period: str | None

    @classmethod
    def of(cls, agency: CombinedAgency) -> AgencyFacts:
        periods = sorted({u.figure.period for u in agency.figures}, key=lambda p: p.end)
        return cls(
            agency.agency_id,
            agency.agency,
            agency.files,
            len(agency.definitions),
            periods[0].label if periods else None,
            periods[-1].label if periods else None,
        )

    def fields(self) -> Row:
        return agency_fields(self.agency_id, self.agency)


def agency_fields(agency_id: str, sheet: dict[str, Any]) -> Row:
    """The agency columns every per-agency table starts with, from its Agency sheet."""
    return {c: sheet.get(c) for c in AGENCY_COLUMNS} | {"agency_id": agency_id}


@dataclass(slots=True)
class Rows:
    """One agency's rows of one table: records, or, when the batch writes CSV, their CSV
    lines (then the records are not kept), which the main process may ``spill`` to the
    batch's spool until the table is written."""

    records: list[Row] = field(default_factory=list)
    lines: list[str] | None = None
    spilled: Span | None = None  # the lines, joined
    sizes: array[int] | None = None  # each spilled line's length, when kept
    spilled_records: Span | None = None  # the records, pickled
    count: int = 0  # of spilled lines or records

    @classmethod
    def of(cls, records: list[Row], columns: list[str], encode: bool) -> Rows:
        if not encode:
            return cls(records)
        return cls(lines=list(csv_record_lines(records, columns)))

    @property
    def encoded(self) -> bool:
        return self.lines is not None or self.spilled is not None

    def __len__(self) -> int:
        if self.spilled is not None or self.spilled_records is not None:
            return self.count
        return len(self.lines) if self.lines is not None else len(self.records)

    def spill(self, spool: Spool, keep_lines: bool = False) -> None:
        """The lines, or the records, to the spool; ``keep_lines`` keeps where each line
        ends, for a writer that needs them one by one (``csv_lines``), not only as text
        (``csv_text``)."""
        if self.lines is None:
            if self.records:
                self.spilled_records = spool.put_object(self.records)
                self.count, self.records = len(self.records), []
            return
        self.spilled = spool.put("".join(self.lines).encode())
        self.count = len(self.lines)
        if keep_lines:
            self.sizes = array("I", map(len, self.lines))
        self.lines = None

    def records_from(self, spool: Spool) -> list[Row]:
        """The records, from the spool if they were spilled."""
        assert not self.encoded, "the batch was run for encode_csv, not records"
        if self.spilled_records is None:
            return self.records
        records: list[Row] = spool.get_object(self.spilled_records)
        return records

    def csv_text(self, spool: Spool) -> str:
        """The CSV lines as one text, from the spool if they were spilled."""
        if self.spilled is None:
            return "".join(self.lines or [])
        return spool.get(self.spilled).decode()

    def csv_lines(self, spool: Spool) -> list[str]:
        """The CSV lines, from the spool if they were spilled (with ``keep_lines``)."""
        if self.spilled is None:
            return self.lines or []
        assert self.sizes is not None, "the lines were spilled without keep_lines"
        text = spool.get(self.spilled).decode()
        ends = list(accumulate(self.sizes))
        return [text[end - size : end] for end, size in zip(ends, self.sizes, strict=True)]


@dataclass(slots=True)
class AgencyRows:
    results: Rows
    scores: Rows  # no rows when the agency could not be scored

    def spill(self, spool: Spool) -> None:
        self.results.spill(spool)
        self.scores.spill(spool, keep_lines=True)  # each gets the lsa_* cells when written


def agency_benchmark_records(
    latest: pd.DataFrame, agencies: dict[str, Row]
) -> Iterator[tuple[str, list[Row]]]:
    """Each agency's rows of the agency_benchmarks table in ``latest`` (a benchmark
    frame's latest rows, which come by agency), with the agency's Agency sheet fields
    (``agencies``: ``AgencyFacts.fields`` by agency id)."""
    for agency_id, rows in groupby(
        frame_rows(latest, AGENCY_BENCHMARKS_COLUMNS), key=itemgetter("agency_id")
    ):
        fields = {k: v for k, v in agencies[agency_id].items() if k != "agency_id"}
        yield agency_id, [row | fields for row in rows]


def results_records(agency: CombinedAgency) -> list[Row]:
    """The agency's results rows: every figure of its combined series, by indicator and
    period end."""
    units = {str(k): str(d["unit"]) for k, d in agency.definitions.items()}
    rows = [
        {
            "agency_id": agency.agency_id,
            "indicator_id": used.figure.indicator_id,
            "period": used.figure.period.label,
            "period_end": used.figure.period.end.isoformat(),
            "frequency": str(used.figure.period.frequency),
            "unit": units[used.figure.indicator_id],
            "value": used.figure.value,
            "numerator": used.figure.numerator,
            "denominator": used.figure.denominator,
            "source_file": used.path,
            "source_cell": used.figure.cell,
        }
        for used in agency.figures
    ]
    return sorted(rows, key=lambda r: (r["indicator_id"], r["period_end"]))


def scores_records(
    facts: AgencyFacts,
    as_of: str | None,
    summary: dict[str, Any],
    indicators: list[Row],
    learners: dict[str, Any],
) -> list[Row]:
    """The agency's scores rows: one per indicator, its composite and learner figures
    repeated on each. The learner figures are left off when ``learners`` is empty, as
    for CSV, whose writer adds them once every agency's ``lsa_*`` columns are known."""
    base = facts.fields() | {
        "as_of": as_of,
        "agency_score": summary.get("score"),
        "agency_stars": summary.get("stars"),
    }
    return [
        base | {c: indicator[c] for c in SCORES_COLUMNS if c in indicator} | learners
        for indicator in indicators
    ]
