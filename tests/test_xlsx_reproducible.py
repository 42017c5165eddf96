"""Every Excel file cipms writes is the same bytes for the same content: no save-time
stamps in the document properties or the zip entries, so reruns can be diffed."""

import re
import zipfile

import pytest

from conftest import EXAMPLES

SAMPLE = EXAMPLES / "literacy-agency.xlsx"
AS_OF = "2025-Q2"

XLSX_COMMANDS = {
    "init": ["init", "{out}"],
    "init --example": ["init", "--example", "{out}"],
    "score": ["score", SAMPLE, "-f", "xlsx", "-o", "{out}"],
    "plan": ["plan", SAMPLE, "--as-of", AS_OF, "-o", "{out}"],
    "plan --blank": ["plan", "--blank", "-o", "{out}"],
    "report": ["report", SAMPLE, "--as-of", AS_OF, "-o", "{out}"],
    "batch": ["batch", EXAMPLES / "returns", "-f", "xlsx", "-o", "{out}"],
}


def _write(cli, tmp_path, name, args):
    out = tmp_path / f"{name.replace(' ', '_')}.xlsx"
    result = cli(*(str(out) if a == "{out}" else a for a in args))
    assert result.exit_code in (0, 1), result.stderr  # the returns hold one broken file
    return out


@pytest.mark.parametrize("name", XLSX_COMMANDS)
def test_no_save_time_in_the_file(cli, tmp_path, monkeypatch, name):
    # A clock far from the fixed date: any stamp of "now" would show.
    monkeypatch.setattr("time.time", lambda: 1_900_000_000.0)
    out = _write(cli, tmp_path, name, XLSX_COMMANDS[name])
    with zipfile.ZipFile(out) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    stamps = re.findall(r"<dcterms:(created|modified)[^>]*>([^<]+)<", core)
    assert sorted(stamps) == [
        ("created", "2026-01-01T00:00:00Z"),
        ("modified", "2026-01-01T00:00:00Z"),
    ]


def test_init_example_is_the_shipped_example_byte_for_byte(cli, tmp_path):
    out = _write(cli, tmp_path, "sample", XLSX_COMMANDS["init --example"])
    assert out.read_bytes() == SAMPLE.read_bytes()
