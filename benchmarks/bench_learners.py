"""Benchmark the Learner Skill Attainment path on an agency-network-sized learner file.

    python benchmarks/bench_learners.py                       # 50,000 learners, 200,000 assessments
    python benchmarks/bench_learners.py --learners 5000 --assessments 20000   # quicker

Generates (seeded, cached in benchmarks/out/) one workbook with Learners, Assessments,
Milestones and Scales sheets, then times, in this order:

(a) the bare read: python-calamine reading the four sheets into Python lists, nothing else;
(b) validation of the learner sheets (``validate_learners``), on rows already read, so that
    it is the validation alone; and the whole ``validate_source`` (guard, cell scan, read,
    validate) for reference;
(c) the LSA engine: the fiscal-year summary, the quarterly and the fiscal-year tables,
    and one derived indicator series.

Each stage is timed without tracing; its peak memory is then measured in a second run
under tracemalloc (Python allocations, numpy and pandas included). The process's peak
resident set (``resource.getrusage``) is printed at the end.

Goal: (c) the engine takes no longer than (a) reading the sheets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
_SRC = HERE.parent / "src"
if (_SRC / "cipms_cli").is_dir():
    sys.path.insert(0, str(_SRC))

SEED = 20251122
GOAL_PATHS = [
    "Employment",
    "Apprenticeship",
    "Secondary School Credit",
    "Postsecondary",
    "Independence",
]
GOAL_WEIGHTS = [0.38, 0.10, 0.20, 0.14, 0.18]
DOMAINS = ["Reading", "Document Use", "Numeracy"]
COMPETENCIES = [
    "A Find and Use Information",
    "B Communicate Ideas and Information",
    "C Understand and Use Numbers",
    "D Use Digital Technology",
    "E Manage Learning",
    "F Engage with Others",
]
BANDS = [(1, 0, 225), (2, 226, 275), (3, 276, 325), (4, 326, 375), (5, 376, 500)]
FIRST_START = dt.date(2019, 4, 1)
AS_OF = dt.date(2025, 3, 31)
SHEETS = ("Learners", "Assessments", "Milestones", "Scales")


# --- data ----------------------------------------------------------------------------------


def _days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


def generate(n_learners: int, n_assessments: int, n_milestones: int) -> dict[str, list[list]]:
    """Seeded learner records; every date inside the learner's span, every score on the scale."""
    rng = np.random.default_rng(SEED)
    span = (AS_OF - FIRST_START).days
    start = np.sort(rng.integers(0, span - 30, n_learners))
    stay = np.clip(rng.lognormal(np.log(230), 0.45, n_learners), 30, 900).astype(np.int64)
    exit_ = start + stay
    exited = exit_ <= span
    end = np.where(exited, exit_, span)
    goal = rng.choice(len(GOAL_PATHS), n_learners, p=GOAL_WEIGHTS)

    # Every learner gets a Reading intake on their start day; the rest fall anywhere in
    # their span, in a random domain.
    who = np.concatenate(
        [np.arange(n_learners), rng.integers(0, n_learners, n_assessments - n_learners)]
    )
    domain = np.concatenate(
        [np.zeros(n_learners, dtype=np.int64), rng.integers(0, 3, n_assessments - n_learners)]
    )
    when = np.concatenate([start, _days(rng, start[who[n_learners:]], end[who[n_learners:]])])
    base = rng.normal(258, 36, (n_learners, 3))
    gain_per_year = rng.normal(60, 38, n_learners)
    years = (when - start[who]) / 365.25
    score = np.clip(np.rint(base[who, domain] + gain_per_year[who] * years), 0, 500)
    score = (score + np.where(years > 0, rng.normal(0, 7, n_assessments), 0)).clip(0, 500)
    score = np.rint(score).astype(np.int64)
    level = np.searchsorted([b[1] for b in BANDS], score, side="right")

    m_who = rng.integers(0, n_learners, n_milestones)
    m_when = _days(rng, start[m_who], end[m_who])
    m_comp = rng.integers(0, 6, n_milestones)
    m_level = rng.integers(1, 4, n_milestones)
    culminating = (rng.random(n_milestones) < 0.1) & exited[m_who]
    m_when = np.where(culminating, end[m_who], m_when)

    def day(offsets: np.ndarray) -> list[dt.date]:
        return [FIRST_START + dt.timedelta(days=int(d)) for d in offsets]

    ids = [f"L{k:06d}" for k in range(n_learners)]
    starts, ends = day(start), day(exit_)
    learners = [
        [ids[k], GOAL_PATHS[goal[k]], starts[k], ends[k] if exited[k] else None]
        for k in range(n_learners)
    ]
    dates = day(when)
    assessments = [
        [ids[who[i]], dates[i], DOMAINS[domain[i]], int(score[i]), int(level[i])]
        for i in range(n_assessments)
    ]
    m_dates = day(m_when)
    milestones = [
        [
            ids[m_who[i]],
            f"M{m_comp[i] * 10 + m_level[i]}",
            COMPETENCIES[m_comp[i]],
            int(m_level[i]),
            m_dates[i],
            "yes" if culminating[i] else "no",
        ]
        for i in range(n_milestones)
    ]
    scales = [[d, lvl, lo, hi] for d in DOMAINS for lvl, lo, hi in BANDS]
    return {
        "Learners": learners,
        "Assessments": assessments,
        "Milestones": milestones,
        "Scales": scales,
    }


HEADERS = {
    "Learners": ["learner_id", "goal_path", "start_date", "exit_date"],
    "Assessments": ["learner_id", "date", "domain", "score", "level"],
    "Milestones": [
        "learner_id",
        "milestone",
        "competency",
        "level",
        "completed_date",
        "culminating_task",
    ],
    "Scales": ["domain", "level", "min_score", "max_score"],
}


def write(path: Path, tables: dict[str, list[list]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    for name in SHEETS:
        ws = wb.create_sheet(name)
        ws.append(HEADERS[name])
        for row in tables[name]:
            cells = []
            for value in row:
                if isinstance(value, dt.date):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = "yyyy-mm-dd"
                    cells.append(cell)
                else:
                    cells.append(value)
            ws.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


# --- stages --------------------------------------------------------------------------------


def bare_read(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in SHEETS)


def prepared_book(path: Path) -> Any:
    """The workbook opened and every sheet read, so that validation is timed alone."""
    from cipms_cli.workbook.reader import open_workbook

    book = open_workbook(str(path))
    for name in book.sheet_names:
        book.rows(name)
    return book


def validate_only(book: Any) -> Any:
    from cipms_cli.settings import Settings
    from cipms_cli.workbook.collector import ProblemCollector
    from cipms_cli.workbook.learner_validate import validate_learners
    from cipms_cli.workbook.sheets import match_sheet

    out = ProblemCollector(book.path)
    found = {}
    for name in book.sheet_names:
        spec = match_sheet(name)
        if spec is not None:
            found[spec.name] = name
    data = validate_learners(book, found, Settings(), out)
    errors = [p for p in out.problems() if p.severity.value == "error"]
    if errors:
        raise SystemExit(f"the generated workbook is invalid: {errors[:3]}")
    return data


def validate_whole(path: Path) -> Any:
    from cipms_cli.workbook.validate import validate_source

    report = validate_source(str(path))
    if not report.valid:
        raise SystemExit(f"the generated workbook is invalid: {report.errors[:3]}")
    return report


def engine(data: Any) -> dict[str, Any]:
    import pandas as pd

    from cipms_cli.engine import lsa
    from cipms_cli.periods import Frequency
    from cipms_cli.settings import Settings

    settings = Settings()
    data.memo.clear()  # time the preparation of the records too
    indicators = pd.DataFrame(
        {
            "indicator_id": ["LP"],
            "frequency": ["quarterly"],
            "unit": ["percent"],
            "source": ["lsa.learner_progress"],
        }
    )
    return {
        "summary": lsa.lsa_summary(data, AS_OF, settings),
        "quarters": lsa.lsa_periods(data, Frequency.QUARTERLY, AS_OF, settings),
        "years": lsa.lsa_periods(data, Frequency.ANNUAL, AS_OF, settings),
        "derived": lsa.derived_results(data, indicators, settings, AS_OF),
    }


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def peak_mib(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--assessments", type=int, default=200_000)
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    args = parser.parse_args()

    path = OUT / f"learners-{args.learners}-{args.assessments}-{args.milestones}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        write(path, generate(args.learners, args.assessments, args.milestones))
        print(f"generated {path.name} in {time.perf_counter() - t0:.1f} s")
    size = path.stat().st_size / 2**20
    print(
        f"{path.name}: {args.learners:,} learners, {args.assessments:,} assessments, "
        f"{args.milestones:,} milestones, {size:.1f} MiB"
    )

    read_s, rows = timed(lambda: bare_read(path), args.repeat)
    book = prepared_book(path)
    validate_s, data = timed(lambda: validate_only(book), args.repeat)
    whole_s, _ = timed(lambda: validate_whole(path), 1)
    engine_s, figures = timed(lambda: engine(data), args.repeat)

    stages = [
        ("(a) bare read (calamine, 4 sheets)", read_s, lambda: bare_read(path)),
        ("(b) validate learner sheets", validate_s, lambda: validate_only(book)),
        ("    validate_source, whole file", whole_s, lambda: validate_whole(path)),
        ("(c) LSA engine (summary, quarters, years, 1 series)", engine_s, lambda: engine(data)),
    ]
    print(f"{rows:,} rows read")
    print(f"{'stage':54} {'seconds':>8} {'peak MiB':>9}")
    for name, seconds, fn in stages:
        print(f"{name:54} {seconds:8.2f} {peak_mib(fn):9.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB")
    verdict = "met" if engine_s <= read_s else "NOT met"
    print(f"goal (engine no slower than the bare read): {verdict} ({engine_s / read_s:.2f}x)")
    s = figures["summary"]
    print(
        f"check: {s['window']['period']} served {s['served']:,}, assessed {s['assessed']:,}, "
        f"Learner Progress {s['learner_progress']['value']:.1f}%, "
        f"{len(figures['quarters'])} quarters"
    )


if __name__ == "__main__":
    main()
