"""Small conversions of values that every layer shares."""

from __future__ import annotations

import math
from typing import Any


def optional_float(value: Any) -> float | None:
    """A number as a float, or None for blanks, NaN and anything that is not a number."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def yes_no(flag: bool | None) -> str | None:
    """True/False as the words a spreadsheet reader expects; None stays blank."""
    return None if flag is None else ("yes" if flag else "no")
