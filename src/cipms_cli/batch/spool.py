"""Bytes set aside on disk until they are needed again.

A batch reads every return before it can merge any agency (an agency's returns may come
in any order), and writes its tables only when every agency has been benchmarked. What
it holds meanwhile (the packed returns, each agency's CSV lines) grows with the number
of files, so it waits here, in one unnamed temporary file, rather than in memory; so do
each agency's facts and scores (``SpooledList``, ``SpooledMap``), read again only to
write the tables.
The file has no name from the start, so nothing is left behind however the run ends.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar, overload

T = TypeVar("T")


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

    def put_object(self, item: object) -> Span:
        return self.put(pickle.dumps(item, pickle.HIGHEST_PROTOCOL))

    def get_object(self, span: Span) -> Any:
        return pickle.loads(self.get(span))

    def close(self) -> None:
        self._file.close()

    def __del__(self) -> None:
        self.close()


class SpooledList(Sequence[T]):
    """A list whose items wait pickled in the spool: 16 bytes of memory per item (where
    it lies), each item unpickled again when it is read."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool
        self._spans = array("Q")  # offset, size of each item

    def append(self, item: T) -> None:
        self._spans.extend(self._spool.put_object(item))

    def __len__(self) -> int:
        return len(self._spans) // 2

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        span = Span(self._spans[2 * index], self._spans[2 * index + 1])
        item: T = self._spool.get_object(span)
        return item


class SpooledMap(Mapping[str, T]):
    """A mapping from text keys whose values wait pickled in the spool."""

    def __init__(self, spool: Spool) -> None:
        self._index: dict[str, int] = {}
        self._values: SpooledList[T] = SpooledList(spool)

    def __setitem__(self, key: str, value: T) -> None:
        if key in self._index:
            raise KeyError(f"{key} is already set")  # a spooled value is written once
        self._index[key] = len(self._values)
        self._values.append(value)

    def __getitem__(self, key: str) -> T:
        return self._values[self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)
