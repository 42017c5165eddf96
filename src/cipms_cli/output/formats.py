"""Serialisers shared by every command: JSON and CSV text."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import orjson

from cipms_cli.output.safe import FORMULA_TRIGGERS, csv_cell

# orjson writes NaN and infinity as null, as the documents promise. Dataclasses pass through
# to _default so that a Period becomes its label rather than a dict of its fields.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_FIELDS: dict[type, tuple[str, ...]] = {}


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "label"):
        return value.label
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields_of(value)
    if hasattr(value, "as_records"):  # an indicator's SPC points, kept as columns
        return value.as_records()
    if isinstance(value, Sequence):  # other lazy sequences
        return list(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def _fields_of(value: Any) -> dict[str, Any]:
    names = _FIELDS.get(type(value))
    if names is None:
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    return {name: getattr(value, name) for name in names}


def to_json(document: Any) -> str:
    """Indented JSON; ``document`` may hold dataclasses, dates, periods and numpy scalars."""
    indented = _OPTIONS | orjson.OPT_INDENT_2
    return orjson.dumps(document, default=_default, option=indented).decode() + "\n"


@dataclasses.dataclass(frozen=True)
class Streamed:
    """A document member whose items ``write_json`` writes one at a time (a table of a
    million rows is never held whole, as objects or as text)."""

    items: Iterable[Any]


def write_json(out: IO[str], document: dict[str, Any]) -> None:
    """``to_json(document)``, written a member at a time, and a ``Streamed`` member an
    item at a time, indented as orjson indents the whole."""
    separator = "{\n"
    for key, value in document.items():
        out.write(f"{separator}  {_dumps(key)}: ")
        separator = ",\n"
        if isinstance(value, Streamed):
            _write_array(out, value.items)
        else:
            out.write(_nested(_dumps(value, orjson.OPT_INDENT_2), 1))
    out.write("{}\n" if separator == "{\n" else "\n}\n")


def _write_array(out: IO[str], items: Iterable[Any]) -> None:
    separator = "[\n"
    for item in items:
        out.write(f"{separator}    {_nested(_dumps(item, orjson.OPT_INDENT_2), 2)}")
        separator = ",\n"
    out.write("[]" if separator == "[\n" else "\n  ]")


def _dumps(value: Any, option: int = 0) -> str:
    return orjson.dumps(value, default=_default, option=_OPTIONS | option).decode()


def _nested(text: str, depth: int) -> str:
    """JSON text indented as if it stood ``depth`` levels down (JSON strings hold no
    raw line breaks, so every one is between tokens)."""
    return text.replace("\n", "\n" + "  " * depth)


def to_jsonl_line(document: Any) -> str:
    return orjson.dumps(document, default=_default, option=_OPTIONS).decode() + "\n"


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, rows, columns)
    return buffer.getvalue()


def write_csv(out: IO[str], rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """CSV of ``rows`` (dicts) under a header of ``columns``, written row by row to ``out``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row.get(c)) for c in columns])


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Each row of values as one CSV line, newline included, written as ``write_csv``
    writes it: lines made apart (in a worker, say) join into the same file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_record_lines(records: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """``csv_lines`` of dicts, their values in ``columns`` order (a missing key is empty)."""
    return csv_lines([record.get(c) for c in columns] for record in records)


def _csv_value(value: Any) -> Any:
    if type(value) is str:  # the common case first: a batch writes millions of cells
        # csv_cell, inlined: two calls a cell cost a batch a fifth of its CSV writing.
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if value is None:
        return ""
    if isinstance(value, float):
        return _float_text(value)
    if not isinstance(value, str | int):  # str subclasses (enums) are written as text
        value = _default(value)
    return csv_cell(value)


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return ""
    return repr(round(value, 10)) if not value.is_integer() else str(int(value))
