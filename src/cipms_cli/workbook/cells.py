"""Coercion of raw spreadsheet cell values into typed values.

python-calamine hands us ``int | float | str | bool | date | datetime | time``
and ``""`` for a blank cell. These helpers turn that into what the models need,
raising ``PydanticCustomError`` with a stable code so that the validator can
locate and report the problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Any

from pydantic_core import PydanticCustomError

_NUMBER_TEXT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_BLANK_TEXT = {"", "-", "n/a", "na", "none", "null", "--"}


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _BLANK_TEXT
    return isinstance(value, float) and math.isnan(value)


def to_text(value: Any) -> str | None:
    """A cell as text; whole numbers lose their ``.0`` (ids typed as numbers)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = " ".join(str(value).split())
    if not text.isprintable():
        # Invisible control characters (a workbook stores them as _x0007_ and
        # python-calamine decodes them) mean nothing in a name or note, and no Excel
        # output can hold them.
        text = " ".join(_CONTROL_CHARACTERS.sub("", text).split())
    return text or None


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def to_number(value: Any) -> float | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("not-a-number", "'{value}' is not a number", {"value": value})
    if isinstance(value, int | float):
        if math.isinf(value):
            raise PydanticCustomError("not-a-number", "the number is infinite")
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    text = text.rstrip("%").lstrip("$£€")
    if _NUMBER_TEXT.match(text) and any(c.isdigit() for c in text):
        return float(text.replace(",", ""))
    raise PydanticCustomError(
        "not-a-number",
        "'{value}' is not a number; type a plain number such as 42.5",
        {"value": value},
    )


_TRUE = {"yes", "y", "true", "t", "1", "key", "x"}
_FALSE = {"no", "n", "false", "f", "0"}


def to_bool(value: Any) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise PydanticCustomError("not-yes-no", "'{value}' is not yes or no", {"value": value})


def normalise_key(text: Any) -> str:
    """Header and sheet names compare case- and whitespace-insensitively."""
    return _normalised(str(text))


@functools.lru_cache(maxsize=8192)  # headers repeat in every file of a batch
def _normalised(text: str) -> str:
    s = _SEPARATORS.sub("_", text.strip().lower())
    return _NOT_WORD.sub("", s).strip("_")


_SEPARATORS = re.compile(r"[\s\-/.]+")
_NOT_WORD = re.compile(r"[^\w]")


def to_date(value: Any) -> dt.date | None:
    """A real date cell, or an unambiguous date typed as text."""
    from cipms_cli.periods import PeriodError, label_of

    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "not-a-date",
            "'{value}' is a number, not a date; format the cell as a date",
            {"value": value},
        )
    try:
        parsed = label_of(str(value))
    except PeriodError as exc:
        raise PydanticCustomError(
            exc.code if exc.code == "ambiguous-date" else "not-a-date", str(exc)
        ) from None
    if parsed.kind != "date" or parsed.day is None:
        raise PydanticCustomError(
            "not-a-date", "'{value}' is not a date; use a date cell or YYYY-MM-DD", {"value": value}
        )
    return parsed.day
