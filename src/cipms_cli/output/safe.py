"""Keep user-typed strings inert in every output format.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
can become a formula in a spreadsheet (CSV/formula injection, OWASP).
"""

from __future__ import annotations

import html
import re
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value: Any) -> Any:
    """OWASP: prefix a single quote so spreadsheet programs show the text, not run it."""
    if looks_like_formula(value):
        return "'" + value
    return value


def markdown_cell(value: Any) -> str:
    """Text for a GitHub-flavoured Markdown table cell."""
    if value is None:
        return ""
    text = html.escape(str(value), quote=False)
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def xlsx_text(cell: Any, value: Any) -> None:
    """Set an openpyxl cell so that a formula-looking string stays literal text."""
    cell.value = xlsx_value(value)
    if looks_like_formula(value):
        cell.data_type = "s"


# The control characters XML 1.0 cannot hold, which openpyxl refuses with an error.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_value(value: Any) -> Any:
    """A value an Excel cell can hold: a control character in text (a file name, or a
    raw cell quoted in a problem) becomes U+FFFD, visibly, instead of failing the file."""
    if isinstance(value, str) and not value.isprintable():
        return _NOT_IN_XML.sub("\ufffd", value)
    return value
