"""Compare agencies per indicator and period: spread, ranks, percentiles, funnel flags.

Input is one row per agency, indicator and period (``observations``). Ranks are in
the improvement direction (1 = best; ties share the better rank); for a neutral
indicator rank 1 is the highest value. Quartiles interpolate linearly (NumPy's
default). Funnel limits (``funnel``) apply where every agency reporting numerator and
denominator has a proportion (0 ≤ numerator ≤ denominator) and at least two do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.batch import funnel
from cipms_cli.batch.combine import BatchProblem, CombinedAgency
from cipms_cli.problems import Severity

PERIOD_KEYS = ["indicator_id", "frequency", "fiscal_start", "ordinal"]
NOT_GIVEN = "(not given)"
OBSERVATION_COLUMNS = [
    "agency_id",
    "region",
    "stream",
    "indicator_id",
    "name",
    "frequency",
    "fiscal_start",
    "ordinal",
    "period",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "direction",
    "unit",
]


def observations(agencies: Iterable[CombinedAgency], as_of: dict[str, Any]) -> pd.DataFrame:
    """One row per agency, indicator and period up to the agency's as-of date."""
    rows = []
    for agency in agencies:
        end = as_of.get(agency.agency_id)
        meta = agency.agency
        definitions = agency.definitions
        for used in agency.figures:
            f = used.figure
            if end is not None and f.period.end > end:
                continue
            definition = definitions[f.indicator_id]
            rows.append(
                (
                    agency.agency_id,
                    meta.get("region"),
                    meta.get("stream"),
                    f.indicator_id,
                    definition["name"],
                    str(f.period.frequency),
                    f.period.fiscal_start,
                    f.period.ordinal,
                    f.period.label,
                    f.period.end,
                    f.value,
                    f.numerator,
                    f.denominator,
                    str(definition["direction"]),
                    str(definition["unit"]),
                )
            )
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype(float)
    return frame


def harmonise_definitions(obs: pd.DataFrame) -> tuple[pd.DataFrame, list[BatchProblem]]:
    """Use one direction, unit and name per indicator across the network: the one most
    agencies use (ties: alphabetical). Disagreements are warnings naming the agencies."""
    if obs.empty:
        return obs, []
    problems = []
    per_agency = obs.drop_duplicates(["indicator_id", "agency_id"])
    chosen: dict[str, dict[str, Any]] = defaultdict(dict)
    for indicator_id, rows in per_agency.groupby("indicator_id", sort=True):
        for column in ("direction", "unit", "name"):
            counts = Counter(str(v) for v in rows[column])
            value = min(counts, key=lambda v: (-counts[v], v))
            chosen[str(indicator_id)][column] = value
            if len(counts) > 1 and column != "name":
                problems.append(_across_agencies_problem(str(indicator_id), column, rows, value))
    obs = obs.copy()
    for column in ("direction", "unit", "name"):
        obs[column] = obs["indicator_id"].map({k: v[column] for k, v in chosen.items()})
    return obs, problems


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


# --- per agency and period ---------------------------------------------------


def rank_and_flag(obs: pd.DataFrame) -> pd.DataFrame:
    """Add agencies, rank, percentile, the network median and the funnel columns."""
    out = obs.copy()
    if out.empty:
        for column in AGENCY_PERIOD_EXTRA:
            out[column] = pd.Series(dtype=object)
        return out
    sign = np.where(out["direction"] == "decrease", -1.0, 1.0)
    out["_score"] = out["value"] * sign
    by_period = out.groupby(PERIOD_KEYS, sort=False)
    out["agencies"] = by_period["value"].transform("size")
    out["rank"] = by_period["_score"].rank(method="min", ascending=False).astype(int)
    average = by_period["_score"].rank(method="average", ascending=True)
    out["percentile"] = ((average - 1) / (out["agencies"] - 1) * 100).where(out["agencies"] > 1)
    out["network_median"] = by_period["value"].transform("median")
    _add_funnel(out)
    return out.drop(columns="_score")


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


def _add_funnel(out: pd.DataFrame) -> None:
    keys = [out[k] for k in PERIOD_KEYS]
    num, den = out["numerator"], out["denominator"]
    has_ratio = num.notna() & den.notna() & (den > 0)
    proportion = has_ratio & (num >= 0) & (num <= den)
    # A ratio above 1 (a rate per learner, say) is not binomial: no funnel for that period.
    not_binomial = (has_ratio & ~proportion).groupby(keys).transform("any")
    eligible = proportion & ~not_binomial
    eligible &= eligible.groupby(keys).transform("sum") >= 2
    pooled_num = num.where(eligible).groupby(keys).transform("sum")
    pooled_den = den.where(eligible).groupby(keys).transform("sum")
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
    out["funnel_favourable"] = [
        funnel.favourable(flag, direction)
        for flag, direction in zip(out["funnel_flag"], out["direction"], strict=True)
    ]
    reliable = funnel.reliable(p.to_numpy(), n.to_numpy())
    out["funnel_reliable"] = _only_where(eligible, [bool(r) for r in reliable])
    out["dispersion_ratio"] = (
        out["z_score"]
        .where(eligible)
        .groupby(keys)
        .transform(lambda z: funnel.dispersion_ratio(z.to_numpy()))
    )


def _only_where(mask: pd.Series, values: Any) -> pd.Series:
    """``values`` where ``mask`` holds, else None (not NaN: these are labels and booleans)."""
    kept = [v if keep else None for v, keep in zip(values, mask, strict=True)]
    return pd.Series(kept, index=mask.index, dtype=object)


def latest_per_agency(ranked: pd.DataFrame) -> pd.DataFrame:
    """Each agency's row at its latest period for each indicator."""
    if ranked.empty:
        return ranked
    ordered = ranked.sort_values(["agency_id", "indicator_id", "ordinal"], kind="stable")
    return ordered.groupby(["agency_id", "indicator_id"], sort=True).tail(1)


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
            "agencies": values.size(),
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
    has_ratio = obs["numerator"].notna() & obs["denominator"].notna() & (obs["denominator"] > 0)
    frames = []
    for dimension in ("region", "stream"):
        frame = obs.assign(
            dimension=dimension,
            group=obs[dimension].map(lambda v: NOT_GIVEN if v is None or v != v else str(v)),
            _num=obs["numerator"].where(has_ratio),
            _den=obs["denominator"].where(has_ratio),
        )
        grouped = frame.groupby(["dimension", "group", *PERIOD_KEYS], sort=True)
        rolled = pd.DataFrame(
            {
                "period": grouped["period"].first(),
                "unit": grouped["unit"].first(),
                "agencies": grouped["agency_id"].nunique(),
                "median": grouped["value"].median(),
                "pooled_numerator": grouped["_num"].sum(min_count=1),
                "pooled_denominator": grouped["_den"].sum(min_count=1),
            }
        ).reset_index()
        scale = np.where(rolled["unit"] == "percent", 100.0, 1.0)
        rolled["pooled_rate"] = (
            rolled["pooled_numerator"] / rolled["pooled_denominator"] * scale
        ).where(rolled["pooled_denominator"] > 0)
        frames.append(rolled)
    return pd.concat(frames, ignore_index=True)
