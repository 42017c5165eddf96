"""Composite score out of 10 and a 0-3 star band (docs/method.md).

Each indicator with a target earns ``min(attainment, cap) x weight`` points, the
weights being scaled to share 10 points (the Ontario Service Quality Standard
style). Attainment is latest/target when higher is better and target/latest when
lower is better. A key indicator below its minimum standard caps the stars, as
the UK social-care star ratings did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cipms_cli.settings import ScoreOptions

MAX_SCORE = 10.0


@dataclass(frozen=True)
class Composite:
    score: float | None
    stars: int | None
    stars_before_cap: int | None
    scored_indicators: int
    key_failures: list[str]


def attainment(frame: pd.DataFrame) -> pd.Series:
    """latest/target (increase) or target/latest (decrease); NaN when it cannot be judged."""
    # An empty series leaves latest_value as object dtype, where NaN would not propagate.
    latest, target = frame["latest_value"].astype(float), frame["target_value"].astype(float)
    direction = frame["direction"].astype(str)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(target > 0, latest / target, np.where(latest >= target, np.inf, 0.0))
        down = np.where(latest > 0, target / latest, np.where(latest <= target, np.inf, 0.0))
    values = np.where(direction == "increase", up, np.where(direction == "decrease", down, np.nan))
    values = np.where(latest.isna() | target.isna(), np.nan, values)
    return pd.Series(np.clip(values, 0, None), index=frame.index)


def points(frame: pd.DataFrame, options: ScoreOptions) -> pd.DataFrame:
    """Per indicator: attainment, weight share of the 10 points, and points earned."""
    att = attainment(frame)
    weight = frame["weight"].fillna(1.0).where(att.notna(), 0.0)
    total = weight.sum()
    available = weight / total * MAX_SCORE if total > 0 else weight * 0
    earned = np.minimum(att.fillna(0), options.cap) * available
    return pd.DataFrame(
        {"attainment": att, "points_available": available, "points": earned}, index=frame.index
    )


def key_failures(frame: pd.DataFrame) -> list[str]:
    """Key indicators whose latest value is below their minimum standard."""
    key = frame["key"].fillna(False).astype(bool) & frame["minimum_standard"].notna()
    latest, floor = frame["latest_value"], frame["minimum_standard"]
    direction = frame["direction"].astype(str)
    below = np.where(direction == "decrease", latest > floor, latest < floor)
    failed = key & latest.notna() & below
    return [str(i) for i in frame.index[failed]]


def stars_for(score: float, thresholds: tuple[float, float, float]) -> int:
    return sum(score >= t for t in thresholds)


def composite(frame: pd.DataFrame, earned: pd.DataFrame, options: ScoreOptions) -> Composite:
    scored = int((earned["points_available"] > 0).sum())
    failures = key_failures(frame)
    if not scored:
        return Composite(None, None, None, 0, failures)
    score = float(min(earned["points"].sum(), MAX_SCORE))
    stars = stars_for(score, options.star_thresholds)
    capped = min(stars, options.key_failure_max_stars) if failures else stars
    return Composite(round(score, 2), capped, stars, scored, failures)
