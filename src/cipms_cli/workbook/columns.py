"""Coerce a table column by column with the row model's own field validators.

Validating 200,000 rows through Pydantic one model at a time costs seconds, so
each field's ``BeforeValidator`` is applied to the column directly, once per
distinct value, and the field type's checks stay defined in the model alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel
from pydantic.functional_validators import BeforeValidator
from pydantic_core import PydanticCustomError

from cipms_cli.workbook.cells import normalise_key, to_number


@dataclass(frozen=True)
class CellError:
    index: int  # position in the table's records
    column: str
    code: str
    message: str
    value: Any


def field_coercer(model: type[BaseModel], name: str) -> Callable[[Any], Any]:
    for meta in model.model_fields[name].metadata:
        if isinstance(meta, BeforeValidator):
            return meta.func  # type: ignore[return-value]
    return lambda v: v


Column = list[Any] | np.ndarray  # a float array for number fields, else a list


def coerce_column(
    model: type[BaseModel], name: str, cells: list[Any]
) -> tuple[Column, list[CellError]]:
    """Typed values and the errors: a float array (NaN where blank or invalid) for a
    number field, else a list (None where blank or invalid).

    Each distinct cell value is coerced once; numbers already typed as numbers pass
    straight through a number column.
    """
    coerce = field_coercer(model, name)
    if coerce is to_number:
        return _coerce_numbers(name, cells)
    distinct = dict.fromkeys(cells)
    if len(distinct) == 1 and type(cells[0]) is not bool:  # e.g. an empty optional column
        typed, errors = _coerce_cells(coerce, name, cells[:1])
        every = [dataclasses.replace(e, index=i) for e in errors for i in range(len(cells))]
        return typed * len(cells), every
    if any(type(v) is bool for v in distinct):
        # True == 1 == 1.0 would share one slot; booleans coerce differently, so go cell by cell.
        return _coerce_cells(coerce, name, cells)
    mapping, failed = _coerce_distinct(coerce, distinct)
    return list(map(mapping.__getitem__, cells)), _errors(name, cells, failed)


def _coerce_numbers(name: str, cells: list[Any]) -> tuple[np.ndarray, list[CellError]]:
    """A number column as floats, NaN where blank or invalid.

    Finite floats go straight into the array; every other cell (blanks, numbers typed as
    text, integers, infinities) is coerced by to_number once per distinct value.
    """
    n = len(cells)
    kinds = np.fromiter(map(type, cells), dtype=object, count=n)
    plain: np.ndarray = kinds == float  # noqa: E721 (compares each cell's type, elementwise)
    if plain.all():
        values = np.array(cells, dtype=float)
        if np.isfinite(values).all():
            return values, []
    objects = np.fromiter(cells, dtype=object, count=n)
    if not plain.all():
        values = np.full(n, np.nan)
        values[plain] = objects[plain].astype(float)
    rows = np.flatnonzero(~np.isfinite(values))  # every cell that is not a finite float
    rows = rows[objects[rows] != ""]  # empty cells (python-calamine's "") are blanks: NaN
    if not rows.size:
        return values, []
    if (kinds[rows] == bool).any():  # noqa: E721
        # True == 1 == 1.0 would share one slot; booleans coerce differently, so go cell by cell.
        typed, errors = _coerce_cells(to_number, name, objects[rows].tolist())
        values[rows] = [np.nan if v is None else v for v in typed]
        return values, [dataclasses.replace(e, index=int(rows[e.index])) for e in errors]
    codes, uniques = pd.factorize(objects[rows], use_na_sentinel=False)
    mapping, failed = _coerce_distinct(to_number, uniques.tolist())
    values[rows] = np.array([np.nan if mapping[u] is None else mapping[u] for u in uniques])[codes]
    errors = [
        CellError(int(i), name, failed[u].type, failed[u].message(), u)
        for k, u in enumerate(uniques.tolist())
        if u in failed
        for i in rows[codes == k]
    ]
    return values, sorted(errors, key=lambda e: e.index)


def _coerce_distinct(
    coerce: Callable[[Any], Any], values: Iterable[Any]
) -> tuple[dict[Any, Any], dict[Any, PydanticCustomError]]:
    mapping: dict[Any, Any] = {}
    failed: dict[Any, PydanticCustomError] = {}
    for value in values:
        try:
            mapping[value] = coerce(value)
        except PydanticCustomError as exc:
            mapping[value] = None
            failed[value] = exc
    return mapping, failed


def _errors(name: str, cells: list[Any], failed: dict[Any, PydanticCustomError]) -> list[CellError]:
    if not failed:
        return []
    return [
        CellError(i, name, failed[cell].type, failed[cell].message(), cell)
        for i, cell in enumerate(cells)
        if cell in failed
    ]


def _coerce_cells(
    coerce: Callable[[Any], Any], name: str, cells: list[Any]
) -> tuple[list[Any], list[CellError]]:
    out: list[Any] = []
    errors: list[CellError] = []
    for i, cell in enumerate(cells):
        try:
            out.append(coerce(cell))
        except PydanticCustomError as exc:
            errors.append(CellError(i, name, exc.type, exc.message(), cell))
            out.append(None)
    return out, errors


def coerce_table(
    model: type[BaseModel], values: dict[str, list[Any]], n_rows: int
) -> tuple[dict[str, Column], list[CellError]]:
    """Coerce every model field; absent optional columns become all-None (all-NaN)."""
    typed: dict[str, Column] = {}
    errors: list[CellError] = []
    for name, info in model.model_fields.items():
        if name not in values:
            default = info.default if not info.is_required() else None
            if field_coercer(model, name) is to_number:
                typed[name] = np.full(n_rows, np.nan if default is None else default)
            else:
                typed[name] = [default] * n_rows
            continue
        typed[name], column_errors = coerce_column(model, name, values[name])
        errors.extend(column_errors)
    return typed, errors


def coerce_record(
    model: type[BaseModel], raw: dict[str, Any]
) -> tuple[dict[str, Any], list[CellError]]:
    """One key/value record (Agency, Settings)."""
    typed, errors = coerce_table(model, {k: [v] for k, v in raw.items()}, 1)
    return {k: _scalar(v[0]) for k, v in typed.items()}, errors


def _scalar(value: Any) -> Any:
    """A number array's element as a plain float, or None where it is NaN."""
    if isinstance(value, np.floating):
        return None if value != value else float(value)
    return value


def canonical_key(model: type[BaseModel], key: str) -> str | None:
    """The model field a key/value sheet's key names, by name or alias."""
    norm = normalise_key(key)
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        aliases = [normalise_key(a) for a in extra.get("aliases", [])]  # type: ignore[union-attr]
        if norm == name or norm in aliases:
            return name
    return None
