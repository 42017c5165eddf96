"""Each agency's figures for benchmarking, kept compact until every agency is in.

The worker that scores an agency reduces its figures to number arrays and codes into
short lists of its indicators and periods (``AgencyObservations``). The main process
collects them (``ObservationTable``), and when all agencies are in, cuts them into parts
of a few indicators each (``ObservationFrame``), which the workers make into frames and
benchmark. So a batch holds a few dozen bytes per figure while it runs rather than
several Python objects per figure, and the main process makes no large frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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
AGENCY_PART = OBSERVATION_COLUMNS[0:3]
INDICATOR_PART = ["indicator_id", "name", "direction", "unit"]
PERIOD_PART = ["frequency", "fiscal_start", "ordinal", "period", "period_end"]
NUMBERS = ["value", "numerator", "denominator"]

Key = tuple[Any, ...]


@dataclass
class AgencyObservations:
    """One agency's figures up to its as-of date: codes into its own indicators and
    periods, and the three numbers (NaN where not given)."""

    agency: Key  # agency_id, region, stream
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
        (agency.agency_id, agency.agency.get("region"), agency.agency.get("stream")),
        list(indicators),
        list(periods),
        pairs[:, 0].copy(),
        pairs[:, 1].copy(),
        np.array(numbers, dtype=float).reshape(-1, 3),
    )


class ObservationTable:
    """Every agency's observations, in the order added, with their indicators and
    periods numbered once for the whole batch."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[Key, int]] = {"agency": {}, "indicator": {}, "period": {}}
        self._codes: dict[str, list[np.ndarray]] = {"agency": [], "indicator": [], "period": []}
        self._numbers: list[np.ndarray] = []

    def add(self, block: AgencyObservations) -> None:
        rows = len(block.numbers)
        agency = self._code("agency", [block.agency])
        self._codes["agency"].append(np.full(rows, agency[0], dtype=np.int32))
        for part, keys, local in (
            ("indicator", block.indicators, block.indicator),
            ("period", block.periods, block.period),
        ):
            self._codes[part].append(self._code(part, keys)[local])
        self._numbers.append(block.numbers)

    def _code(self, part: str, keys: list[Key]) -> np.ndarray:
        known = self._keys[part]
        return np.array([known.setdefault(k, len(known)) for k in keys], dtype=np.int32)

    def frames(self, max_rows: int) -> Iterator[ObservationFrame]:
        """The observations in parts of whole indicators, by indicator id, of at most
        ``max_rows`` rows where one indicator allows, each in the order the agencies were
        added. Every benchmark compares agencies within one indicator, so a batch can be
        benchmarked a part at a time, its memory bounded by ``max_rows``."""
        numbers = self._consolidated()
        keys = {part: list(known) for part, known in self._keys.items()}
        if len(numbers) == 0:
            yield ObservationFrame.of(keys, self._codes, np.zeros(0, dtype=np.intp), numbers)
            return
        # Each row's indicator as the rank of its id, through the few distinct indicators:
        # no array of objects as long as the batch.
        ids = [key[0] for key in keys["indicator"]]
        rank_of = {i: rank for rank, i in enumerate(sorted(set(ids)))}
        of_row = np.array([rank_of[i] for i in ids], dtype=np.int32)[self._codes["indicator"][0]]
        counts = np.bincount(of_row, minlength=len(rank_of))
        for first, last in _runs(counts, max_rows):
            (rows,) = np.nonzero((of_row >= first) & (of_row < last))
            yield ObservationFrame.of(keys, self._codes, rows, numbers)

    def _consolidated(self) -> np.ndarray:
        """Each part's arrays joined into one, in place (so not held twice); the numbers."""
        for part, arrays in self._codes.items():
            self._codes[part] = [np.concatenate(arrays) if arrays else np.zeros(0, np.int32)]
        self._numbers = [np.concatenate(self._numbers) if self._numbers else np.zeros((0, 3))]
        return self._numbers[0]


@dataclass
class ObservationFrame:
    """Some rows of the observations, compact (to send to the worker that benchmarks
    them): each part's codes into the keys of that part they use, and the numbers."""

    keys: dict[str, list[Key]]
    codes: dict[str, np.ndarray]
    numbers: np.ndarray

    @classmethod
    def of(
        cls,
        keys: dict[str, list[Key]],
        codes: dict[str, list[np.ndarray]],
        rows: np.ndarray,
        numbers: np.ndarray,
    ) -> ObservationFrame:
        used_keys, used_codes = {}, {}
        for part, (all_codes,) in codes.items():
            used, inverse = np.unique(all_codes[rows], return_inverse=True)
            used_codes[part] = inverse.astype(np.int32)
            used_keys[part] = [keys[part][i] for i in used.tolist()]
        return cls(used_keys, used_codes, numbers[rows])

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
