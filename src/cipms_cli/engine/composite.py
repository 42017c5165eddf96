"""Composite score out of 10 and a 0-3 star band (docs/method.md).

Each indicator with a target earns ``min(attainment, cap) x weight`` points, the
weights being scaled to share 10 points (the Ontario Service Quality Standard
style). Attainment is latest/target when higher is better and target/latest when
lower is better. A key indicator below its minimum standard caps the stars, as
the UK social-care star ratings did.

The ``*_of`` functions work on columns (a DataFrame or the engine's arrays); the others
take and return DataFrames indexed by indicator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cipms_cli.engine.series import Columns, booleans, floats
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
    return pd.Series(attainment_of(frame), index=frame.index)


def attainment_of(table: Columns) -> np.ndarray:
    """``attainment`` of each row of ``table`` (latest_value, target_value, direction)."""
    latest, target = floats(table["latest_value"]), floats(table["target_value"])
    direction = np.asarray(table["direction"], dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(target > 0, latest / target, np.where(latest >= target, np.inf, 0.0))
        down = np.where(latest > 0, target / latest, np.where(latest <= target, np.inf, 0.0))
    values = np.where(direction == "increase", up, np.where(direction == "decrease", down, np.nan))
    values = np.where(np.isnan(latest) | np.isnan(target), np.nan, values)
    clipped: np.ndarray = np.clip(values, 0, None)
    return clipped


def points(frame: pd.DataFrame, options: ScoreOptions) -> pd.DataFrame:
    """Per indicator: attainment, weight share of the 10 points, and points earned."""
    return pd.DataFrame(points_of(frame, options), index=frame.index)


def points_of(table: Columns, options: ScoreOptions) -> dict[str, np.ndarray]:
    """``points`` of each row of ``table`` (latest_value, target_value, direction, weight)."""
    att = attainment_of(table)
    judged = ~np.isnan(att)
    weight = floats(table["weight"])
    weight = np.where(judged, np.where(np.isnan(weight), 1.0, weight), 0.0)
    total = weight.sum()
    available = weight / total * MAX_SCORE if total > 0 else weight * 0
    earned = np.minimum(np.where(judged, att, 0.0), options.cap) * available
    return {"attainment": att, "points_available": available, "points": earned}


def key_failures(frame: pd.DataFrame) -> list[str]:
    """Key indicators whose latest value is below their minimum standard."""
    return [str(i) for i in frame.index[below_minimum_standard(frame)]]


def below_minimum_standard(table: Columns) -> np.ndarray:
    """Key rows of ``table`` whose latest value is below their minimum standard."""
    latest, floor = floats(table["latest_value"]), floats(table["minimum_standard"])
    direction = np.asarray(table["direction"], dtype=object)
    with np.errstate(invalid="ignore"):
        below = np.where(direction == "decrease", latest > floor, latest < floor)
    failed: np.ndarray = booleans(table["key"]) & ~np.isnan(floor) & ~np.isnan(latest) & below
    return failed


def stars_for(score: float, thresholds: tuple[float, float, float]) -> int:
    return sum(score >= t for t in thresholds)


def composite(frame: pd.DataFrame, earned: pd.DataFrame, options: ScoreOptions) -> Composite:
    return composite_of(earned, key_failures(frame), options)


def composite_of(earned: Columns, failures: list[str], options: ScoreOptions) -> Composite:
    """The score and stars from each indicator's ``points_of`` and the key failures."""
    scored = int((floats(earned["points_available"]) > 0).sum())
    if not scored:
        return Composite(None, None, None, 0, failures)
    score = float(min(floats(earned["points"]).sum(), MAX_SCORE))
    stars = stars_for(score, options.star_thresholds)
    capped = min(stars, options.key_failure_max_stars) if failures else stars
    return Composite(round(score, 2), capped, stars, scored, failures)
