"""Bytes set aside on disk until they are needed again.

A batch reads every return before it can merge any agency (an agency's returns may come
in any order), and writes its tables only when every agency has been benchmarked. What
it holds meanwhile (the packed returns, each agency's CSV lines) grows with the number
of files, so it waits here, in one unnamed temporary file, rather than in memory.
The file has no name from the start, so nothing is left behind however the run ends.
"""

from __future__ import annotations

import tempfile
from typing import NamedTuple


class Span(NamedTuple):
    offset: int
    size: int


class Spool:
    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close or __del__)
        self._end = 0

    def put(self, data: bytes) -> Span:
        self._file.seek(self._end)
        self._file.write(data)
        span = Span(self._end, len(data))
        self._end += len(data)
        return span

    def get(self, span: Span) -> bytes:
        self._file.seek(span.offset)
        return self._file.read(span.size)

    def close(self) -> None:
        self._file.close()

    def __del__(self) -> None:
        self.close()
