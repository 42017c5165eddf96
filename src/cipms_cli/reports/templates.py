"""Find the shipped Jinja templates and build the rendering environments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cipms_cli.output.safe import markdown_cell
from cipms_cli.reports.phrases import number_text


def templates_dir() -> Path:
    """Inside the wheel the templates sit in the package; in a checkout, at the repo root."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent.parent / "templates"):
        if (candidate / "score.md.j2").is_file():
            return candidate
    raise FileNotFoundError("cipms templates folder not found; reinstall cipms")


def _number(value: object, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return number_text(value, digits)
    return str(value)


def _label(value: object) -> str:
    return "—" if value is None else str(value).replace("_", " ")


# Markdown output: no HTML escaping, block tags leave no blank lines, strict about typos.
ENVIRONMENT_OPTIONS: dict[str, Any] = {
    "undefined": StrictUndefined,
    "autoescape": False,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
}


def shipped_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir())), **ENVIRONMENT_OPTIONS)
    add_filters(env)
    return env


def add_filters(env: Environment) -> None:
    env.filters["cell"] = markdown_cell
    env.filters["num"] = _number
    env.filters["label"] = _label
    env.filters["lsa_view"] = _lsa_view
    env.filters["qty"] = _quantity
    env.filters["sparkline"] = _sparkline


UNIT_SUFFIX = {"percent": "%", "days": " days"}


def _quantity(value: object, unit: str | None = None, digits: int = 1) -> str:
    """A figure with its unit: 89.5%, 26 days, 2,062.6."""
    text = _number(value, digits)
    if text == "—" or unit is None:
        return text
    return text + UNIT_SUFFIX.get(unit, "")


def _sparkline(values: object) -> str:
    """A Unicode sparkline of numbers, or of a report series (dicts with ``value``)."""
    from cipms_cli.output.sparkline import sparkline

    items = list(values) if isinstance(values, list | tuple) else []
    numbers = [v.get("value") if isinstance(v, dict) else v for v in items]
    return sparkline([n if isinstance(n, int | float) else None for n in numbers])


def render_shipped(name: str, context: dict[str, Any]) -> str:
    """Render a shipped template with the report context's keys as top-level names."""
    return shipped_environment().get_template(name).render(**context)


def _lsa_view(summary: dict[str, Any]) -> dict[str, Any]:
    """Learner figures for display, with the small-number rule applied (output/learners.py)."""
    from cipms_cli.output.learners import summary_view

    return summary_view(summary)
