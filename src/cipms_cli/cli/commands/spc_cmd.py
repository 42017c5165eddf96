"""cipms spc FILE"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cipms_cli.cli import console
from cipms_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from cipms_cli.engine.spc import SpcResult
    from cipms_cli.workbook.series_file import SeriesInput


class SpcFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


class DirectionChoice(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


POINT_COLUMNS = ["period", "value", "mean", "lpl", "upl", "point_type", "rule"]


def spc(
    file: Annotated[
        str,
        typer.Argument(
            help="A two-column series (period, value): CSV or spreadsheet; - reads stdin."
        ),
    ],
    direction: Annotated[
        DirectionChoice, typer.Option("--direction", "-d", help="Which way is better.")
    ] = DirectionChoice.NEUTRAL,
    target: Annotated[
        float | None, typer.Option("--target", help="Target, for the assurance icon.")
    ] = None,
    rebase: Annotated[
        list[str] | None,
        typer.Option("--rebase", help="Period where a process change began (repeatable)."),
    ] = None,
    fix_after: Annotated[
        int | None, typer.Option("--fix-after", help="Fix limits after the first N (>= 12) points.")
    ] = None,
    fmt: Annotated[
        SpcFormat | None, typer.Option("--format", "-f", help="text, json or csv.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """A Making Data Count (XmR) reading of any series: limits, special causes, icons."""
    with console.handled():
        from cipms_cli.cli.emit import emit_text, resolve_format
        from cipms_cli.engine.spc import xmr
        from cipms_cli.errors import UsageError
        from cipms_cli.workbook.series_file import SeriesError, read_series

        chosen = resolve_format(fmt.value if fmt else None, output, ["text", "json", "csv"], "text")
        if fix_after is not None and fix_after < 12:
            raise UsageError("--fix-after must be 12 or more")
        try:
            series = read_series(file)
        except SeriesError as exc:
            console.err(str(exc))
            raise typer.Exit(ExitCode.INVALID) from None
        positions = rebase_positions(series, rebase or [])
        result = xmr(series.values, direction.value, target, positions, fix_after)
        if chosen == "json":
            from cipms_cli.output.formats import to_json

            emit_text(
                to_json(spc_document(series, result, direction.value, target)), output, [file]
            )
        elif chosen == "csv":
            from cipms_cli.output.formats import to_csv

            emit_text(to_csv(point_rows(series, result), POINT_COLUMNS), output, [file])
        else:
            emit_text(spc_text(series, result, direction.value, target), output, [file])
        raise typer.Exit(ExitCode.OK)


def rebase_positions(series: SeriesInput, rebase: list[str]) -> list[int]:
    from cipms_cli.errors import UsageError
    from cipms_cli.periods import PeriodError, conform, label_of

    positions = []
    for wanted in rebase:
        match = [i for i, label in enumerate(series.labels) if label == wanted.strip()]
        if not match and series.periods:
            try:
                period = conform(label_of(wanted), series.periods[0].frequency)
                match = [i for i, p in enumerate(series.periods) if p == period]
            except PeriodError:
                match = []
        if not match:
            raise UsageError(f"--rebase {wanted}: no such period in the series")
        positions.append(match[0])
    return sorted(positions)


def point_rows(series: SeriesInput, result: SpcResult) -> list[dict[str, Any]]:
    return [
        {
            "period": series.labels[p.position],
            "value": p.value,
            "mean": p.mean,
            "lpl": p.lpl,
            "upl": p.upl,
            "point_type": p.point_type,
            "rule": p.rule,
        }
        for p in result.points
    ]


def spc_document(
    series: SeriesInput, result: SpcResult, direction: str, target: float | None
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "direction": direction,
        "target": target,
        "mean": result.mean,
        "lpl": result.lpl,
        "upl": result.upl,
        "variation": result.variation,
        "assurance": result.assurance,
        "trial_limits": result.trial_limits,
        "points": point_rows(series, result),
    }


def spc_text(series: SeriesInput, result: SpcResult, direction: str, target: float | None) -> str:
    from cipms_cli.reports.phrases import describe_variation

    def num(v: float | None) -> str:
        return "—" if v is None else f"{v:,.3f}"

    lines = [
        f"{'period':<12} {'value':>12} {'mean':>12} {'lpl':>12} {'upl':>12}  point type (rule)"
    ]
    for row in point_rows(series, result):
        kind = (row["point_type"] or "—").replace("_", " ")
        rule = f" ({row['rule'].replace('_', ' ')})" if row["rule"] else ""
        lines.append(
            f"{row['period']:<12} {num(row['value']):>12} {num(row['mean']):>12} "
            f"{num(row['lpl']):>12} {num(row['upl']):>12}  {kind}{rule}"
        )
    lines.append("")
    lines.append(f"mean {num(result.mean)}   limits {num(result.lpl)} to {num(result.upl)}")
    trial = " (trial limits: fewer than 13 points)" if result.trial_limits else ""
    lines.append(f"variation: {(result.variation or '—').replace('_', ' ')}{trial}")
    if target is not None:
        lines.append(
            f"assurance against target {target:g}: {(result.assurance or '—').replace('_', ' ')}"
        )
    lines.append(describe_variation(result.variation, direction))
    return "\n".join(lines) + "\n"
