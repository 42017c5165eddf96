"""Time validation and scoring against a bare python-calamine read of the same workbook.

    python benchmarks/run.py            # generates the workbooks on first use

Each measurement runs in a fresh process so that peak memory (ru_maxrss) is its own.
For scoring, the whole `cipms score` command is timed too, writing text and JSON, since
that is what a coordinator waits for. Timings are printed; record them in
docs/performance.md.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CASES = {
    "validate: 200,000 Results rows": ("results-200k.xlsx", 2000, 100, "validate"),
    "score: 2,000 indicators x 60 periods": ("score-2000x60.xlsx", 2000, 60, "score"),
}

MEASURE = r"""
import json, resource, sys, time
path, job = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if job != "read":
    import cipms_cli.workbook.validate, cipms_cli.engine.score  # imports timed apart
imported = time.perf_counter()
if job == "read":
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
elif job == "validate":
    from cipms_cli.workbook.validate import validate_source
    report = validate_source(path)
    assert report.valid, report.errors[:3]
else:
    from cipms_cli.workbook.validate import validate_source
    from cipms_cli.engine.score import score_workbook
    from cipms_cli.workbook.as_of import default_as_of
    report = validate_source(path)
    card = score_workbook(report.data, default_as_of({}, report.data.results, 4))
    assert len(card.indicators) > 0
end = time.perf_counter()
print(json.dumps({"seconds": end - start, "work": end - imported, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(path: Path, job: str, repeat: int = 5) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, str(path), job],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout))
    best = min(runs, key=lambda r: r["seconds"])
    return {
        "seconds": best["seconds"],
        "work": min(r["work"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def measure_command(args: list[str], repeat: int = 5) -> dict[str, float]:
    """Wall time of a whole `cipms` command in a fresh process, best of ``repeat``."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from cipms_cli.cli.app import main; main()", *args],
            check=True,
            capture_output=True,
        )
        runs.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": min(runs), "peak_mb": peak}


def main() -> None:
    for title, (name, indicators, periods, job) in CASES.items():
        path = OUT / name
        if not path.exists():
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "generate.py"),
                    "--indicators",
                    str(indicators),
                    "--periods",
                    str(periods),
                    "-o",
                    str(path),
                ],
                check=True,
            )
        read = measure(path, "read")
        work = measure(path, job)
        ratio = work["seconds"] / read["seconds"]
        print(f"{title}  ({path.stat().st_size / 1e6:.1f} MB)")
        print(f"  bare calamine read : {read['seconds']:6.2f} s   peak {read['peak_mb']:6.0f} MB")
        print(
            f"  cipms {job:<12} : {work['seconds']:6.2f} s   peak {work['peak_mb']:6.0f} MB   "
            f"= {ratio:.2f} x read ({work['work']:.2f} s after imports = "
            f"{work['work'] / read['work']:.2f} x read)"
        )
        if job == "score":
            with tempfile.TemporaryDirectory() as tmp:
                for fmt in ("text", "json"):
                    out = str(Path(tmp) / f"card.{fmt}")
                    whole = measure_command(["score", str(path), "-f", fmt, "-o", out])
                    print(
                        f"  cipms score -f {fmt:<5}: {whole['seconds']:6.2f} s   "
                        f"= {whole['seconds'] / read['seconds']:.2f} x read (whole command)"
                    )


if __name__ == "__main__":
    main()
