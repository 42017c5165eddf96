"""Every writer keeps user strings inert, and a user's template cannot escape the sandbox."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from cipms_cli.output.safe import FORMULA_TRIGGERS
from cipms_cli.reports import sandbox
from report_workbooks import HOSTILE_NAME, HOSTILE_OWNER, example_variant, hostile, sheet_xml

AS_OF = "2025-Q2"
HOSTILE_STRINGS = {HOSTILE_NAME, HOSTILE_OWNER, "+1", "-1 | <b>bold</b>", "=1+2", "@cmd", "-2"}


@pytest.fixture
def hostile_workbook(tmp_path):
    return example_variant(tmp_path, "hostile.xlsx", hostile)


def xlsx_outputs(cli, tmp_path, workbook):
    outputs = {}
    for name, args in {
        "plan": ("plan", workbook, "--as-of", AS_OF),
        "report": ("report", workbook, "--as-of", AS_OF),
        "score": ("score", workbook, "--as-of", AS_OF),
    }.items():
        out = tmp_path / f"{name}.xlsx"
        result = cli(*args, "-o", out)
        assert result.exit_code == 0, result.stderr
        outputs[name] = out.read_bytes()
    return outputs


def test_formula_looking_strings_stay_text_in_every_xlsx_output(cli, tmp_path, hostile_workbook):
    for name, data in xlsx_outputs(cli, tmp_path, hostile_workbook).items():
        for part, xml in sheet_xml(data).items():
            assert not re.search(r"<f[ >]", xml), f"{name} {part} holds a formula"
        wb = openpyxl.load_workbook(io.BytesIO(data))
        seen = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                        assert cell.data_type == "s", (name, ws.title, cell.coordinate)
                    if cell.value in HOSTILE_STRINGS:
                        seen.add(cell.value)
        assert HOSTILE_NAME in seen, name
        if name != "score":
            assert {HOSTILE_OWNER, "+1"} <= seen, name
        if name == "plan":
            assert {"=1+2", "@cmd", "-2"} <= seen  # the Actions sheet


def test_formula_looking_strings_are_escaped_in_csv(cli, hostile_workbook):
    result = cli("score", hostile_workbook, "--as-of", AS_OF, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert '\'=HYPERLINK(""http://x"",""y"")' in result.stdout
    assert ",'+1," in result.stdout
    assert not re.search(r"(^|,)[=+\-@][^,]*[A-Za-z(]", result.stdout.replace(",'", ",_"), re.M)


def table_rows(markdown: str):
    """Each table as a list of rows, a row being its cells split on unescaped pipes."""
    tables, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(re.split(r"(?<!\\)\|", line.strip())[1:-1])
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


@pytest.mark.parametrize(
    "args",
    [
        ("plan",),
        ("report",),
        ("score", "-f", "md"),
    ],
)
def test_hostile_strings_do_not_break_markdown_tables(cli, hostile_workbook, args):
    result = cli(args[0], hostile_workbook, "--as-of", AS_OF, *args[1:])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "<b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "-1 \\| &lt;b&gt;" in text
    for table in table_rows(text):
        widths = {len(row) for row in table}
        assert len(widths) == 1, table


# --- user templates ------------------------------------------------------------------------

HOSTILE_TEMPLATES = {
    "class": "# Board\n\n{{ ''.__class__.__mro__ }}\n",
    "globals": "{{ cycler.__init__.__globals__ }}",
    "attr-filter": "{{ title | attr('__class__') }}",
    "subscript": "{{ headline['__class__'] }}",
    "mro": "{{ title.mro }}",
    "huge-repeat": "{{ 'x' * 100000000 }}",
    "huge-center": "{{ title | center(100000000) }}",
    "huge-range": "{% for i in range(10**9) %}{% endfor %}",
    "huge-loop": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "silent-loop": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
}


@pytest.fixture
def fast_limits(monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 1.0)
    monkeypatch.setattr(sandbox, "MAX_OUTPUT_CHARS", 200_000)


@pytest.mark.parametrize("name", list(HOSTILE_TEMPLATES))
def test_hostile_templates_are_refused_with_one_line(cli, tmp_path, examples, fast_limits, name):
    template = tmp_path / f"{name}.md.j2"
    template.write_text(HOSTILE_TEMPLATES[name], encoding="utf-8")
    out = tmp_path / "out.md"
    result = cli("report", examples / "literacy-agency.xlsx", "--template", template, "-o", out)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"cipms: {template}: ")
    assert not out.exists()


def test_reaching_internals_names_the_line(cli, tmp_path, examples):
    template = tmp_path / "t.md.j2"
    template.write_text(HOSTILE_TEMPLATES["class"], encoding="utf-8")
    result = cli("report", examples / "literacy-agency.xlsx", "--template", template)
    assert "line 3: the template tries to reach the Python internal '__" in result.stderr


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ok\n{% for x in indicators %}\n{{ x.name }\n{% endfor %}", "line 3: unexpected '}'"),
        ("{% if title %}\nno end\n", "line 2: Unexpected end of template"),
        ("a\n\n{{ no_such_key.here }}", "line 3: 'no_such_key' is undefined"),
    ],
)
def test_template_mistakes_give_one_line_with_the_line_number(
    cli, tmp_path, examples, source, expected
):
    template = tmp_path / "t.md.j2"
    template.write_text(source, encoding="utf-8")
    result = cli("report", examples / "literacy-agency.xlsx", "--template", template)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr


def test_a_plain_template_renders_the_context(cli, tmp_path, examples):
    template = tmp_path / "t.md.j2"
    template.write_text(
        "{{ title }} {{ headline.indicators }} {{ plan.priorities[0].indicator.indicator_id }}\n"
        "{% for i in indicators if i.spc.variation_group == 'concern' %}{{ i.indicator_id }}"
        "{% endfor %} {{ indicators[0].latest.value | qty(indicators[0].unit) }}",
        encoding="utf-8",
    )
    result = cli(
        "report", examples / "literacy-agency.xlsx", "--as-of", AS_OF, "--template", template
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Lakeshore Literacy Network 13 LBS06\nLBS06 44"


def test_the_shipped_templates_render_in_the_sandbox(cli, tmp_path, examples):
    """A user may start from the shipped template: it includes and renders unchanged."""
    template = tmp_path / "mine.md.j2"
    template.write_text('{% include "scrutiny.md.j2" %}', encoding="utf-8")
    workbook = examples / "literacy-agency.xlsx"
    mine = cli("report", workbook, "--as-of", AS_OF, "--template", template)
    assert mine.exit_code == 0, mine.stderr
    assert mine.stdout == cli("report", workbook, "--as-of", AS_OF).stdout
