"""The reference docs stay in step with the code that they describe."""

import re
from pathlib import Path

from cipms_cli.workbook.schema import workbook_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def contract_block(text: str) -> str:
    match = re.search(r"<!-- contract:start.*?-->\n(.*)<!-- contract:end -->", text, re.S)
    assert match, "docs/workbook.md lost its contract markers"
    return match.group(1)


def test_workbook_reference_matches_the_models():
    text = (DOCS / "workbook.md").read_text(encoding="utf-8")
    assert contract_block(text) == workbook_markdown(), (
        "docs/workbook.md is out of date: regenerate the block with `cipms schema --format md`"
    )


def test_every_problem_code_raised_in_the_library_is_documented():
    source = Path(__file__).resolve().parent.parent / "src" / "cipms_cli" / "workbook"
    raised = set()
    for path in source.glob("*.py"):
        raised.update(re.findall(r'"([a-z]+(?:-[a-z0-9]+)+)",\n?\s*(?:f?")', path.read_text()))
    documented = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    not_codes = {"post-secondary"}  # a goal-path alias, not a problem code
    missing = sorted(c for c in raised - not_codes if f"`{c}`" not in documented)
    assert not missing, f"undocumented problem codes: {missing}"
