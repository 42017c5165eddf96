"""Learner Skill Attainment figures for people: display views, CSV rows, Markdown, Excel.

The privacy rule lives here, once. In every view meant for reading (text, Markdown,
Excel) a breakdown cell (a goal path, a domain) that rests on fewer than
``privacy.small_n`` learners shows ``<5`` instead of its figure. The agency's own
totals are shown as they are. JSON and CSV carry the counts with a ``small_n`` flag.
"""

from __future__ import annotations

from typing import Any

ALL_LABEL = "All learners"
GROUP_COLUMNS = [
    ("label", "Goal path"),
    ("served", "Served"),
    ("assessed", "Assessed"),
    ("pct_with_gain", "With a gain"),
    ("learner_progress", "Learner Progress"),
    ("goal_path_completion", "Goal path completion"),
    ("median_days", "Median days to 1st milestone"),
]
DOMAIN_COLUMNS = [
    ("domain", "Domain"),
    ("n", "Assessed twice"),
    ("median_gain", "Median gain"),
    ("mean_gain", "Mean gain"),
    ("pct_with_gain", "With ≥1 increment"),
]
PERIOD_COLUMNS = [("label", "Period"), *GROUP_COLUMNS[1:]]
# Narrower headings for an 80-column terminal.
SHORT_TITLES = {
    "served": "Served",
    "assessed": "Assessed",
    "pct_with_gain": "Gained",
    "learner_progress": "Progress",
    "goal_path_completion": "Completed",
    "median_days": "Days",
    "n": "Twice",
    "median_gain": "Median",
    "mean_gain": "Mean",
}


# --- display views ----------------------------------------------------------------------------


def _small(threshold: int) -> str:
    return f"<{threshold}"


def _count(value: int, threshold: int, suppress: bool) -> str:
    return _small(threshold) if suppress and value < threshold else f"{value:,}"


def _percent(share: dict[str, Any], threshold: int, suppress: bool, counts: bool) -> str:
    if share["value"] is None:
        return "—"
    if suppress and share["small_n"]:
        return _small(threshold)
    text = f"{share['value']:.1f}%"
    return f"{text} ({share['numerator']}/{share['denominator']})" if counts else text


def _gain(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def group_row(
    label: str, block: dict[str, Any], threshold: int, suppress: bool, counts: bool = True
) -> dict[str, str]:
    """One line of figures; ``suppress`` for a breakdown (goal path), not for totals."""
    days = block["median_days_to_first_milestone"]
    if days["value"] is None:
        days_text = "—"
    elif suppress and days["small_n"]:
        days_text = _small(threshold)
    else:
        days_text = f"{days['value']:.0f}"
    counts = counts and not suppress
    return {
        "label": label,
        "served": _count(block["served"], threshold, suppress),
        "assessed": _count(block["assessed"], threshold, suppress),
        "pct_with_gain": _percent(block["pct_with_gain"], threshold, suppress, counts),
        "learner_progress": _percent(block["learner_progress"], threshold, suppress, counts),
        "goal_path_completion": _percent(
            block["goal_path_completion"], threshold, suppress, counts
        ),
        "median_days": days_text,
    }


def domain_row(domain: dict[str, Any], threshold: int) -> dict[str, str]:
    """A domain is a breakdown: under the threshold, every figure shows <N."""
    if domain["small_n"]:
        small = _small(threshold)
        return {
            "domain": domain["domain"],
            "n": small,
            "median_gain": small,
            "mean_gain": small,
            "pct_with_gain": small,
        }
    pct = domain["pct_with_gain"]
    return {
        "domain": domain["domain"],
        "n": f"{domain['n']:,}",
        "median_gain": _gain(domain["median_gain"]),
        "mean_gain": _gain(domain["mean_gain"]),
        "pct_with_gain": "—" if pct is None else f"{pct:.1f}%",
    }


def window_text(window: dict[str, Any] | None) -> str:
    if window is None:
        return "no learner records"
    to_date = "" if window["complete"] else ", to date"
    return f"{window['period']} ({window['start']} to {window['end']}{to_date})"


def summary_view(summary: dict[str, Any], counts: bool = True) -> dict[str, Any]:
    """Display strings for the summary, with the small-number rule applied."""
    threshold = summary["small_n_threshold"]
    if summary.get("window") is None:
        return {"window": window_text(None), "groups": [], "domains": [], "threshold": threshold}
    groups = [group_row(ALL_LABEL, summary, threshold, suppress=False, counts=counts)]
    groups += [
        group_row(p["goal_path"], p, threshold, suppress=True) for p in summary["by_goal_path"]
    ]
    return {
        "window": window_text(summary["window"]),
        "as_of": summary["as_of"],
        "levels_from": summary["levels_from"],
        "threshold": threshold,
        "groups": groups,
        "domains": [domain_row(d, threshold) for d in summary["domains"]],
        "milestones_completed": f"{summary['milestones_completed']:,}",
    }


def periods_view(
    periods: list[dict[str, Any]], threshold: int, counts: bool = True
) -> list[dict[str, str]]:
    """One line per period, for every learner (totals, so nothing is suppressed)."""
    return [group_row(p["period"], p, threshold, suppress=False, counts=counts) for p in periods]


# --- JSON and CSV --------------------------------------------------------------------------------

SCHEMA_VERSION = 1
CSV_COLUMNS = [
    "period",
    "start",
    "end",
    "complete",
    "goal_path",
    "served",
    "assessed",
    "with_gain",
    "pct_with_gain",
    "learners_progressed",
    "learner_progress",
    "exited",
    "completed_goal_path",
    "goal_path_completion",
    "first_milestones",
    "median_days_to_first_milestone",
    "milestones_completed",
    "reading_n",
    "reading_median_gain",
    "reading_mean_gain",
    "reading_pct_with_gain",
    "document_use_n",
    "document_use_median_gain",
    "document_use_mean_gain",
    "document_use_pct_with_gain",
    "numeracy_n",
    "numeracy_median_gain",
    "numeracy_mean_gain",
    "numeracy_pct_with_gain",
    "small_n",
]


def learners_document(
    path: str,
    frequency: str,
    summary: dict[str, Any],
    periods: list[dict[str, Any]],
    learners: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    document = {
        "schema_version": SCHEMA_VERSION,
        "path": path,
        "frequency": frequency,
        "summary": summary,
        "periods": periods,
    }
    if learners is not None:
        document["learners"] = learners
    return document


def _csv_row(window: dict[str, Any], label: str, block: dict[str, Any], threshold: int) -> dict:
    row: dict[str, Any] = {
        "period": window["period"],
        "start": window["start"],
        "end": window["end"],
        "complete": window["complete"],
        "goal_path": label,
        "served": block["served"],
        "assessed": block["assessed"],
        "with_gain": block["pct_with_gain"]["numerator"],
        "pct_with_gain": block["pct_with_gain"]["value"],
        "learners_progressed": block["learner_progress"]["numerator"],
        "learner_progress": block["learner_progress"]["value"],
        "exited": block["goal_path_completion"]["denominator"],
        "completed_goal_path": block["goal_path_completion"]["numerator"],
        "goal_path_completion": block["goal_path_completion"]["value"],
        "first_milestones": block["median_days_to_first_milestone"]["n"],
        "median_days_to_first_milestone": block["median_days_to_first_milestone"]["value"],
        "milestones_completed": block["milestones_completed"],
        "small_n": block["served"] < threshold,
    }
    for d in block["domains"]:
        key = d["domain"].lower().replace(" ", "_")
        row[f"{key}_n"] = d["n"]
        row[f"{key}_median_gain"] = d["median_gain"]
        row[f"{key}_mean_gain"] = d["mean_gain"]
        row[f"{key}_pct_with_gain"] = d["pct_with_gain"]
    return row


def period_rows(summary: dict[str, Any], periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSV rows: per period (then the summary window), all learners and each goal path."""
    threshold = summary["small_n_threshold"]
    rows = []
    windows = [*periods, {**summary, **(summary["window"] or {})}] if summary["window"] else []
    for w in windows:
        rows.append(_csv_row(w, ALL_LABEL, w, threshold))
        rows += [_csv_row(w, p["goal_path"], p, threshold) for p in w["by_goal_path"]]
    return rows


def learner_columns(learners: list[dict[str, Any]]) -> list[str]:
    return list(learners[0]) if learners else ["learner_id", "goal_path", "start_date"]


# --- Markdown and Excel ----------------------------------------------------------------------------


def learners_markdown(
    path: str,
    frequency: str,
    summary: dict[str, Any],
    periods: list[dict[str, Any]],
    learners: list[dict[str, Any]] | None,
) -> str:
    from cipms_cli.reports.templates import shipped_environment

    env = shipped_environment()
    return env.get_template("learners.md.j2").render(
        path=path,
        frequency=frequency,
        lsa=summary_view(summary),
        periods=periods_view(periods, summary["small_n_threshold"]),
        learner_columns=learner_columns(learners or []),
        learner_rows=None if learners is None else [_markdown_cells(r) for r in learners],
    )


def _markdown_cells(row: dict[str, Any]) -> list[str]:
    from cipms_cli.output.safe import markdown_cell

    cells = []
    for value in row.values():
        if value is None:
            cells.append("—")
        elif isinstance(value, bool):
            cells.append("yes" if value else "no")
        elif isinstance(value, float):
            cells.append(f"{value:g}")
        else:
            cells.append(markdown_cell(value))
    return cells


def add_learners_sheet(wb: Any, summary: dict[str, Any]) -> None:
    """A "Learners" sheet in an Excel scorecard, with the small-number rule applied."""
    from openpyxl.styles import Font

    from cipms_cli.output.safe import xlsx_text
    from cipms_cli.workbook.blank import style_header

    view = summary_view(summary)
    ws = wb.create_sheet("Learners")
    ws.cell(row=1, column=1, value="Learner Skill Attainment").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=view["window"])
    row = 4
    style_header(ws, row, [title for _, title in GROUP_COLUMNS], set())
    for group in view["groups"]:
        row += 1
        for c, (key, _) in enumerate(GROUP_COLUMNS, start=1):
            xlsx_text(ws.cell(row=row, column=c), _excel_value(group[key]))
    row += 2
    for c, (_, title) in enumerate(DOMAIN_COLUMNS, start=1):
        ws.cell(row=row, column=c, value=title).font = Font(bold=True)
    for domain in view["domains"]:
        row += 1
        for c, (key, _) in enumerate(DOMAIN_COLUMNS, start=1):
            xlsx_text(ws.cell(row=row, column=c), _excel_value(domain[key]))
    row += 2
    note = (
        f"Cells for fewer than {view['threshold']} learners show <{view['threshold']}. "
        "Definitions: docs/learners.md."
    )
    ws.cell(row=row, column=1, value=note)
    ws.column_dimensions["A"].width = 26


def _excel_value(text: str) -> str | int:
    """Whole counts as numbers, so that Excel can sum them; everything else as shown."""
    plain = text.replace(",", "")
    return int(plain) if plain.isdigit() else text
