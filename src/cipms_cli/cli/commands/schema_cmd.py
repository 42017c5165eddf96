"""cipms schema"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cipms_cli.cli import console


class SchemaFormat(StrEnum):
    JSON = "json"
    MD = "md"


def schema(
    fmt: Annotated[
        SchemaFormat, typer.Option("--format", "-f", help="json (JSON Schema) or md (tables).")
    ] = SchemaFormat.JSON,
) -> None:
    """Print the workbook contract: JSON Schema, or Markdown tables of sheets and columns."""
    with console.handled():
        if fmt is SchemaFormat.MD:
            from cipms_cli.workbook.schema import workbook_markdown

            typer.echo(workbook_markdown(), nl=False)
            return
        from cipms_cli.output.formats import to_json
        from cipms_cli.workbook.schema import workbook_json_schema

        typer.echo(to_json(workbook_json_schema()), nl=False)
