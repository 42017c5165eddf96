"""cipms learners FILE"""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cipms_cli.cli import console
from cipms_cli.cli.options import Config
from cipms_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from rich.console import Console


class LearnersFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MD = "md"


class PeriodChoice(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


def learners(
    file: Annotated[str, typer.Argument(help="The workbook with learner sheets; - reads stdin.")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Use records up to this date or period (e.g. 2025-Q2)."),
    ] = None,
    fmt: Annotated[
        LearnersFormat | None, typer.Option("--format", "-f", help="text, json, csv or md.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    period: Annotated[
        PeriodChoice | None,
        typer.Option(
            "--period",
            help="monthly, quarterly or annual (fiscal years); default: the frequency of the "
            "workbook's learner indicators, else quarterly.",
        ),
    ] = None,
    per_learner: Annotated[
        bool,
        typer.Option(
            "--learners",
            help="Add one row per learner (pseudonymous codes). Off by default for privacy.",
        ),
    ] = False,
    config: Config = None,
) -> None:
    """Learner Skill Attainment: learners served, skill gains, Learner Progress, goal paths.

    Figures for fewer than privacy.small_n learners (5) show as <5 in text and Markdown.
    Exit 0 ok, 1 invalid or no learner sheets, 2 usage, 3 unreadable.
    """
    with console.handled():
        from cipms_cli.cli.commands.score_cmd import (
            checked_workbook,
            merged_settings,
            resolve_as_of,
        )
        from cipms_cli.cli.emit import emit_text, resolve_format

        chosen = resolve_format(
            fmt.value if fmt else None, output, [f.value for f in LearnersFormat], "text"
        )
        data = checked_workbook(file).data  # first: it reads the file while pandas is imported
        from cipms_cli.engine import lsa
        from cipms_cli.output import learners as views
        from cipms_cli.periods import Frequency

        assert data is not None
        if data.learners is None:
            console.err(
                f"{file}: no Learners sheet; add Learners (and Assessments, Milestones) "
                "sheets, see docs/learners.md"
            )
            raise typer.Exit(ExitCode.INVALID)
        settings = merged_settings(data.settings, config)
        cutoff = resolve_as_of(as_of, data, settings.fiscal_year_start_month)
        frequency = Frequency(period.value) if period else lsa.default_frequency(data.indicators)
        summary = lsa.lsa_summary(data.learners, cutoff, settings)
        periods = lsa.lsa_periods(data.learners, frequency, cutoff, settings)
        rows = lsa.learner_rows(data.learners, cutoff, settings) if per_learner else None
        if chosen == "json":
            from cipms_cli.output.formats import to_json

            document = views.learners_document(data.path, frequency.value, summary, periods, rows)
            emit_text(to_json(document), output, [file])
        elif chosen == "csv":
            from cipms_cli.output.formats import to_csv

            if rows is not None:
                emit_text(to_csv(rows, views.learner_columns(rows)), output, [file])
            else:
                table = views.period_rows(summary, periods)
                emit_text(to_csv(table, views.CSV_COLUMNS), output, [file])
        elif chosen == "md":
            text = views.learners_markdown(data.path, frequency.value, summary, periods, rows)
            emit_text(text, output, [file])
        else:
            _render_text(summary, periods, rows, output, [file])
        raise typer.Exit(ExitCode.OK)


def _render_text(
    summary: dict[str, Any],
    periods: list[dict[str, Any]],
    rows: list[dict[str, Any]] | None,
    output: Path | None,
    inputs: list[str],
) -> None:
    from rich.console import Console

    from cipms_cli.output.learners import PERIOD_COLUMNS, periods_view

    buffer = io.StringIO()
    out = (
        console.stdout_console()
        if output is None
        else Console(file=buffer, width=160, no_color=True, highlight=False)
    )
    render_lsa(out, summary)
    if periods:
        out.print()
        out.print(
            _table(
                "By period (all learners)",
                PERIOD_COLUMNS,
                periods_view(periods, summary["small_n_threshold"], counts=False),
            )
        )
    if rows is not None:
        out.print()
        out.print(_learner_table(rows))
    if output is not None:
        from cipms_cli.cli.emit import emit_text

        emit_text(buffer.getvalue(), output, inputs)


def render_lsa(out: Console, summary: dict[str, Any]) -> None:
    """The Learner Skill Attainment section, for `cipms learners` and `cipms score`."""
    from rich.markup import escape

    from cipms_cli.output.learners import DOMAIN_COLUMNS, GROUP_COLUMNS, summary_view

    view = summary_view(summary, counts=False)
    title = f"Learner Skill Attainment — {view['window']}"
    if not view["groups"]:
        out.print(escape(title))
        return
    out.print(_table(title, GROUP_COLUMNS, view["groups"]))
    if view["domains"]:
        out.print()
        out.print(
            _table(
                f"Skill gains (increments from {view['levels_from']})",
                DOMAIN_COLUMNS,
                view["domains"],
            )
        )
    threshold = view["threshold"]
    out.print(
        escape(
            f"Gained: at least one increment, of those assessed twice. Progress: completed a "
            f"milestone. Completed: culminating task, of those who left. Days: median from "
            f"start to first milestone. Cells for fewer than {threshold} learners show "
            f"<{threshold}."
        )
    )


def _table(title: str, columns: list[tuple[str, str]], rows: list[dict[str, str]]) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from cipms_cli.output.learners import SHORT_TITLES

    table = Table(
        title=escape(title),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
    )
    for i, (key, heading) in enumerate(columns):
        shown = SHORT_TITLES.get(key, heading)
        table.add_column(
            shown, justify="left" if i == 0 else "right", no_wrap=i == 0, min_width=len(shown)
        )
    for row in rows:
        table.add_row(*(escape(row[key]) for key, _ in columns))
    return table


def _learner_table(rows: list[dict[str, Any]]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Learners (pseudonymous codes)", title_justify="left")
    columns = list(rows[0]) if rows else []
    for name in columns:
        table.add_column(name.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(escape(_shown(row[c])) for c in columns))
    return table


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
