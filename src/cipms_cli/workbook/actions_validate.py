"""Validate the optional Actions sheet: the action plan a practitioner fills in.

Rules (docs/workbook.md, docs/method.md):

- an ``indicator_id`` that is not on the Indicators sheet is an error;
- a ``due`` date before the ``start`` date is an error;
- a ``status`` outside not_started, in_progress, done, blocked, dropped is an error;
- a repeated ``action_id`` is an error;
- a missing ``owner`` is a warning: a plan being drafted should not stop scoring, but an
  action nobody owns is unlikely to happen;
- an open action (not done or dropped) whose ``due`` date is before the reference date
  (the Agency reporting period's end, else the end of the latest period reported) is an
  ``overdue-action`` warning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.problems import Severity
from cipms_cli.workbook.collector import ProblemCollector
from cipms_cli.workbook.columns import Column, coerce_table
from cipms_cli.workbook.contract import CLOSED_ACTION_STATUSES, ActionRow
from cipms_cli.workbook.reader import RawWorkbook
from cipms_cli.workbook.sheet_tables import read_table
from cipms_cli.workbook.sheets import ACTIONS
from cipms_cli.workbook.table import Table

ACTION_COLUMNS = [*ActionRow.model_fields, "row"]


def empty_actions() -> pd.DataFrame:
    return pd.DataFrame(columns=ACTION_COLUMNS)


def validate_actions(
    book: RawWorkbook,
    found: dict[str, str],
    indicators: pd.DataFrame | None,
    reference: dt.date | None,
    out: ProblemCollector,
) -> pd.DataFrame | None:
    """The Actions sheet as a frame (dates as ``datetime.date``), or None without the sheet.

    ``indicators`` is None when the workbook has no usable Indicators sheet, so that the
    references cannot be judged.
    """
    sheet = found.get(ACTIONS.name)
    if sheet is None:
        return None
    table = read_table(book, sheet, ACTIONS, out)
    if table is None:
        return empty_actions()
    typed, errors = coerce_table(ActionRow, table.values, len(table))
    for err in errors:
        out.cell_error(table, err)
    frame = _frame(typed, table)
    frame = _drop_duplicates(frame, table, out)
    if indicators is not None:
        _check_references(frame, table, set(indicators["indicator_id"]), out)
    for idx, record in zip(frame["_index"], frame.itertuples(index=False), strict=True):
        _check_action(table, int(idx), record, reference, out)
    return frame[ACTION_COLUMNS].reset_index(drop=True)


def _frame(typed: dict[str, Column], table: Table) -> pd.DataFrame:
    columns = {
        name: pd.Series(values)
        if isinstance(values, np.ndarray)
        else pd.Series(values, dtype=object)
        for name, values in typed.items()
    }
    frame = pd.DataFrame(columns)
    frame["status"] = [None if s is None else str(s) for s in frame["status"]]
    frame["row"] = table.row_numbers
    frame["_index"] = range(len(table))
    return frame.dropna(subset=["action_id"])


def _drop_duplicates(frame: pd.DataFrame, table: Table, out: ProblemCollector) -> pd.DataFrame:
    repeated = frame.duplicated("action_id", keep="first")
    first_row = frame.drop_duplicates("action_id").set_index("action_id")["row"]
    for idx, action_id in zip(
        frame.loc[repeated, "_index"], frame.loc[repeated, "action_id"], strict=True
    ):
        out.at(
            table,
            int(idx),
            "action_id",
            "duplicate-action",
            f"action {action_id} repeats row {first_row[action_id]}; give each action its own id",
            action_id,
        )
    return frame[~repeated]


def _check_references(
    frame: pd.DataFrame, table: Table, known: set[str], out: ProblemCollector
) -> None:
    for idx, indicator in zip(frame["_index"], frame["indicator_id"], strict=True):
        if indicator is not None and indicator not in known:
            out.at(
                table,
                int(idx),
                "indicator_id",
                "unknown-indicator",
                f"indicator '{indicator}' is not on the Indicators sheet; an action must say "
                "which indicator it should move",
                indicator,
            )


def _check_action(
    table: Table, idx: int, action: Any, reference: dt.date | None, out: ProblemCollector
) -> None:
    if action.owner is None and "owner" in table.columns:
        out.at(
            table,
            idx,
            "owner",
            "missing-owner",
            f"action {action.action_id} has no owner; name who is accountable for it",
            severity=Severity.WARNING,
        )
    elif action.owner is None:
        out.add(
            "missing-owner",
            f"action {action.action_id} has no owner (the sheet has no owner column); "
            "name who is accountable for it",
            severity=Severity.WARNING,
            sheet=table.sheet,
            row=table.row_numbers[idx],
        )
    if action.start is not None and action.due is not None and action.due < action.start:
        out.at(
            table,
            idx,
            "due",
            "due-before-start",
            f"action {action.action_id} is due {action.due} but starts {action.start}; "
            "correct one of the dates",
            action.due.isoformat(),
        )
    if is_overdue(action.due, action.status, reference):
        assert reference is not None and action.due is not None
        out.at(
            table,
            idx,
            "due",
            "overdue-action",
            f"action {action.action_id} was due {action.due}, before {reference}, and is "
            f"{action.status or 'not_started'}; update its status, or agree a new due date",
            action.due.isoformat(),
            Severity.WARNING,
        )


def is_overdue(due: dt.date | None, status: str | None, reference: dt.date | None) -> bool:
    """Due before the reference date and neither done nor dropped."""
    if due is None or reference is None:
        return False
    return due < reference and status not in {s.value for s in CLOSED_ACTION_STATUSES}
