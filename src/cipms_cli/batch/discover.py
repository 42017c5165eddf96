"""Turn the command's PATH arguments into the sorted list of files to read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from cipms_cli.errors import UsageError

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
STDIN = "-"


def discover(paths: Sequence[str], stdin_lines: Iterable[str] | None = None) -> list[str]:
    """Files named by ``paths``: files as given, folders searched recursively, ``-`` read
    from ``stdin_lines`` (one path per line). Sorted and without repeats.

    A named file is kept whatever its extension (so that a mistake is reported, not
    skipped); inside folders only spreadsheets count, and Office lock files (``~$…``)
    and hidden files or folders are skipped. A path that does not exist is kept: it
    is reported as unreadable like any other file that cannot be opened.
    """
    if list(paths).count(STDIN) > 1:
        raise UsageError("stdin (-) can be read only once")
    named = _expand_stdin(paths, stdin_lines)
    if not named:
        raise UsageError("no paths given; name files or folders, or - to read a list from stdin")
    found: dict[str, str] = {}
    for path in named:
        for file in _files_under(path):
            found.setdefault(_identity(file), file)
    if not found:
        raise UsageError(
            f"no spreadsheets ({', '.join(SPREADSHEET_SUFFIXES)}) found in {', '.join(named)}"
        )
    return sorted(found.values())


def _expand_stdin(paths: Sequence[str], stdin_lines: Iterable[str] | None) -> list[str]:
    named: list[str] = []
    for path in paths:
        if path != STDIN:
            named.append(path)
            continue
        if stdin_lines is None:
            raise UsageError("- reads a list of paths from stdin, but there is no stdin")
        named.extend(line.strip() for line in stdin_lines if line.strip())
    return named


def _files_under(path: str) -> list[str]:
    if not os.path.isdir(path):
        return [path]
    files: list[str] = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(os.path.join(root, n) for n in sorted(names) if is_spreadsheet_name(n))
    return files


def is_spreadsheet_name(name: str) -> bool:
    if name.startswith((".", "~$")):
        return False
    return name.lower().endswith(SPREADSHEET_SUFFIXES)


def _identity(path: str) -> str:
    """The same file named twice (``a/x.xlsx`` and ``./a/x.xlsx``) is read once."""
    try:
        return str(Path(path).resolve())
    except OSError:
        return path
