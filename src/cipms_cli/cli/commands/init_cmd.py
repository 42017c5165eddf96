"""cipms init PATH"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cipms_cli.cli import console
from cipms_cli.exit_codes import ExitCode


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the new workbook (.xlsx).")],
    example: Annotated[
        bool, typer.Option("--example", help="Write the filled-in sample agency workbook instead.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a blank workbook (or the sample) with every sheet, dropdowns and instructions."""
    with console.handled():
        from cipms_cli.errors import UsageError
        from cipms_cli.output.atomic import write_bytes
        from cipms_cli.output.xlsx_file import workbook_bytes

        if path.suffix.lower() != ".xlsx":
            raise UsageError(f"{path}: the workbook name must end in .xlsx")
        if path.exists() and not force:
            raise UsageError(f"{path} already exists; choose another name or add --force")
        if example:
            from cipms_cli.sample import build_sample_workbook

            wb = build_sample_workbook()
        else:
            from cipms_cli.workbook.blank import build_blank_workbook

            wb = build_blank_workbook()
        write_bytes(path, workbook_bytes(wb))
        kind = "sample" if example else "blank"
        console.err(f"wrote {kind} workbook {path}; next: cipms validate {path}")
        raise typer.Exit(ExitCode.OK)
