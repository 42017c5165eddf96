"""Outputs never overwrite an input, whatever path names it."""

from __future__ import annotations

import os

import pytest

from cipms_cli.errors import OutputError
from cipms_cli.output.atomic import check_not_input, write_text


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"the input")
    return path


def test_the_input_by_the_same_name_or_another_spelling_is_refused(source, monkeypatch):
    monkeypatch.chdir(source.parent)
    for target in (source, source.parent / "." / "data.xlsx"):
        with pytest.raises(OutputError, match="refusing to write over the input file"):
            check_not_input(target, ["data.xlsx"])


def test_a_link_to_the_input_is_refused(source):
    symlink, hardlink = source.parent / "sym.xlsx", source.parent / "hard.xlsx"
    symlink.symlink_to(source)
    os.link(source, hardlink)

    for target in (symlink, hardlink):
        with pytest.raises(OutputError):
            check_not_input(target, [str(source)])


def test_a_new_file_or_another_existing_one_is_allowed(source):
    other = source.parent / "other.csv"
    check_not_input(source.parent / "new.csv", [str(source), "-"])
    other.write_text("old output")
    check_not_input(other, [str(source), "-", str(source.parent / "gone.xlsx")])

    write_text(other, "new output", [str(source)])

    assert other.read_text() == "new output"
    assert source.read_bytes() == b"the input"
