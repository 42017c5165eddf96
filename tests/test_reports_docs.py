"""docs/report-context.md documents every key of the context, and the example template works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cipms_cli.reports import challenges
from report_workbooks import EXAMPLE, add_actions, example_variant

DOCS = Path(__file__).resolve().parent.parent / "docs"
BOARD_SUMMARY = EXAMPLE.parent / "board-summary.md.j2"


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    from cipms_cli.cli.commands.plan_cmd import build_report_context

    action = ["A1", "LBS06", "Triage daily", "Lead", None, None, None, None, None, None, None]
    path = example_variant(tmp_path_factory.mktemp("ctx"), "a.xlsx", add_actions([action]))
    return build_report_context(str(path), "2025-Q2", None)


def documented() -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", (DOCS / "report-context.md").read_text("utf-8")))


def keys_of(context) -> set[str]:
    view = context["indicators"][0]
    priority = context["plan"]["priorities"][0]
    parts = [
        context,
        context["headline"],
        context["attention"][0],
        context["outcomes"][0],
        context["know_more"][0],
        view,
        view["spc"],
        view["forecast"],
        view["series"][0],
        view["baseline"],
        context["actions"][0],
        context["plan"],
        context["plan"]["model"],
        context["plan"]["situation"],
        context["plan"]["ranking"][0],
        priority,
        priority["smart"][0],
        priority["prompts"][0],
        priority["milestones"][0],
    ]
    return {key for part in parts for key in part}


def test_every_context_key_is_documented(context):
    missing = sorted(keys_of(context) - documented())
    assert not missing, f"document these keys in docs/report-context.md: {missing}"


def test_every_challenge_code_is_documented():
    source = Path(challenges.__file__).read_text("utf-8")
    codes = set(re.findall(r'_challenge\(\s*"([a-z-]+)"', source))
    assert {"output-only", "standing", "no-action"} <= codes
    text = (DOCS / "report-context.md").read_text("utf-8") + (DOCS / "method.md").read_text("utf-8")
    assert not sorted(c for c in codes if f"`{c}`" not in text)


def test_the_example_template_renders_what_the_docs_show(cli):
    result = cli("report", EXAMPLE, "--as-of", "2025-Q2", "--template", BOARD_SUMMARY)
    assert result.exit_code == 0, result.stderr
    docs = (DOCS / "report-context.md").read_text("utf-8")
    lines = result.stdout.splitlines()
    assert lines[0] == "# Board summary: Lakeshore Literacy Network"
    shown = [line for line in lines if line.startswith(("1. **Days", "| OC3 | Days"))]
    assert len(shown) == 2
    for line in shown:
        assert line in docs
