"""cipms validate FILE..."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cipms_cli.cli import console
from cipms_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from cipms_cli.workbook.validate import ValidationReport


class ValidateFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


def validate(
    files: Annotated[
        list[str], typer.Argument(help="Workbooks to check (.xlsx .xlsm .xls .ods); - reads stdin.")
    ],
    fmt: Annotated[
        ValidateFormat | None, typer.Option("--format", "-f", help="text (default), json or csv.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary line.")] = False,
) -> None:
    """Check workbooks against the workbook contract and list every problem with its cell.

    Exit 0 valid (warnings allowed), 1 invalid, 3 a file could not be read, 2 usage.
    """
    with console.handled():
        from cipms_cli.cli.emit import emit_text, resolve_format

        chosen = resolve_format(fmt.value if fmt else None, output, ["text", "json", "csv"], "text")
        if files.count("-") > 1:
            from cipms_cli.errors import UsageError

            raise UsageError("stdin (-) can be read only once")
        reports = validated(files)
        if chosen == "json":
            from cipms_cli.output.formats import to_json
            from cipms_cli.output.validation import validation_document

            emit_text(to_json(validation_document(reports)), output, files)
        elif chosen == "csv":
            from cipms_cli.output.formats import to_csv
            from cipms_cli.output.validation import CSV_COLUMNS, validation_rows

            emit_text(to_csv(validation_rows(reports), CSV_COLUMNS), output, files)
        elif not quiet:
            _render_text(reports, output, files)
        _summarise(reports)
        raise typer.Exit(exit_code(reports))


def validated(files: list[str]) -> list[ValidationReport]:
    """Each file's report. The first file is parsed in a background thread while pandas and
    pydantic are imported, and each next file while the one before is checked
    (python-calamine releases the GIL while it parses)."""
    from cipms_cli.gcpause import paused_gc
    from cipms_cli.workbook.reader import read_ahead

    if not files:
        return []
    with paused_gc():  # the parse makes millions of cells; the collector would walk them
        opened = read_ahead(files[0])
        from cipms_cli.workbook.validate import validate_source

    reports = []
    for i, file in enumerate(files):
        following = read_ahead(files[i + 1]) if i + 1 < len(files) else None
        reports.append(validate_source(file, opened))
        opened = following
    return reports


def exit_code(reports: list[ValidationReport]) -> ExitCode:
    if any(not r.readable for r in reports):
        return ExitCode.UNREADABLE
    if any(not r.valid for r in reports):
        return ExitCode.INVALID
    return ExitCode.OK


def _summarise(reports: list[ValidationReport]) -> None:
    for r in reports:
        if not r.readable:
            console.err(f"{r.path}: unreadable: {r.errors[0].message}")
        else:
            verdict = "valid" if r.valid else "INVALID"
            console.err(
                f"{r.path}: {verdict} ({plural(len(r.errors), 'error')}, {plural(len(r.warnings), 'warning')})"
            )


def _render_text(reports: list[ValidationReport], output: Path | None, inputs: list[str]) -> None:
    from cipms_cli.cli.emit import emit_text

    if output is None and console.stdout_is_terminal():
        _render_rich(reports)
        return
    lines = []
    for report in reports:
        for p in report.problems:
            where = p.location
            value = "" if p.value in (None, "") else f" (value: {shown(p.value)})"
            lines.append(f"{where}: {p.severity.value} [{p.code}] {p.message}{value}")
    emit_text("\n".join(lines) + ("\n" if lines else ""), output, inputs)


def _render_rich(reports: list[ValidationReport]) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console.stdout_console()
    for report in reports:
        if not report.problems:
            continue
        table = Table(title=escape(report.path), title_justify="left", show_lines=False)
        for name in ("severity", "sheet", "cell", "column", "code", "message", "value"):
            table.add_column(name, overflow="fold")
        for p in report.problems:
            style = "red" if p.severity.value == "error" else "yellow"
            table.add_row(
                f"[{style}]{p.severity.value.upper()}[/]",
                escape(p.sheet or ""),
                p.cell or (f"row {p.row}" if p.row else ""),
                escape(p.column or ""),
                p.code,
                escape(p.message),
                "" if p.value in (None, "") else escape(shown(p.value)),
            )
        out.print(table)


def shown(value: object) -> str:
    """A cell value as the user typed it: 4 rather than 4.0, text quoted."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value)
    return str(value)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
