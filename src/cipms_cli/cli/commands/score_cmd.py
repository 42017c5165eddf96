"""cipms score FILE"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cipms_cli.cli import console
from cipms_cli.cli.options import AsOf, Config
from cipms_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from cipms_cli.engine.score import Scorecard
    from cipms_cli.workbook.validate import ValidationReport


class ScoreFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MD = "md"
    XLSX = "xlsx"


def score(
    file: Annotated[str, typer.Argument(help="The workbook to score; - reads stdin.")],
    as_of: AsOf = None,
    fmt: Annotated[
        ScoreFormat | None, typer.Option("--format", "-f", help="text, json, csv, md or xlsx.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    config: Config = None,
) -> None:
    """Baselines, targets, gaps, status, SPC (Making Data Count), forecasts, score and stars."""
    with console.handled():
        from cipms_cli.cli.emit import emit_bytes, emit_text, resolve_format

        chosen = resolve_format(
            fmt.value if fmt else None, output, [f.value for f in ScoreFormat], "text"
        )
        card = build_scorecard(file, as_of, config)
        if chosen == "json":
            from cipms_cli.output.formats import to_json

            emit_text(to_json(card), output, [file])
        elif chosen == "csv":
            from cipms_cli.output.formats import to_csv
            from cipms_cli.output.scorecard import CSV_COLUMNS, scorecard_rows

            emit_text(to_csv(scorecard_rows(card), CSV_COLUMNS), output, [file])
        elif chosen == "md":
            from cipms_cli.output.scorecard import scorecard_markdown

            emit_text(scorecard_markdown(card), output, [file])
        elif chosen == "xlsx":
            from cipms_cli.output.scorecard import scorecard_xlsx

            emit_bytes(scorecard_xlsx(card), output, [file])
        else:
            render_text(card, output, [file])
        raise typer.Exit(ExitCode.OK)


def build_scorecard(file: str, as_of: str | None, config: Path | None) -> Scorecard:
    """Validate, then score; an invalid workbook ends the command with its errors (exit 1)."""
    report = checked_workbook(file)  # first: it reads the file while pandas is imported
    from cipms_cli.engine.score import score_workbook

    data = report.data
    assert data is not None
    settings = merged_settings(data.settings, config)
    return score_workbook(
        data, resolve_as_of(as_of, data, settings.fiscal_year_start_month), settings
    )


def checked_workbook(file: str) -> ValidationReport:
    from cipms_cli.cli.commands.validate_cmd import validated

    [report] = validated([file])
    if not report.readable:
        console.err(f"{report.path}: {report.errors[0].message}")
        raise typer.Exit(ExitCode.UNREADABLE)
    if not report.valid:
        for p in report.errors:
            console.err(f"{p.location}: [{p.code}] {p.message}")
        console.err(
            f"{report.path}: INVALID ({len(report.errors)} errors); fix them and run the command again "
            f"(details: cipms validate {report.path})"
        )
        raise typer.Exit(ExitCode.INVALID)
    return report


def merged_settings(settings: Any, config: Path | None) -> Any:
    if config is None:
        return settings
    from cipms_cli.settings import load_config, nest

    overrides = nest(load_config(config))
    merged = settings.model_dump()
    for section, values in overrides.items():
        if isinstance(values, dict):
            merged.setdefault(section, {}).update(values)
        else:
            merged[section] = values
    return type(settings).model_validate(merged)


def resolve_as_of(as_of: str | None, data: Any, fiscal_start: int) -> Any:
    """The as-of date for the command; a bad --as-of is a usage error."""
    from cipms_cli.errors import UsageError
    from cipms_cli.periods import PeriodError
    from cipms_cli.workbook.as_of import resolve_as_of as resolve

    try:
        return resolve(as_of, data.agency, data.results, fiscal_start)
    except PeriodError as exc:
        raise UsageError(f"--as-of: {exc}") from None


STATUS_MARK = {
    "met": "✔ met",
    "on_track": "↗ on track",
    "at_risk": "! at risk",
    "off_track": "✘ off track",
    "no_target": "· no target",
    "no_data": "? no data",
}
# Short words with an arrow, so the table fits a terminal and colour is never the only signal.
VARIATION_MARK = {
    "common_cause": "common cause",
    "improvement_high": "improving ↑",
    "improvement_low": "improving ↓",
    "concern_high": "concern ↑",
    "concern_low": "concern ↓",
    "neutral_high": "shift ↑",
    "neutral_low": "shift ↓",
}
ASSURANCE_MARK = {
    "consistent_pass": "will pass",
    "consistent_fail": "will fail",
    "inconsistent": "hit and miss",
}
STATUS_STYLE = {"met": "green", "on_track": "green", "at_risk": "yellow", "off_track": "red"}


TEXT_COLUMNS = [
    ("ID", False, False),
    ("Indicator", False, True),
    ("Baseline", True, False),
    ("Latest", True, False),
    ("Target", True, False),
    ("Gap", True, False),
    ("Status", False, False),
    ("Variation", False, False),
    ("Assurance", False, False),
    ("Trend", False, False),
]


def render_text(card: Scorecard, output: Path | None, inputs: list[str]) -> None:
    from rich.console import Console
    from rich.text import Text

    from cipms_cli.cli.text_table import Column, render_table
    from cipms_cli.output.scorecard import spark

    columns = [Column(name, right, wraps, 18) for name, right, wraps in TEXT_COLUMNS]
    with_actions = any(i.actions for i in card.indicators)
    if with_actions:
        columns.append(Column("Open actions", right=True))
    rows = []
    for i in card.indicators:
        status = i.status or "neutral"
        mark = STATUS_MARK.get(status, status.replace("_", " "))
        rows.append(
            [
                i.indicator_id,
                i.name,
                _fmt(i.baseline),
                _fmt(i.latest),
                _fmt(i.target),
                _num(i.gap),
                Text(mark, style=STATUS_STYLE.get(status, "")),
                VARIATION_MARK.get(i.spc.variation or "", "—"),
                ASSURANCE_MARK.get(i.spc.assurance or "", "—"),
                spark(i),
                *([_actions_cell(i.actions)] if with_actions else []),
            ]
        )
    if output is None:
        out = console.stdout_console()
    else:
        import io

        buffer = io.StringIO()
        out = Console(file=buffer, width=160, no_color=True, highlight=False)
    out.print(render_table(_title(card), columns, rows, out.width), soft_wrap=True)
    if card.learners is not None:
        from cipms_cli.cli.commands.learners_cmd import render_lsa

        render_lsa(out, card.learners)
    out.print(Text(_footer(card)))
    if output is not None:
        from cipms_cli.cli.emit import emit_text

        emit_text(buffer.getvalue(), output, inputs)


def _title(card: Scorecard) -> str:
    name = card.agency.get("agency_name") or card.path
    return f"{name} — as of {card.as_of or 'latest'}"


def _footer(card: Scorecard) -> str:
    s = card.summary
    counts = ", ".join(
        f"{k.replace('_', ' ')} {v}" for k, v in sorted(s["counts"]["status"].items())
    )
    score = "—" if s["score"] is None else f"{s['score']:.1f} / 10"
    stars = (
        "—"
        if s["stars"] is None
        else "★" * s["stars"] + "☆" * (3 - s["stars"]) + f" ({s['stars']} of 3)"
    )
    if not counts:
        counts = "no indicators to score yet; add them on the Indicators sheet"
    lines = [f"Status: {counts}", f"Score {score}   Stars {stars}"]
    if s["key_failures"]:
        lines.append(
            f"Stars capped: key indicator(s) {', '.join(s['key_failures'])} below minimum standard"
        )
    return "\n".join(lines)


def _actions_cell(actions: list[dict[str, Any]]) -> str:
    overdue = sum(1 for a in actions if a["overdue"])
    if not actions:
        return "—"
    return f"{len(actions)} ({overdue} overdue)" if overdue else str(len(actions))


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def _fmt(point: dict[str, Any]) -> str:
    return _num(point.get("value"))
