"""Seeded generator of large indicator workbooks for the benchmarks.

python benchmarks/generate.py --indicators 2000 --periods 100 -o benchmarks/out/results-200k.xlsx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from openpyxl import Workbook


def quarter_label(index: int, first_year: int = 2000) -> str:
    return f"{first_year + index // 4}-Q{index % 4 + 1}"


def month_label(index: int, first_year: int = 2000) -> str:
    return f"{first_year + index // 12}-{index % 12 + 1:02d}"


def build(indicators: int, periods: int, seed: int, path: Path) -> int:
    rng = np.random.default_rng(seed)
    monthly = periods > 60
    label = month_label if monthly else quarter_label
    frequency = "monthly" if monthly else "quarterly"
    wb = Workbook(write_only=True)
    outcomes = wb.create_sheet("Outcomes")
    outcomes.append(["outcome_id", "statement"])
    for o in range(10):
        outcomes.append([f"O{o}", f"Outcome statement number {o} for the people we serve"])
    sheet = wb.create_sheet("Indicators")
    sheet.append(
        [
            "indicator_id",
            "name",
            "outcome_id",
            "direction",
            "unit",
            "frequency",
            "target_value",
            "target_period",
        ]
    )
    levels = rng.uniform(20, 80, indicators)
    directions = rng.choice(["increase", "decrease", "neutral"], indicators, p=[0.6, 0.3, 0.1])
    for i in range(indicators):
        sheet.append(
            [
                f"I{i:05d}",
                f"Indicator {i}",
                f"O{i % 10}",
                directions[i],
                "percent",
                frequency,
                round(float(min(levels[i] * 1.1, 99)), 1),
                label(periods + 4),
            ]
        )
    results = wb.create_sheet("Results")
    results.append(["indicator_id", "period", "value", "numerator", "denominator"])
    rows = 0
    labels = [label(p) for p in range(periods)]
    for i in range(indicators):
        noise = rng.normal(0, 3, periods)
        trend = np.linspace(0, rng.normal(0, 5), periods)
        values = np.clip(levels[i] + noise + trend, 0, 100).round(1)
        with_ratio = i % 3 == 0
        for p in range(periods):
            if with_ratio:
                den = int(rng.integers(50, 500))
                num = round(den * values[p] / 100)
                results.append([f"I{i:05d}", labels[p], None, num, den])
            else:
                results.append([f"I{i:05d}", labels[p], float(values[p])])
            rows += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--periods", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    rows = build(args.indicators, args.periods, args.seed, args.output)
    print(f"wrote {args.output}: {args.indicators} indicators, {rows} Results rows")


if __name__ == "__main__":
    main()
