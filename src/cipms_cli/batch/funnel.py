"""Funnel-plot limits for comparing proportions across agencies (Spiegelhalter 2005).

For a pooled proportion ``p`` and an agency's denominator ``n``, the normal
approximation to the binomial gives control limits ``p ± z·sqrt(p(1−p)/n)`` with
``z = 1.959964`` (95%, two-sided) and ``z = 3.090232`` (99.8%). The approximation is
poor when ``n·p`` or ``n·(1−p)`` is small; ``reliable`` says when it holds (see
docs/method.md). Everything here works on proportions (0 to 1); callers scale
limits by 100 for percent indicators.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Z95 = 1.959964
Z998 = 3.090232
MIN_EXPECTED = 5.0  # n·p and n·(1−p) at least this for the normal approximation

WITHIN = "within"
ABOVE_95 = "above_95"
ABOVE_998 = "above_99.8"
BELOW_95 = "below_95"
BELOW_998 = "below_99.8"

Array = npt.NDArray[np.float64]


def standard_error(p: Array | float, n: Array | float) -> Array:
    """Binomial standard error of a proportion ``p`` on a denominator ``n``."""
    p_arr, n_arr = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    return np.asarray(np.sqrt(p_arr * (1 - p_arr) / n_arr), dtype=float)


def limits(p: Array | float, n: Array | float, z: float) -> tuple[Array, Array]:
    """Lower and upper limits, clipped to [0, 1] (a proportion cannot leave that range)."""
    se = standard_error(p, n)
    p_arr = np.asarray(p, dtype=float)
    return np.clip(p_arr - z * se, 0.0, 1.0), np.clip(p_arr + z * se, 0.0, 1.0)


def classify(observed: Array, p: Array, n: Array) -> npt.NDArray[np.object_]:
    """within, above_95, above_99.8, below_95 or below_99.8 for each agency.

    Strictly beyond a limit counts as outside; the limits are compared unclipped, which
    gives the same answer as the clipped ones because a proportion cannot pass 0 or 1.
    """
    observed, p, n = (np.asarray(a, dtype=float) for a in (observed, p, n))
    se = standard_error(p, n)
    flag = np.full(observed.shape, WITHIN, dtype=object)
    flag[observed > p + Z95 * se] = ABOVE_95
    flag[observed > p + Z998 * se] = ABOVE_998
    flag[observed < p - Z95 * se] = BELOW_95
    flag[observed < p - Z998 * se] = BELOW_998
    return flag


def z_scores(observed: Array, p: Array, n: Array) -> Array:
    """(observed − p) / se; NaN where se is 0 (p of 0 or 1)."""
    se = standard_error(p, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.asarray(observed, dtype=float) - np.asarray(p, dtype=float)) / se
    return np.asarray(np.where(se > 0, z, np.nan), dtype=float)


def favourable(flag: str | None, direction: str) -> bool | None:
    """Is being outside the limits good news in the improvement direction?"""
    if flag is None or flag == WITHIN or direction not in ("increase", "decrease"):
        return None
    return flag.startswith("above") == (direction == "increase")


def reliable(p: Array | float, n: Array | float, min_expected: float = MIN_EXPECTED) -> Array:
    """True where n·p and n·(1−p) both reach ``min_expected``."""
    p_arr, n_arr = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    floor = min_expected - 1e-9  # 25 * (1 - 0.8) is 4.999999… in floating point
    return np.asarray((n_arr * p_arr >= floor) & (n_arr * (1 - p_arr) >= floor), dtype=bool)


def dispersion_ratio(z: Array) -> float | None:
    """Spiegelhalter's overdispersion estimate: the mean squared z-score (about 1 when the
    agencies differ by chance alone; well above 1 means the limits are too narrow)."""
    finite = np.asarray(z, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(np.mean(finite**2)) if finite.size else None
