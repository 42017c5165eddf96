"""Serialisers shared by every command: JSON and CSV text."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from cipms_cli.output.safe import csv_cell


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "label"):
        return value.label
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_json(document: Any) -> str:
    return json.dumps(_clean(document), indent=2, ensure_ascii=False, default=_default) + "\n"


def to_jsonl_line(document: Any) -> str:
    return json.dumps(_clean(document), ensure_ascii=False, default=_default) + "\n"


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row.get(c)) for c in columns])
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 10)) if not value.is_integer() else str(int(value))
    if not isinstance(value, str | int):
        value = _default(value)
    return csv_cell(value)
