"""Unicode sparklines for terminals and Markdown."""

from __future__ import annotations

import math
from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], width: int = 16) -> str:
    recent = list(values)[-width:]
    finite = [v for v in recent if v is not None and math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = high - low
    chars = []
    for v in recent:
        if v is None or not math.isfinite(v):
            chars.append(" ")
        elif span == 0:
            chars.append(BARS[3])
        else:
            chars.append(BARS[round((v - low) / span * (len(BARS) - 1))])
    return "".join(chars)
