"""`cipms spc` on a published series: the NHSRplotthedots README example (RQM breaches)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

RQM = Path(__file__).parent / "data" / "spc" / "ae_attendances_rqm_type1.csv"


@pytest.fixture
def readme_series(tmp_path: Path) -> Path:
    """The README's filter: periods before April 2018 (24 months)."""
    lines = RQM.read_text().splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line < "2018-04-01"]
    path = tmp_path / "rqm.csv"
    path.write_text("\n".join(kept) + "\n")
    return path


def test_json_reproduces_the_published_limits_and_assurance(cli, readme_series):
    result = cli("spc", readme_series, "--direction", "decrease", "--target", "1200", "-f", "json")

    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1
    assert (doc["mean"], doc["lpl"], doc["upl"]) == pytest.approx(
        (1545.167, 740.396, 2349.938), abs=5e-4
    )
    assert doc["assurance"] == "inconsistent"
    assert doc["variation"] == "common_cause"
    assert len(doc["points"]) == 24
    assert doc["points"][0]["period"] == "2016-04"
    assert all(p["upl"] == doc["upl"] for p in doc["points"])
    concern = [p["period"] for p in doc["points"] if p["point_type"] == "special_cause_concern"]
    assert concern == ["2016-12", "2017-01"]


def test_rebase_gives_each_segment_its_own_limits(cli, readme_series):
    result = cli("spc", readme_series, "-d", "decrease", "--rebase", "2017-04", "-f", "json")

    doc = json.loads(result.stdout)
    before = [p["mean"] for p in doc["points"] if p["period"] < "2017-04"]
    after = [p["mean"] for p in doc["points"] if p["period"] >= "2017-04"]
    # By hand: Apr 2016-Mar 2017 sums to 20608, Apr 2017-Mar 2018 to 16476.
    assert before == pytest.approx([20608 / 12] * 12)
    assert after == pytest.approx([16476 / 12] * 12)
    assert doc["mean"] == pytest.approx(16476 / 12)
    assert doc["trial_limits"] is True  # the latest segment has 12 points, fewer than 13


def test_csv_has_a_row_per_point_and_text_names_each_signal_in_words(cli, readme_series):
    as_csv = cli("spc", readme_series, "-d", "decrease", "-f", "csv")
    as_text = cli("spc", readme_series, "-d", "decrease", "--target", "1200")

    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["period"] for r in rows][:2] == ["2016-04", "2016-05"]
    assert len(rows) == 24
    assert rows[8]["rule"] == "outside_limits"
    assert "special cause concern (outside limits)" in as_text.stdout
    assert "assurance against target 1200: inconsistent" in as_text.stdout


def test_stdin_reads_the_series(cli, readme_series):
    result = cli("spc", "-", "-f", "json", input=readme_series.read_bytes())

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["mean"] == pytest.approx(37084 / 24)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--rebase", "2030-01"], 2, "no such period"),
        (["--fix-after", "5"], 2, "12 or more"),
        (["-d", "sideways"], 2, "sideways"),
    ],
)
def test_usage_errors_exit_2(cli, readme_series, args, code, message):
    result = cli("spc", readme_series, *args)

    assert result.exit_code == code
    assert message in result.stderr


def test_bad_values_exit_1_and_missing_files_exit_3(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("period,value\n2020-01,abc\n2020-02,3\n")

    invalid = cli("spc", bad)
    missing = cli("spc", tmp_path / "nope.csv")

    assert invalid.exit_code == 1
    assert "row 2" in invalid.stderr and "'abc' is not a number" in invalid.stderr
    assert missing.exit_code == 3
    assert "no such file" in missing.stderr
