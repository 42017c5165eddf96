"""A per-agency table made in parts, each part holding rows of many agencies.

The agency benchmarks are made a benchmark part (a few indicators) at a time, but the
table lists them agency by agency. So each part waits in the spool as a run of chunks,
one per agency in the batch's agency order, each behind a header giving the agency's
place in that order and the chunk's size, and the table is read back by merging the
parts a chunk at a time. The main process holds one cursor per part while it writes,
and no index of agencies by part, which would grow with agencies times parts.
"""

from __future__ import annotations

import heapq
import pickle
import struct
from collections.abc import Iterable, Iterator
from typing import Any

from cipms_cli.batch.spool import Span, Spool
from cipms_cli.output.formats import csv_record_lines

Row = dict[str, Any]
HEADER = struct.Struct("<II")  # the agency's place, the chunk's size


def encode_part(chunks: Iterable[tuple[int, bytes]]) -> bytes:
    """A part from its (agency place, chunk) pairs, in order of place."""
    return b"".join(HEADER.pack(place, len(data)) + data for place, data in chunks)


def rows_chunk(records: list[Row], columns: list[str], encode_csv: bool) -> bytes:
    """One agency's rows of a part: CSV text, or the records pickled."""
    if encode_csv:
        return "".join(csv_record_lines(records, columns)).encode()
    return pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)


class PartedTable:
    def __init__(self, spool: Spool, encoded_csv: bool) -> None:
        self._spool = spool
        self.encoded_csv = encoded_csv
        self._parts: list[Span] = []

    def add(self, part: bytes) -> None:
        if part:
            self._parts.append(self._spool.put(part))

    def csv_text(self) -> Iterator[str]:
        """The table's CSV lines, a chunk (an agency's lines in one part) at a time."""
        assert self.encoded_csv, "the batch was run for records, not encode_csv"
        return (chunk.decode() for chunk in self._chunks())

    def records(self) -> Iterator[Row]:
        assert not self.encoded_csv, "the batch was run for encode_csv, not records"
        for chunk in self._chunks():
            yield from pickle.loads(chunk)

    def _chunks(self) -> Iterator[bytes]:
        """Every chunk, by agency place, then by part."""
        readers = [_read(i, span, self._spool) for i, span in enumerate(self._parts)]
        return (chunk for _, _, chunk in heapq.merge(*readers))


def _read(index: int, span: Span, spool: Spool) -> Iterator[tuple[int, int, bytes]]:
    offset, end = span.offset, span.offset + span.size
    while offset < end:
        place, size = HEADER.unpack(spool.get(Span(offset, HEADER.size)))
        offset += HEADER.size
        yield place, index, spool.get(Span(offset, size))
        offset += size
