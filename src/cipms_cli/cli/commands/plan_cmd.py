"""cipms plan FILE: the improvement plan and its action-plan template."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cipms_cli.cli import console
from cipms_cli.cli.options import AsOf, Config
from cipms_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from collections.abc import Sequence

SUFFIXES = {".md": "md", ".markdown": "md", ".xlsx": "xlsx"}
MAX_PRIORITIES = 20


def plan(
    file: Annotated[
        str | None,
        typer.Argument(help="The workbook to plan from; - reads stdin. Not used with --blank."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="plan.md or plan.xlsx; Markdown goes to stdout without it."
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="md or xlsx (default: from -o, else md).")
    ] = None,
    model: Annotated[
        str,
        typer.Option("--model", help="rba (Results-Based Accountability), leap or future-basing."),
    ] = "rba",
    priorities: Annotated[
        int, typer.Option("--priorities", help="How many priority areas (1 to 20).")
    ] = 3,
    as_of: AsOf = None,
    config: Config = None,
    blank: Annotated[
        bool,
        typer.Option("--blank", help="Write the empty action-plan template (xlsx); needs no FILE."),
    ] = False,
) -> None:
    """The improvement plan: a few priorities chosen on evidence, SMART checks, the model's
    prompts and the actions to fill in."""
    with console.handled():
        from cipms_cli.cli.emit import emit_bytes, emit_text
        from cipms_cli.errors import UsageError

        if blank:
            _write_blank(file, fmt, output)
            raise typer.Exit(ExitCode.OK)
        if file is None:
            raise UsageError("give the workbook FILE, or --blank for an empty action plan")
        from cipms_cli.reports.models import planning_model

        planning_model(model)
        if not 1 <= priorities <= MAX_PRIORITIES:
            raise UsageError(f"--priorities must be between 1 and {MAX_PRIORITIES}")
        chosen = output_format(fmt, output)
        context = build_report_context(file, as_of, config, model, priorities)
        if chosen == "md":
            from cipms_cli.reports.templates import render_shipped

            emit_text(render_shipped("plan.md.j2", context), output, [file])
        else:
            from cipms_cli.reports.plan_xlsx import plan_xlsx

            emit_bytes(plan_xlsx(context), output, [file])
        raise typer.Exit(ExitCode.OK)


def _write_blank(file: str | None, fmt: str | None, output: Path | None) -> None:
    from cipms_cli.cli.emit import emit_bytes
    from cipms_cli.errors import UsageError
    from cipms_cli.reports.actions_xlsx import blank_action_plan

    if file is not None:
        raise UsageError("--blank writes an empty action plan and takes no FILE")
    if output_format(fmt or "xlsx", output, ("xlsx",)) != "xlsx":
        raise UsageError("--blank writes xlsx only")
    emit_bytes(blank_action_plan(), output, [])
    if output is not None:
        console.err(
            f"wrote the blank action plan {output}; fill in the Actions sheet, then copy it "
            "into the workbook"
        )


def output_format(
    fmt: str | None, output: Path | None, allowed: Sequence[str] = ("md", "xlsx")
) -> str:
    """md or xlsx, from --format or the -o extension; anything else is a usage error."""
    from cipms_cli.errors import UsageError

    if fmt is not None and fmt not in allowed:
        raise UsageError(f"--format must be {' or '.join(allowed)}, not '{fmt}'")
    by_suffix = None
    if output is not None:
        by_suffix = SUFFIXES.get(output.suffix.lower())
        if by_suffix not in allowed:
            names = " or ".join(f".{a}" for a in allowed)
            raise UsageError(f"-o {output}: the file name must end in {names}")
    if fmt is not None and by_suffix is not None and fmt != by_suffix:
        raise UsageError(
            f"-o {output} is a .{by_suffix} name but --format is {fmt}; make them agree"
        )
    return fmt or by_suffix or allowed[0]


def build_report_context(
    file: str,
    as_of: str | None,
    config: Path | None,
    model: str = "rba",
    priorities: int = 3,
) -> dict[str, Any]:
    """Validate (exit 1 with the errors if invalid), score, and build the report context."""
    from cipms_cli.cli.commands.score_cmd import checked_workbook, merged_settings, resolve_as_of

    data = checked_workbook(file).data  # first: it reads the file while pandas is imported
    from cipms_cli.engine.score import score_workbook
    from cipms_cli.reports.context import build_context

    assert data is not None
    settings = merged_settings(data.settings, config)
    card = score_workbook(
        data, resolve_as_of(as_of, data, settings.fiscal_year_start_month), settings
    )
    return build_context(card, data, settings, model, priorities)
