"""Pause Python's cyclic garbage collector while building many small objects.

Reading a large sheet creates millions of cells and tuples that are never cyclic
garbage; with pandas and pydantic imported, each automatic collection walks every
live object, which made reading about 40% slower than a bare python-calamine read.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
