"""Compare agencies per indicator and period: spread, ranks, percentiles, funnel flags.

Input is one row per agency, indicator and period (``observations.ObservationTable``).
Ranks are in the improvement direction (1 = best; ties share the better rank); for a
neutral indicator rank 1 is the highest value. Quartiles interpolate linearly (NumPy's
default). Funnel limits (``funnel``) apply where every agency reporting numerator and
denominator has a proportion (0 ≤ numerator ≤ denominator) and at least two do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.batch import funnel
from cipms_cli.batch.combine import BatchProblem
from cipms_cli.problems import Severity

PERIOD_KEYS = ["indicator_id", "frequency", "fiscal_start", "ordinal"]
NOT_GIVEN = "(not given)"


def harmonise_definitions(obs: pd.DataFrame) -> tuple[pd.DataFrame, list[BatchProblem]]:
    """Use one direction, unit and name per indicator across the network: the one most
    agencies use (ties: alphabetical). Disagreements are warnings naming the agencies."""
    if obs.empty:
        return obs, []
    problems = []
    per_agency = obs.drop_duplicates(["indicator_id", "agency_id"])
    codes, indicators = pd.factorize(per_agency["indicator_id"], sort=True)
    counts = {
        column: _counts_per_indicator(codes, per_agency[column], len(indicators))
        for column in DEFINITION_COLUMNS
    }
    chosen: dict[str, dict[str, str | None]] = {column: {} for column in DEFINITION_COLUMNS}
    for code, indicator_id in enumerate(indicators):
        for column in DEFINITION_COLUMNS:
            used = counts[column][code]
            if not used:
                chosen[column][str(indicator_id)] = None
                continue
            value = min(used, key=lambda v: (-used[v], v))
            chosen[column][str(indicator_id)] = value
            if len(used) > 1 and column != "name":
                rows = per_agency[codes == code]
                problems.append(_across_agencies_problem(str(indicator_id), column, rows, value))
    obs = obs.copy(deep=False)
    for column in DEFINITION_COLUMNS:
        obs[column] = obs["indicator_id"].map(chosen[column])
    return obs, problems


DEFINITION_COLUMNS = ("direction", "unit", "name")


def _counts_per_indicator(
    codes: np.ndarray, values: pd.Series, indicators: int
) -> list[Counter[str]]:
    """For each indicator code, how many agencies give each value (as text)."""
    per_indicator: list[Counter[str]] = [Counter() for _ in range(indicators)]
    texts = [None if _is_missing(v) else str(v) for v in values.to_numpy(dtype=object)]
    for (code, text), count in Counter(zip(codes.tolist(), texts, strict=True)).items():
        # A missing indicator id is in no group, as in pandas; a missing definition is no
        # definition to agree or disagree with.
        if code >= 0 and text is not None:
            per_indicator[code][text] = count
    return per_indicator


def _is_missing(value: object) -> bool:
    """None, NaN or pandas' NA (whose ``!=`` cannot be asked as a yes or no)."""
    return value is None or value is pd.NA or value != value


def _across_agencies_problem(
    indicator_id: str, column: str, rows: pd.DataFrame, used: str
) -> BatchProblem:
    groups = rows.groupby(column)["agency_id"].apply(lambda s: ", ".join(sorted(s)))
    described = "; ".join(f"{value} for {agencies}" for value, agencies in groups.items())
    return BatchProblem(
        Severity.WARNING,
        "definition-differs-across-agencies",
        f"indicator {indicator_id}: {column} is {described}; agencies are compared as "
        f"{used}. Agree one definition across the network",
        indicator_id=indicator_id,
    )


def _periods(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's indicator and period as a number, 0, 1, 2, … in the keys' sort order
    (NaN where a key is missing: pandas leaves such rows out of every group), and the keys
    of each number, typed as a groupby by them gives them. Pandas hashes the four key
    columns afresh for each grouping by them; grouping by the number costs a fraction."""
    grouped = frame.groupby(PERIOD_KEYS, sort=True)
    return grouped.ngroup().to_numpy(), grouped.size().index.to_frame(index=False)


# --- per agency and period ---------------------------------------------------


def rank_and_flag(obs: pd.DataFrame) -> pd.DataFrame:
    """Add agencies, rank, percentile, the network median and the funnel columns."""
    out = obs.copy(deep=False)
    if out.empty:
        for column in AGENCY_PERIOD_EXTRA:
            out[column] = pd.Series(dtype=object)
        return out
    periods, _ = _periods(out)
    value = out["value"]
    score = value * np.where(out["direction"] == "decrease", -1.0, 1.0)
    # A row without a value or a period key (validation lets none through; a caller of the
    # library might) is not counted or ranked, and has no rank.
    out["agencies"] = _whole_numbers(value.groupby(periods).transform("count"))
    out["rank"] = _whole_numbers(score.groupby(periods).rank(method="min", ascending=False))
    average = score.groupby(periods).rank(method="average", ascending=True)
    out["percentile"] = ((average - 1) / (out["agencies"] - 1) * 100).where(out["agencies"] > 1)
    out["network_median"] = value.groupby(periods).transform("median")
    _add_funnel(out, periods)
    return out


def _whole_numbers(counts: pd.Series) -> pd.Series:
    """Integers, with pandas' missing-value integers only where some are missing."""
    return counts.astype(int) if counts.notna().all() else counts.astype("Int64")


AGENCY_PERIOD_EXTRA = [
    "agencies",
    "rank",
    "percentile",
    "network_median",
    "pooled_rate",
    "funnel_eligible",
    "observed_rate",
    "z_score",
    "funnel_lower_95",
    "funnel_upper_95",
    "funnel_lower_99_8",
    "funnel_upper_99_8",
    "funnel_flag",
    "funnel_favourable",
    "funnel_reliable",
    "dispersion_ratio",
]


def _add_funnel(out: pd.DataFrame, periods: np.ndarray) -> None:
    num, den = out["numerator"], out["denominator"]
    has_ratio = num.notna() & den.notna() & (den > 0)
    proportion = has_ratio & (num >= 0) & (num <= den)
    # A ratio above 1 (a rate per learner, say) is not binomial: no funnel for that period.
    not_binomial = (has_ratio & ~proportion).groupby(periods).transform("any")
    # A row without a period is in no group (NaN here), so in no funnel.
    not_binomial = not_binomial.ne(False)
    eligible = proportion & ~not_binomial
    eligible &= eligible.groupby(periods).transform("sum") >= 2
    pooled_num = num.where(eligible).groupby(periods).transform("sum")
    pooled_den = den.where(eligible).groupby(periods).transform("sum")
    p = (pooled_num / pooled_den).where(pooled_den > 0)
    scale = np.where(out["unit"] == "percent", 100.0, 1.0)
    observed = (num / den).where(eligible)
    n = den.where(eligible)
    out["pooled_rate"] = p * scale
    out["funnel_eligible"] = eligible
    out["observed_rate"] = observed * scale
    out["z_score"] = funnel.z_scores(observed.to_numpy(), p.to_numpy(), n.to_numpy())
    for z, suffix in ((funnel.Z95, "95"), (funnel.Z998, "99_8")):
        low, high = funnel.limits(p.to_numpy(), n.to_numpy(), z)
        out[f"funnel_lower_{suffix}"] = np.where(eligible, low * scale, np.nan)
        out[f"funnel_upper_{suffix}"] = np.where(eligible, high * scale, np.nan)
    flags = funnel.classify(observed.to_numpy(), p.to_numpy(), n.to_numpy())
    out["funnel_flag"] = _only_where(eligible, flags)
    out["funnel_favourable"] = _per_distinct(
        funnel.favourable, out["funnel_flag"], out["direction"]
    )
    reliable = funnel.reliable(p.to_numpy(), n.to_numpy())
    out["funnel_reliable"] = _only_where(eligible, reliable)
    z_eligible = out["z_score"].where(eligible).to_numpy()
    out["dispersion_ratio"] = _per_group(funnel.dispersion_ratio, z_eligible, periods)


def _only_where(mask: pd.Series, values: np.ndarray) -> pd.Series:
    """``values`` where ``mask`` holds, else None (not NaN: these are labels and booleans).
    As Python objects: a numpy bool would print as ``np.True_``."""
    keep = mask.to_numpy()
    kept = np.full(len(keep), None, dtype=object)
    kept[keep] = np.asarray(values, dtype=object)[keep]
    return pd.Series(kept, index=mask.index, dtype=object)


def _per_distinct(
    function: Callable[[Any, Any], Any], first: pd.Series, second: pd.Series
) -> pd.Series:
    """``function(a, b)`` for each row's pair of values, called once per distinct pair.

    A missing value (None or NaN) is passed as None."""
    # As object arrays: pandas' text arrays take twice as long to hash.
    first_codes, first_values = pd.factorize(first.to_numpy(dtype=object))
    second_codes, second_values = pd.factorize(second.to_numpy(dtype=object))
    # Code -1 (missing) picks the None appended last.
    table = np.array(
        [[function(a, b) for b in [*second_values, None]] for a in [*first_values, None]],
        dtype=object,
    )
    return pd.Series(table[first_codes, second_codes], index=first.index, dtype=object)


def _per_group(
    function: Callable[[np.ndarray], float | None], values: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """``function`` of each group's values (in row order), given to each row of the group;
    NaN where it gives None. ``groups`` numbers the groups 0, 1, 2, … with no gaps, NaN
    for a row in no group (it gets NaN)."""
    known = groups == groups
    codes = groups[known].astype(np.int64)
    order = np.argsort(codes, kind="stable")
    ends = np.flatnonzero(np.diff(codes[order])) + 1
    results = [function(part) for part in np.split(values[known][order], ends)]
    per_group = np.array([np.nan if r is None else r for r in results], dtype=float)
    out = np.full(len(groups), np.nan)
    out[known] = per_group[codes]
    return out


def latest_per_agency(ranked: pd.DataFrame) -> pd.DataFrame:
    """Each agency's row at its latest period for each indicator."""
    if ranked.empty:
        return ranked
    agency, indicator, ordinal = (
        _sort_codes(ranked[c]) for c in ("agency_id", "indicator_id", "ordinal")
    )
    # As sort_values(kind="stable") then groupby(...).tail(1), without hashing the text
    # columns twice: the last row of each agency and indicator in that order.
    order = np.lexsort((ordinal, indicator, agency))
    agency, indicator = agency[order], indicator[order]
    last = np.r_[(agency[1:] != agency[:-1]) | (indicator[1:] != indicator[:-1]), True]
    # A row without an agency or indicator id is in no group, as in pandas.
    grouped = (ranked["agency_id"].notna() & ranked["indicator_id"].notna()).to_numpy()
    # Taken in order, then masked, as sort_values and tail(1) did: the same kind of index.
    return ranked.take(order)[last & grouped[order]]


def funnel_counts(latest: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per agency: its indicators in ``latest`` outside the funnel limits in the
    improvement direction, and against it."""
    counts: dict[str, tuple[int, int]] = {}
    if latest.empty:
        return counts
    for agency_id, flag in zip(latest["agency_id"], latest["funnel_favourable"], strict=True):
        better, worse = counts.get(agency_id, (0, 0))
        # == as pandas compares: numpy's booleans count, an empty flag (None, NaN) does not.
        counts[agency_id] = (better + int(flag == True), worse + int(flag == False))  # noqa: E712
    return counts


def _sort_codes(column: pd.Series) -> np.ndarray:
    """Numbers in the column's sort order, missing values last (as ``sort_values``)."""
    codes, uniques = pd.factorize(column, sort=True)
    return np.where(codes < 0, len(uniques), codes)


# --- per indicator and period ------------------------------------------------


def period_summary(ranked: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator and period: spread, pooled rate and funnel counts."""
    if ranked.empty:
        return pd.DataFrame()
    frame = ranked.assign(
        _num=ranked["numerator"].where(ranked["funnel_eligible"]),
        _den=ranked["denominator"].where(ranked["funnel_eligible"]),
        _out95=ranked["funnel_flag"].isin(
            [funnel.ABOVE_95, funnel.ABOVE_998, funnel.BELOW_95, funnel.BELOW_998]
        ),
        _out998=ranked["funnel_flag"].isin([funnel.ABOVE_998, funnel.BELOW_998]),
    )
    grouped = frame.groupby(PERIOD_KEYS, sort=True)
    values = grouped["value"]
    summary = pd.DataFrame(
        {
            "name": grouped["name"].first(),
            "direction": grouped["direction"].first(),
            "unit": grouped["unit"].first(),
            "period": grouped["period"].first(),
            "period_end": grouped["period_end"].first(),
            "agencies": values.count(),
            "min": values.min(),
            "q1": values.quantile(0.25),
            "median": values.median(),
            "q3": values.quantile(0.75),
            "max": values.max(),
            "mean": values.mean(),
            "pooled_numerator": grouped["_num"].sum(min_count=1),
            "pooled_denominator": grouped["_den"].sum(min_count=1),
            "pooled_rate": grouped["pooled_rate"].first(),
            "funnel_agencies": grouped["funnel_eligible"].sum(),
            "outside_95": grouped["_out95"].sum(),
            "outside_99_8": grouped["_out998"].sum(),
            "dispersion_ratio": grouped["dispersion_ratio"].first(),
        }
    )
    return summary.reset_index()


def rollups(obs: pd.DataFrame) -> pd.DataFrame:
    """Per region and per stream, indicator and period: agencies, median, pooled rate."""
    if obs.empty:
        return pd.DataFrame()
    periods, period_keys = _periods(obs)
    has_ratio = obs["numerator"].notna() & obs["denominator"].notna() & (obs["denominator"] > 0)
    measured = obs[["period", "unit", "value"]].assign(
        _period=periods,
        _agency=_numbered(obs["agency_id"]),
        _num=obs["numerator"].where(has_ratio),
        _den=obs["denominator"].where(has_ratio),
    )
    frames = []
    for dimension in ("region", "stream"):
        frame = measured.assign(_group=_group_names(obs[dimension]))
        grouped = frame.groupby(["_group", "_period"], sort=True)
        rolled = pd.DataFrame(
            {
                "period": grouped["period"].first(),
                "unit": grouped["unit"].first(),
                "agencies": grouped["_agency"].nunique(),
                "median": grouped["value"].median(),
                "pooled_numerator": grouped["_num"].sum(min_count=1),
                "pooled_denominator": grouped["_den"].sum(min_count=1),
            }
        )
        groups, codes = (rolled.index.get_level_values(level) for level in (0, 1))
        keys = period_keys.take(codes.to_numpy(dtype=np.int64)).reset_index(drop=True)
        named = pd.DataFrame({"dimension": dimension, "group": groups})
        rolled = pd.concat([named, keys, rolled.reset_index(drop=True)], axis=1)
        scale = np.where(rolled["unit"] == "percent", 100.0, 1.0)
        rolled["pooled_rate"] = (
            rolled["pooled_numerator"] / rolled["pooled_denominator"] * scale
        ).where(rolled["pooled_denominator"] > 0)
        frames.append(rolled)
    return pd.concat(frames, ignore_index=True)


def _group_names(values: pd.Series) -> list[str]:
    """Each value as text, NOT_GIVEN where it is missing (None or NaN)."""
    return [NOT_GIVEN if _is_missing(v) else str(v) for v in values.to_numpy(dtype=object)]


def _numbered(values: pd.Series) -> np.ndarray:
    """A number for each distinct value, NaN where it is missing: counting distinct
    numbers is cheaper than hashing the text again for each count."""
    codes = pd.factorize(values)[0]
    return np.where(codes < 0, np.nan, codes)
