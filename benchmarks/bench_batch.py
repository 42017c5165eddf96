"""Benchmark ``cipms batch`` on a national-scale collection of quarterly returns.

    python benchmarks/bench_batch.py                 # 250 agencies x 4 quarters = 1,000 files
    python benchmarks/bench_batch.py --agencies 50   # a quicker run

Generates (seeded, so every run reads the same files) one return per agency per
quarter with ~40 indicators and learner sheets into benchmarks/out/ (gitignored),
then times:

- the bare read: python-calamine reading every sheet of every file, nothing else;
- ``cipms batch DIR -o OUT`` with 1 and with 2 jobs: wall time, files per second, and
  peak memory (``resource.getrusage(RUSAGE_CHILDREN)`` of a wrapper process, i.e. the
  largest of cipms and its pool workers, plus the main process's own high-water mark);
- memory as the collection grows (a quarter, half and all of the files).

Goals: the whole batch within 2x the bare read; 2 jobs at least 1.6x faster than 1;
memory flat as files grow.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SEED = 20250801
PAIRS = 4  # back-to-back runs of 1 and 2 jobs
QUARTERS = [(2024, 3), (2024, 4), (2025, 1), (2025, 2)]
REGIONS = ["Northern", "Eastern", "Western", "Central", "Toronto"]
STREAMS = ["Anglophone", "Francophone", "Indigenous", "Deaf"]
GOAL_PATHS = ["Employment", "Apprenticeship", "Secondary School Credit", "Postsecondary"]
COMPETENCIES = [
    "A Find and Use Information",
    "B Communicate Ideas and Information",
    "C Understand and Use Numbers",
    "D Use Digital Technology",
    "E Manage Learning",
    "F Engage with Others",
]
DOMAINS = ["Reading", "Document Use", "Numeracy"]
LEVEL_BOUNDS = [(0, 225), (226, 275), (276, 325), (326, 375), (376, 500)]
INDICATOR_HEADER = [
    "indicator_id",
    "name",
    "outcome_id",
    "direction",
    "unit",
    "frequency",
    "target_value",
    "target_period",
    "weight",
    "key",
]


# --- generating the returns ----------------------------------------------------


def indicator_definitions(count: int, rng: np.random.Generator) -> list[list[object]]:
    rows = []
    for i in range(1, count + 1):
        unit = ["percent", "percent", "count", "days", "currency"][i % 5]
        direction = "decrease" if unit in ("days", "currency") else "increase"
        if i % 13 == 0:
            direction = "neutral"
        target = None
        if direction != "neutral" and unit == "percent":
            target = float(rng.integers(60, 95))
        rows.append(
            [
                f"IND{i:02d}",
                f"Indicator {i} ({unit})",
                f"OC{i % 4 + 1}",
                direction,
                unit,
                "quarterly",
                target,
                "2026-Q1" if target is not None else None,
                1,
                "yes" if i in (1, 2) else "no",
            ]
        )
    return rows


def quarter_label(year: int, q: int) -> str:
    return f"{year}-Q{q}"


def quarter_days(year: int, q: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def level_of(score: int) -> int:
    return next(i for i, (lo, hi) in enumerate(LEVEL_BOUNDS, start=1) if lo <= score <= hi)


def write_return(
    path: Path,
    agency: dict[str, object],
    indicators: list[list[object]],
    quarter: tuple[int, int],
    rng: np.random.Generator,
) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    label = quarter_label(*quarter)
    sheet = wb.create_sheet("Agency")
    sheet.append(["key", "value"])
    for key in ("agency_id", "agency_name", "stream", "region"):
        sheet.append([key, agency[key]])
    sheet.append(["reporting_period", label])
    sheet = wb.create_sheet("Outcomes")
    sheet.append(["outcome_id", "statement"])
    for i in range(1, 5):
        sheet.append([f"OC{i}", f"Outcome statement {i}"])
    sheet = wb.create_sheet("Indicators")
    sheet.append(INDICATOR_HEADER)
    for row in indicators:
        sheet.append(row)
    sheet = wb.create_sheet("Results")
    sheet.append(["indicator_id", "period", "value", "numerator", "denominator", "agency_id"])
    size = int(agency["size"])  # type: ignore[call-overload]
    for row in indicators:
        unit = row[4]
        if unit == "percent":
            den = max(5, int(rng.poisson(size)))
            num = int(rng.binomial(den, 0.5 + 0.4 * rng.random()))
            sheet.append([row[0], label, None, num, den, agency["agency_id"]])
        elif unit == "count":
            sheet.append([row[0], label, int(rng.poisson(size)), None, None, agency["agency_id"]])
        else:
            value = round(float(rng.gamma(20, 1 if unit == "days" else 100)), 1)
            sheet.append([row[0], label, value, None, None, agency["agency_id"]])
    _learner_sheets(wb, agency, quarter, rng)
    wb.save(path)


def _learner_sheets(
    wb: object, agency: dict[str, object], quarter: tuple[int, int], rng: np.random.Generator
) -> None:
    start, end = quarter_days(*quarter)
    learners = wb.create_sheet("Learners")  # type: ignore[attr-defined]
    learners.append(["learner_id", "goal_path", "start_date", "exit_date", "exit_reason"])
    assessments = wb.create_sheet("Assessments")  # type: ignore[attr-defined]
    assessments.append(["learner_id", "date", "domain", "score", "level"])
    milestones = wb.create_sheet("Milestones")  # type: ignore[attr-defined]
    milestones.append(
        ["learner_id", "milestone", "competency", "level", "completed_date", "culminating_task"]
    )
    first = int(rng.integers(1, 200))
    for k in range(int(rng.integers(20, 40))):
        learner_id = f"{agency['agency_id']}-L{first + k:04d}"
        began = start - dt.timedelta(days=int(rng.integers(0, 300)))
        exited = end - dt.timedelta(days=int(rng.integers(0, 20))) if rng.random() < 0.2 else None
        learners.append(
            [
                learner_id,
                GOAL_PATHS[k % 4],
                began,
                exited,
                "Completed goal path" if exited else None,
            ]
        )
        last = exited or end
        for _ in range(int(rng.integers(1, 4))):
            day = start + dt.timedelta(days=int(rng.integers(0, (last - start).days + 1)))
            score = int(rng.integers(150, 450))
            assessments.append([learner_id, day, DOMAINS[k % 3], score, level_of(score)])
        for m in range(int(rng.integers(0, 3))):
            day = start + dt.timedelta(days=int(rng.integers(0, (last - start).days + 1)))
            milestones.append([learner_id, f"M{10 + m}", COMPETENCIES[m % 6], 1 + m % 3, day, "no"])
    scales = wb.create_sheet("Scales")  # type: ignore[attr-defined]
    scales.append(["domain", "level", "min_score", "max_score"])
    for domain in DOMAINS:
        for level, (lo, hi) in enumerate(LEVEL_BOUNDS, start=1):
            scales.append([domain, level, lo, hi])


def generate(folder: Path, agencies: int, indicators: int) -> list[Path]:
    marker = folder / "params.json"
    params = {"seed": SEED, "agencies": agencies, "indicators": indicators, "quarters": QUARTERS}
    if marker.is_file() and json.loads(marker.read_text()) == json.loads(json.dumps(params)):
        return sorted(folder.glob("*.xlsx"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(SEED)
    definitions = indicator_definitions(indicators, rng)
    started = time.perf_counter()
    for a in range(1, agencies + 1):
        agency = {
            "agency_id": f"A{a:03d}",
            "agency_name": f"Agency {a}",
            "stream": STREAMS[a % len(STREAMS)],
            "region": REGIONS[a % len(REGIONS)],
            "size": int(rng.integers(15, 400)),
        }
        for quarter in QUARTERS:
            name = f"{agency['agency_id']}_{quarter_label(*quarter)}.xlsx"
            write_return(folder / name, agency, definitions, quarter, rng)
    marker.write_text(json.dumps(params))
    print(f"generated {agencies * len(QUARTERS)} files in {time.perf_counter() - started:.0f} s")
    return sorted(folder.glob("*.xlsx"))


# --- measuring -------------------------------------------------------------------


def bare_read(files: list[Path]) -> float:
    """python-calamine reading every sheet of every file to Python values, one process."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for file in files:
        book = CalamineWorkbook.from_path(str(file))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - started


def measure(command: list[str]) -> dict[str, float]:
    """Run ``command`` from a fresh wrapper process, so RUSAGE_CHILDREN covers it alone."""
    wrapper = [sys.executable, str(Path(__file__).resolve()), "--measure-command", *command]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run_and_report(command: list[str]) -> None:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    main_peak = 0
    while process.poll() is None:
        main_peak = max(main_peak, _high_water_kib(process.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    assert process.stderr is not None
    summary = process.stderr.read().decode().strip().splitlines()[-1:]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # ru_maxrss in KiB on Linux
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_mib": usage.ru_maxrss / 1024,
                "main_peak_mib": main_peak / 1024,
                "exit": process.returncode,
                "summary": summary[0] if summary else "",
            }
        )
    )


def _high_water_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cipms_command(folder: Path, out: Path, jobs: int) -> list[str]:
    cipms = shutil.which("cipms", path=str(Path(sys.executable).parent)) or "cipms"
    return [cipms, "batch", str(folder), "-o", str(out), "--jobs", str(jobs), "-q"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=250)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--measure-command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.measure_command:
        _run_and_report(args.measure_command)
        return
    folder = OUT / f"returns-{args.agencies}x{len(QUARTERS)}"
    files = generate(folder, args.agencies, args.indicators)
    print(f"{len(files)} files, {sum(f.stat().st_size for f in files) / 2**20:.1f} MiB")
    bare = bare_read(files)
    print(f"bare read (python-calamine, 1 process): {bare:.2f} s, {len(files) / bare:.0f} files/s")
    # 1 and 2 jobs alternate, four times: the shared machine's speed drifts by a third within
    # minutes, so the speed-up is the median of the ratios of neighbouring runs.
    pairs: list[dict[int, dict[str, float]]] = []
    for _ in range(PAIRS):
        pair = {}
        for jobs in (1, 2):
            out = OUT / f"tables-{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            pair[jobs] = r = measure(cipms_command(folder, out, jobs))
            print(
                f"cipms batch --jobs {jobs}: {r['seconds']:.2f} s ({r['cpu_seconds']:.1f} s CPU), "
                f"{len(files) / r['seconds']:.1f} files/s, {r['seconds'] / bare:.1f}x bare read, "
                f"peak memory {r['peak_rss_mib']:.0f} MiB (main process {r['main_peak_mib']:.0f} MiB)"
            )
        pairs.append(pair)
    speedups = [p[1]["seconds"] / p[2]["seconds"] for p in pairs]
    print(
        f"speed-up with 2 jobs: {', '.join(f'{x:.2f}x' for x in speedups)} (paired runs; "
        f"median {statistics.median(speedups):.2f}x)"
    )
    runs = {jobs: min((p[jobs] for p in pairs), key=lambda r: r["seconds"]) for jobs in (1, 2)}
    print("memory as the collection grows (--jobs 2):")
    for share in (4, 2):
        subset = OUT / f"subset-{share}"
        shutil.rmtree(subset, ignore_errors=True)
        subset.mkdir()
        for file in files[: len(files) // share]:
            os.symlink(file, subset / file.name)
        r = measure(cipms_command(subset, OUT / "tables-subset", 2))
        print(
            f"  {len(files) // share:5d} files: peak {r['peak_rss_mib']:.0f} MiB, main "
            f"{r['main_peak_mib']:.0f} MiB, {r['seconds']:.2f} s"
        )
    r = runs[2]
    print(
        f"  {len(files):5d} files: peak {r['peak_rss_mib']:.0f} MiB, main "
        f"{r['main_peak_mib']:.0f} MiB, {r['seconds']:.2f} s"
    )


if __name__ == "__main__":
    main()
