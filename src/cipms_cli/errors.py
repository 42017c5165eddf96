"""Exceptions the library raises; the CLI maps them to one line and an exit code."""

from __future__ import annotations


class CipmsError(Exception):
    """Base class. ``code`` is a stable kebab-case identifier."""

    code = "cipms-error"

    def __init__(self, message: str, *, code: str | None = None, path: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class UnreadableInput(CipmsError):
    """The input could not be read at all (exit 3)."""

    code = "unreadable"


class UsageError(CipmsError):
    """The command was called with options that cannot work together (exit 2)."""

    code = "usage"


class OutputError(CipmsError):
    """An output could not be written (exit 2 for a bad path, the data is untouched)."""

    code = "output"


class TemplateError(CipmsError):
    """A user template is unsafe or failed to render (exit 1)."""

    code = "template"


def is_failure(exc: BaseException) -> bool:
    """An error, not an interrupt or an exit. pyo3 turns a panic in a Rust library's code
    (python-calamine panics on a date-formatted cell far out of range) into a
    PanicException, a BaseException that ``except Exception`` lets through."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"
