"""Each agency's figures for benchmarking, kept compact until every agency is in.

The worker that scores an agency reduces its figures to number arrays and codes into
short lists of its indicators and periods (``AgencyObservations``). The main process
numbers them for the whole batch and puts them in the spool, 36 bytes a figure
(``ObservationTable``); when all agencies are in, it sorts them into parts of a few
indicators each (``ObservationFrame``), which the workers make into frames and
benchmark. So the main process holds no figure while the batch runs, and makes no large
frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cipms_cli.batch.agency_rows import agency_fields
from cipms_cli.batch.columns import AGENCY_COLUMNS
from cipms_cli.batch.spool import Span, Spool

if TYPE_CHECKING:
    from cipms_cli.batch.combine import CombinedAgency

OBSERVATION_COLUMNS = [
    "agency_id",
    "region",
    "stream",
    "indicator_id",
    "name",
    "frequency",
    "fiscal_start",
    "ordinal",
    "period",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "direction",
    "unit",
]
AGENCY_PART = AGENCY_COLUMNS  # the agency_benchmarks rows need its name too
INDICATOR_PART = ["indicator_id", "name", "direction", "unit"]
PERIOD_PART = ["frequency", "fiscal_start", "ordinal", "period", "period_end"]
NUMBERS = ["value", "numerator", "denominator"]

Key = tuple[Any, ...]


@dataclass
class AgencyObservations:
    """One agency's figures up to its as-of date: codes into its own indicators and
    periods, and the three numbers (NaN where not given)."""

    agency: Key  # agency_id, agency_name, region, stream
    indicators: list[Key]  # indicator_id, name, direction, unit
    periods: list[Key]  # frequency, fiscal_start, ordinal, label, end
    indicator: np.ndarray
    period: np.ndarray
    numbers: np.ndarray  # one row per figure: value, numerator, denominator


def agency_observations(agency: CombinedAgency, as_of: dt.date | None) -> AgencyObservations:
    indicators: dict[Key, int] = {}
    periods: dict[Key, int] = {}
    codes: list[tuple[int, int]] = []
    numbers: list[tuple[Any, Any, Any]] = []
    for used in agency.figures:
        f = used.figure
        if as_of is not None and f.period.end > as_of:
            continue
        d = agency.definitions[f.indicator_id]
        indicator = (f.indicator_id, d["name"], str(d["direction"]), str(d["unit"]))
        p = f.period
        period = (str(p.frequency), p.fiscal_start, p.ordinal, p.label, p.end)
        codes.append(
            (
                indicators.setdefault(indicator, len(indicators)),
                periods.setdefault(period, len(periods)),
            )
        )
        numbers.append((f.value, f.numerator, f.denominator))
    pairs = np.array(codes, dtype=np.int32).reshape(-1, 2)
    return AgencyObservations(
        tuple(agency_fields(agency.agency_id, agency.agency)[c] for c in AGENCY_PART),
        list(indicators),
        list(periods),
        pairs[:, 0].copy(),
        pairs[:, 1].copy(),
        np.array(numbers, dtype=float).reshape(-1, 3),
    )


# One figure as the table keeps it: its codes into the batch's agencies, indicators and
# periods, and its three numbers.
ROW = np.dtype([("agency", "<i4"), ("indicator", "<i4"), ("period", "<i4"), ("numbers", "<f8", 3)])
PARTS = ("agency", "indicator", "period")
BUCKET_BYTES = 1 << 16  # what a part's rows gather in memory before they go to the spool


class ObservationTable:
    """Every agency's observations, in the order added, with their indicators and
    periods numbered once for the whole batch. The figures wait in the spool (36 bytes
    each); memory holds the keys and a count per indicator."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool
        self._keys: dict[str, dict[Key, int]] = {part: {} for part in PARTS}
        self._blocks: list[Span] = []
        self._counts: list[int] = []  # figures per indicator code

    def add(self, block: AgencyObservations) -> None:
        rows = np.empty(len(block.numbers), dtype=ROW)
        rows["agency"] = self._code("agency", [block.agency])[0]
        rows["indicator"] = self._code("indicator", block.indicators)[block.indicator]
        rows["period"] = self._code("period", block.periods)[block.period]
        rows["numbers"] = block.numbers
        self._counts.extend([0] * (len(self._keys["indicator"]) - len(self._counts)))
        for code, count in zip(*np.unique(rows["indicator"], return_counts=True), strict=True):
            self._counts[code] += int(count)
        if len(rows):
            self._blocks.append(self._spool.put(rows.tobytes()))

    def _code(self, part: str, keys: list[Key]) -> np.ndarray:
        known = self._keys[part]
        return np.array([known.setdefault(k, len(known)) for k in keys], dtype=np.int32)

    def frames(self, max_rows: int) -> Iterator[ObservationFrame]:
        """The observations in parts of whole indicators, by indicator id, of at most
        ``max_rows`` rows where one indicator allows, each in the order the agencies were
        added. Every benchmark compares agencies within one indicator, so a batch can be
        benchmarked a part at a time, its memory bounded by ``max_rows``."""
        keys = {part: list(known) for part, known in self._keys.items()}
        if not self._blocks:
            yield ObservationFrame.of(keys, np.zeros(0, dtype=ROW))
            return
        # Each indicator code's part, through the ranks of the few distinct indicator ids.
        ids = [key[0] for key in keys["indicator"]]
        ranked = sorted(set(ids))
        rank_of = {i: rank for rank, i in enumerate(ranked)}
        counts = np.zeros(len(ranked), dtype=np.int64)
        np.add.at(counts, [rank_of[i] for i in ids], self._counts)
        runs = list(_runs(counts, max_rows))
        part_of_rank = np.repeat(np.arange(len(runs)), [last - first for first, last in runs])
        part_of_code = part_of_rank[[rank_of[i] for i in ids]]
        for spans in self._bucketed(part_of_code, len(runs)):
            rows = np.frombuffer(b"".join(self._spool.get(span) for span in spans), dtype=ROW)
            yield ObservationFrame.of(keys, rows)

    def _bucketed(self, part_of_code: np.ndarray, parts: int) -> list[list[Span]]:
        """Every figure sorted into its part, back in the spool: one pass over the
        agencies, each part's rows gathered up to ``BUCKET_BYTES`` before they are put."""
        buckets = [bytearray() for _ in range(parts)]
        spans: list[list[Span]] = [[] for _ in range(parts)]
        for block in self._blocks:
            rows = np.frombuffer(self._spool.get(block), dtype=ROW)
            part = part_of_code[rows["indicator"]]
            order = np.argsort(part, kind="stable")
            ends = np.searchsorted(part[order], np.arange(parts), side="right")
            starts = np.r_[0, ends[:-1]]
            for i in np.flatnonzero(ends > starts).tolist():
                buckets[i] += rows[order[starts[i] : ends[i]]].tobytes()
                if len(buckets[i]) >= BUCKET_BYTES:
                    spans[i].append(self._spool.put(bytes(buckets[i])))
                    buckets[i].clear()
        for i, bucket in enumerate(buckets):
            if bucket:
                spans[i].append(self._spool.put(bytes(bucket)))
        return spans


@dataclass
class ObservationFrame:
    """Some rows of the observations, compact (to send to the worker that benchmarks
    them): each part's codes into the keys of that part they use, and the numbers."""

    keys: dict[str, list[Key]]
    codes: dict[str, np.ndarray]
    numbers: np.ndarray
    places: list[int]  # each agency key's place in the batch (its number in the table)

    @classmethod
    def of(cls, keys: dict[str, list[Key]], rows: np.ndarray) -> ObservationFrame:
        """``rows`` (of ``ROW``) with their codes into ``keys``, made codes into the keys
        they use."""
        used_keys, used_codes, places = {}, {}, []
        for part in PARTS:
            used, inverse = np.unique(rows[part], return_inverse=True)
            used_codes[part] = inverse.astype(np.int32)
            used_keys[part] = [keys[part][i] for i in used.tolist()]
            if part == "agency":
                places = used.tolist()
        return cls(used_keys, used_codes, np.array(rows["numbers"], dtype=float), places)

    def agencies(self) -> dict[str, tuple[int, dict[str, Any]]]:
        """By agency id: the agency's place in the batch, and its Agency sheet fields."""
        return {
            key[0]: (place, dict(zip(AGENCY_PART, key, strict=True)))
            for key, place in zip(self.keys["agency"], self.places, strict=True)
        }

    def frame(self) -> pd.DataFrame:
        if len(self.numbers) == 0:
            frame = pd.DataFrame([], columns=OBSERVATION_COLUMNS)
            return frame.astype({c: float for c in NUMBERS})
        columns: dict[str, Any] = {}
        for part, names in (
            ("agency", AGENCY_PART),
            ("indicator", INDICATOR_PART),
            ("period", PERIOD_PART),
        ):
            codes, keys = self.codes[part], self.keys[part]
            for i, name in enumerate(names):
                # Python lists, so that pandas infers each column's type as it would
                # from rows of values (text, text with gaps, all-missing, dates).
                if name in OBSERVATION_COLUMNS:
                    columns[name] = _as_objects([k[i] for k in keys])[codes].tolist()
        for i, name in enumerate(NUMBERS):
            columns[name] = self.numbers[:, i]
        return pd.DataFrame({c: columns[c] for c in OBSERVATION_COLUMNS})


def _runs(counts: np.ndarray, max_rows: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges of indicators, each of at most ``max_rows`` rows, or of one
    indicator where it alone has more."""
    first, rows = 0, 0
    for i, count in enumerate(counts.tolist()):
        if rows and rows + count > max_rows:
            yield first, i
            first, rows = i, 0
        rows += count
    yield first, len(counts)


def _as_objects(values: list[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
