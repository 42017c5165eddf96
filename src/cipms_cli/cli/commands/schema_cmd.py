"""cipms schema"""

from __future__ import annotations

import typer

from cipms_cli.cli import console


def schema() -> None:
    """Print the workbook contract as JSON Schema (one definition per sheet)."""
    with console.handled():
        from cipms_cli.output.formats import to_json
        from cipms_cli.workbook.schema import workbook_json_schema

        typer.echo(to_json(workbook_json_schema()), nl=False)
