"""The Excel outputs open in LibreOffice: a headless conversion to PDF must succeed.

Skipped when neither `libreoffice` nor `soffice` is on PATH (Debian: libreoffice-calc).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from report_workbooks import EXAMPLE

OFFICE = shutil.which("libreoffice") or shutil.which("soffice")
pytestmark = pytest.mark.skipif(OFFICE is None, reason="LibreOffice is not installed")


def test_plan_scrutiny_and_blank_convert_to_pdf(cli, tmp_path):
    outputs = {
        "plan.xlsx": ("plan", EXAMPLE, "--as-of", "2025-Q2"),
        "plan-future.xlsx": ("plan", EXAMPLE, "--as-of", "2025-Q2", "--model", "future-basing"),
        "scrutiny.xlsx": ("report", EXAMPLE, "--as-of", "2025-Q2"),
        "action-plan.xlsx": ("plan", "--blank"),
    }
    for name, args in outputs.items():
        result = cli(*args, "-o", tmp_path / name)
        assert result.exit_code == 0, result.stderr
    profile = tmp_path / "lo-profile"
    pdf_dir = tmp_path / "pdf"
    assert OFFICE is not None
    completed = subprocess.run(
        [
            OFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(pdf_dir),
            *(str(tmp_path / name) for name in outputs),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for name in outputs:
        pdf = pdf_dir / name.replace(".xlsx", ".pdf")
        assert pdf.is_file(), f"{name}: {completed.stdout} {completed.stderr}"
        assert pdf.read_bytes().startswith(b"%PDF")
        assert pdf.stat().st_size > 2000
