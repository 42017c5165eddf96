"""The action plan's open actions, grouped by the indicator each should move."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from cipms_cli.workbook.actions_validate import is_overdue
from cipms_cli.workbook.contract import CLOSED_ACTION_STATUSES

CLOSED = {s.value for s in CLOSED_ACTION_STATUSES}


def action_records(actions: pd.DataFrame | None, as_of: dt.date | None) -> list[dict[str, Any]]:
    """Every action as a plain dict (dates as ISO text), with ``open`` and ``overdue``."""
    if actions is None or actions.empty:
        return []
    return [
        _record({str(k): v for k, v in row.items()}, as_of) for row in actions.to_dict("records")
    ]


def open_actions_by_indicator(
    actions: pd.DataFrame | None, as_of: dt.date | None
) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in action_records(actions, as_of):
        if record["open"]:
            grouped.setdefault(record["indicator_id"], []).append(record)
    return grouped


def _record(row: dict[str, Any], as_of: dt.date | None) -> dict[str, Any]:
    status = row["status"] or "not_started"
    value = row["expected_effect_value"]
    return {
        "action_id": row["action_id"],
        "indicator_id": row["indicator_id"],
        "action": row["action"],
        "owner": row["owner"],
        "start": _iso(row["start"]),
        "due": _iso(row["due"]),
        "resources": row["resources"],
        "expected_effect_value": None if value is None or value != value else float(value),
        "expected_effect_date": _iso(row["expected_effect_date"]),
        "status": status,
        "evidence": row["evidence"],
        "open": status not in CLOSED,
        "overdue": is_overdue(row["due"], status, as_of),
        "row": int(row["row"]),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None
