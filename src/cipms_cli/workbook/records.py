"""A sheet's typed columns as numpy arrays while its records are checked.

The checks select, compare and drop records on arrays, and the DataFrame is built once
from the records kept: a quarterly return has a few dozen rows a sheet, where each
pandas call costs more than the work itself, and a large workbook loses nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.workbook.columns import Column
from cipms_cli.workbook.table import Table


@dataclass
class SheetRecords:
    """Columns of equal length: a float array for a number field, else an object array.

    ``index`` is each record's position among the table's records (what ``ProblemCollector.at``
    locates by), ``rows`` its Excel row.
    """

    table: Table
    columns: dict[str, np.ndarray]
    index: np.ndarray
    rows: np.ndarray

    @classmethod
    def of(cls, typed: dict[str, Column], table: Table) -> SheetRecords:
        columns = {name: _array(values) for name, values in typed.items()}
        n = len(table)
        rows = table.row_numbers
        row_numbers = (
            np.arange(rows.start, rows.stop, dtype=np.int64)
            if isinstance(rows, range)
            else np.fromiter(rows, dtype=np.int64, count=n)
        )
        return cls(table, columns, np.arange(n, dtype=np.int64), row_numbers)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __setitem__(self, name: str, values: np.ndarray) -> None:
        self.columns[name] = values

    def take(self, keep: np.ndarray) -> SheetRecords:
        """The records where ``keep`` is True; the same object when that is all of them."""
        if keep.all():
            return self
        return SheetRecords(
            self.table,
            {name: values[keep] for name, values in self.columns.items()},
            self.index[keep],
            self.rows[keep],
        )

    def given(self, name: str) -> SheetRecords:
        """The records with a value in ``name``."""
        return self.take(present(self.columns[name]))

    def frame(self, names: Sequence[str] | None = None, *, positions: bool = True) -> pd.DataFrame:
        """The records as a DataFrame indexed by position, with ``row`` and ``_index``.

        ``names`` picks and orders the columns (default: all, in order, with ``row`` and
        ``_index`` after the model's fields); ``positions=False`` gives a fresh RangeIndex.
        """
        index = (
            pd.RangeIndex(len(self.table))[self.index]
            if positions
            else pd.RangeIndex(len(self.index))
        )
        extra = {"row": self.rows, "_index": self.index}
        names = names if names is not None else [*self.columns, "row", "_index"]
        return frame_of(
            {name: self.columns[name] if name in self.columns else extra[name] for name in names},
            index,
        )


def frame_of(columns: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """A DataFrame of 1-d arrays as they are: object arrays stay object (the public
    constructor would infer pandas' string dtype for text).

    The arrays are known to be 1-d and as long as ``index``, so pandas' checks of them are
    skipped: building a quarterly return's small frames that way takes a quarter of the time.
    """
    return pd.DataFrame._from_arrays(  # type: ignore[attr-defined]
        list(columns.values()), columns=_names(tuple(columns)), index=index, verify_integrity=False
    )


@functools.cache
def _names(names: tuple[str, ...]) -> pd.Index:
    # A sheet's column names are the same in every file, and inferring an Index's type
    # from them costs more than building the rest of a small frame. An Index is immutable,
    # so frames can share one.
    return pd.Index(names)


def present(values: np.ndarray) -> np.ndarray:
    """True where a cell holds a value (not None, not NaN)."""
    if values.dtype == object:
        return ~pd.isna(values)
    return ~np.isnan(values) if values.dtype.kind == "f" else np.ones(len(values), dtype=bool)


def object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-d object array of ``values``, even when they are tuples of equal length."""
    array = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        array[i] = value
    return array


def first_of_key(*codes: np.ndarray) -> np.ndarray:
    """For each record, the position of the first record with the same key.

    ``codes`` are non-negative integer codes of the key's parts (``pd.factorize``); a
    record whose position is not its own first is a repeat.
    """
    n = len(codes[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = combined_key(list(codes))
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    first = np.empty(n, dtype=np.int64)
    first[order] = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    return first


_KEYS_BELOW = 2**62  # combined keys stay well inside int64


def combined_key(codes: list[np.ndarray]) -> np.ndarray:
    """One integer per record, equal where every part's code is: ``codes`` are the
    non-negative codes of the parts, one array each. Renumbered on the way whenever the
    next part would take the numbers past int64."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    bound = 1  # every key is below it
    for part in codes:
        width = int(part.max()) + 1 if len(part) else 1
        if bound * width >= _KEYS_BELOW:
            key = pd.factorize(key)[0]
            bound = int(key.max()) + 1
        key = key * width + part
        bound *= width
    return key


def positions_in(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each value, the position of the key equal to it, -1 where none is. The keys are
    distinct and none is missing, so that, factorized first, each key's code is its position.

    One hash of both: an Index's ``get_indexer`` or ``isin`` costs four times as much on a
    quarterly return's few dozen rows, and a dict several times as much on 50,000.
    """
    codes = pd.factorize(np.concatenate([keys, values]))[0][len(keys) :]
    return np.where(codes < len(keys), codes, -1)


def _array(values: Column) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    # dtype=object keeps numpy from making text or tuples into arrays of their own.
    return np.fromiter(values, dtype=object, count=len(values))
