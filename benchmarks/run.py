"""Time validation and scoring against a bare python-calamine read of the same workbook.

    python benchmarks/run.py            # generates the workbooks on first use

Each measurement runs in a fresh process so that peak memory (ru_maxrss) is its own.
For scoring, the whole `cipms score` command is timed too, writing text and JSON, since
that is what a coordinator waits for. Timings are printed; record them in
docs/performance.md.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


REPEAT = 7


def _once(path: Path, job: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), job],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def _command_once(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from cipms_cli.cli.app import main; main()", *args],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def paired(path: Path, job: str, commands: dict[str, list[str]]) -> dict[str, Any]:
    """Runs the bare read and the job alternately, REPEAT times, each in a fresh process.

    The machine is a shared VM whose speed drifts by a third within minutes, so each job
    run is compared with the read run next to it, and the median of those ratios is
    reported beside the best times.
    """
    reads, works, whole = [], [], {name: [] for name in commands}
    for _ in range(REPEAT):
        reads.append(_once(path, "read"))
        works.append(_once(path, job))
        for name, args in commands.items():
            whole[name].append(_command_once(args))
    read_s = [r["seconds"] for r in reads]
    return {
        "read": min(read_s),
        "read_peak_mb": max(r["peak_mb"] for r in reads),
        "seconds": min(w["seconds"] for w in works),
        "work": min(w["work"] for w in works),
        "peak_mb": max(w["peak_mb"] for w in works),
        "whole_ratio": statistics.median(
            w["seconds"] / r for w, r in zip(works, read_s, strict=True)
        ),
        "work_ratio": statistics.median(w["work"] / r for w, r in zip(works, read_s, strict=True)),
        "commands": {
            name: (min(t), statistics.median(x / r for x, r in zip(t, read_s, strict=True)))
            for name, t in whole.items()
        },
    }


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
        commands: dict[str, list[str]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            if job == "score":
                for fmt in ("text", "json"):
                    out = str(Path(tmp) / f"card.{fmt}")
                    commands[f"cipms score -f {fmt}"] = ["score", str(path), "-f", fmt, "-o", out]
            m = paired(path, job, commands)
        print(f"{title}  ({path.stat().st_size / 1e6:.1f} MB)")
        print(f"  bare calamine read : {m['read']:6.2f} s   peak {m['read_peak_mb']:6.0f} MB")
        print(
            f"  cipms {job:<12} : {m['seconds']:6.2f} s   peak {m['peak_mb']:6.0f} MB   "
            f"whole {m['whole_ratio']:.2f} x read; {m['work']:.2f} s after imports = "
            f"{m['work_ratio']:.2f} x read   (median of {REPEAT} paired runs)"
        )
        for name, (best, ratio) in m["commands"].items():
            print(f"  {name:<18} : {best:6.2f} s   {ratio:.2f} x read (whole command)")


if __name__ == "__main__":
    main()
