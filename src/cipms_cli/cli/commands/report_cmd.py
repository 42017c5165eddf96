"""cipms report FILE: the scrutiny report for a board, or a user's own template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cipms_cli.cli import console
from cipms_cli.cli.options import AsOf, Config
from cipms_cli.exit_codes import ExitCode


def report(
    file: Annotated[str, typer.Argument(help="The workbook to report on; - reads stdin.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="scrutiny.md or scrutiny.xlsx; Markdown goes to stdout without it.",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="md or xlsx (default: from -o, else md).")
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            help="Render this Jinja template (sandboxed) against the report context instead; "
            "see docs/report-context.md.",
        ),
    ] = None,
    as_of: AsOf = None,
    config: Config = None,
) -> None:
    """The scrutiny report: headline, what needs attention, each outcome and indicator with
    its chart reading and the questions to ask, and what else we need to know."""
    with console.handled():
        from cipms_cli.cli.commands.plan_cmd import build_report_context, output_format
        from cipms_cli.cli.emit import emit_bytes, emit_text

        if template is not None:
            _check_template_options(template, fmt, output)
            from cipms_cli.reports.sandbox import render_user_template

            context = build_report_context(file, as_of, config)
            text = render_user_template(template, context)
            emit_text(text, output, [file, str(template)])
            raise typer.Exit(ExitCode.OK)
        chosen = output_format(fmt, output)
        context = build_report_context(file, as_of, config)
        if chosen == "md":
            from cipms_cli.reports.templates import render_shipped

            emit_text(render_shipped("scrutiny.md.j2", context), output, [file])
        else:
            from cipms_cli.reports.scrutiny_xlsx import scrutiny_xlsx

            emit_bytes(scrutiny_xlsx(context), output, [file])
        raise typer.Exit(ExitCode.OK)


def _check_template_options(template: Path, fmt: str | None, output: Path | None) -> None:
    from cipms_cli.errors import UsageError

    if fmt is not None:
        raise UsageError("--format does not apply to --template: the template decides the format")
    if output is not None and output.suffix.lower() == ".xlsx":
        raise UsageError(f"-o {output}: a template writes text, not an xlsx workbook")
    if not template.is_file():
        raise UsageError(f"--template {template} does not exist or is not a file")
