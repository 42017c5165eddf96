"""Open a workbook safely and hand out its sheets' raw cell values.

The guard refuses hostile files before any XML parser runs; the cell scan finds
what python-calamine silently turns into blanks (error cells, formulas with no
cached value, merged ranges).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from cipms_cli.errors import UnreadableInput, is_failure
from cipms_cli.workbook.cellscan import CellFlag, scan_cells, uses_1904_dates
from cipms_cli.workbook.guard import Sniffed, load_input, sniff_package

Cell = Any
T = TypeVar("T")
_SCAN_IN_THREAD_BYTES = 1 << 20


@dataclass
class RawWorkbook:
    path: str
    kind: str  # xlsx, xlsm, xls, ods
    sheet_names: list[str]
    hidden: set[str]
    _flags: Future[dict[str, list[CellFlag]]] = field(repr=False)
    date1904: bool
    _book: CalamineWorkbook = field(repr=False)
    _data: bytes = field(default=b"", repr=False)  # the file, for a second parser handle
    _cache: dict[str, list[list[Cell]]] = field(default_factory=dict, repr=False)
    # A sheet that failed is not parsed again: a panic in calamine prints to stderr each time.
    _failed: dict[str, UnreadableInput] = field(default_factory=dict, repr=False)
    _beside: Future[None] | None = field(default=None, repr=False)
    _beside_sheets: frozenset[str] = frozenset()

    @property
    def flags(self) -> dict[str, list[CellFlag]]:
        """Error cells, uncalculated formulas and merges, by sheet (UnreadableInput if bad)."""
        return self._flags.result()

    def preload(self, sheets: Iterable[str]) -> None:
        """Parse these sheets now, while the cell scan is still running beside the parser.

        A sheet that cannot be parsed is left for the read that needs it to report.
        """
        for sheet in sheets:
            with contextlib.suppress(UnreadableInput):
                self.rows(sheet)

    def preload_beside(self, sheets: Iterable[str]) -> None:
        """Start parsing these sheets in a background thread, on a second parser handle of
        the same bytes, so that the caller can read and check the other sheets meanwhile;
        ``rows`` of one of them waits for it. Only on a large file, where the parse takes
        long enough to pay for the thread; a smaller one is parsed at once.
        """
        todo = [s for s in sheets if s not in self._cache]
        if len(self._data) < _SCAN_IN_THREAD_BYTES or self._beside is not None:
            self.preload(todo)
        elif todo:
            self._beside_sheets = frozenset(todo)
            self._beside = _in_background("cipms-parse", self._parse_beside, todo)

    def release(self) -> None:
        """Drop the parsed sheets (millions of cells in a large file) once they are used."""
        if self._beside is not None:
            self._beside.result()
        self._cache.clear()

    def rows(self, sheet: str) -> list[list[Cell]]:
        """All rows from A1, so that ``rows[i][j]`` is Excel row ``i + 1``, column ``j``."""
        if sheet in self._beside_sheets and self._beside is not None:
            self._beside.result()
        if sheet in self._failed:
            raise self._failed[sheet]
        if sheet not in self._cache:
            self._cache[sheet] = self._parse(self._book, sheet)
        return self._cache[sheet]

    def _parse_beside(self, sheets: list[str]) -> None:
        # A sheet that fails here is reported by the read that needs it.
        with contextlib.suppress(UnreadableInput):
            book = _calamine(self._data, self.path)
            for sheet in sheets:
                with contextlib.suppress(UnreadableInput):
                    self._cache[sheet] = self._parse(book, sheet)

    def _parse(self, book: CalamineWorkbook, sheet: str) -> list[list[Cell]]:
        try:
            rows: list[list[Cell]] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except BaseException as exc:  # calamine raises its own error types, and panics
            if not is_failure(exc):
                raise
            fix = (
                "a date-formatted cell holds a number no date can have (Excel shows it as "
                "#####); type a real date there"
                if "TimeDelta" in str(exc)
                else "re-save the file in Excel or LibreOffice"
            )
            failure = UnreadableInput(
                f"sheet '{sheet}' could not be read ({exc}); {fix}",
                code="corrupt-file",
                path=self.path,
            )
            self._failed[sheet] = failure
            raise failure from exc
        return rows


def read_ahead(source: str) -> Future[RawWorkbook]:
    """Open ``source`` and parse its sheets in a background thread.

    python-calamine releases the GIL while it parses, so a command can import pandas and
    pydantic (about half a second) while the file is read, instead of one after the other.
    """
    return _in_background("cipms-read", _open_and_parse, source)


def _open_and_parse(source: str) -> RawWorkbook:
    from cipms_cli.workbook.sheets import match_sheet  # imported here, off the main thread

    book = open_workbook(source)
    # Only the contract's sheets: a notes or raw-data tab is never read.
    book.preload(s for s in book.sheet_names if match_sheet(s) is not None)
    return book


def _in_background(thread: str, work: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread)
    future = pool.submit(work, *args, **kwargs)
    pool.shutdown(wait=False)  # the thread ends with the work; nobody waits for the pool
    return future


def open_workbook(source: str) -> RawWorkbook:
    """Read ``source`` (a path, or ``-`` for stdin). Raises UnreadableInput."""
    data, name = load_input(source)
    return open_bytes(data, name)


def open_bytes(data: bytes, name: str) -> RawWorkbook:
    sniffed = sniff_package(data, name)
    kind = sniffed.kind
    # python-calamine releases the GIL while it parses, so on a large file the cell scan
    # runs beside it (RawWorkbook.flags waits for it). A small file is scanned at once: a
    # thread would cost more than it saves, and batch workers already keep the cores busy.
    if len(data) >= _SCAN_IN_THREAD_BYTES:
        flags = _in_background(
            "cipms-cellscan", scan_cells, data, kind, name=name, ooxml=sniffed.ooxml
        )
    else:
        flags = Future()
        flags.set_result(scan_cells(data, kind, name=name, ooxml=sniffed.ooxml))
    return _open_book(data, name, sniffed, flags)


def _open_book(
    data: bytes, name: str, sniffed: Sniffed, flags: Future[dict[str, list[CellFlag]]]
) -> RawWorkbook:
    book = _calamine(data, name)
    if not book.sheet_names:
        raise UnreadableInput(
            "the workbook has no sheets; start from `cipms init`", code="empty-workbook", path=name
        )
    hidden = {
        meta.name for meta in book.sheets_metadata if meta.visible != SheetVisibleEnum.Visible
    }
    return RawWorkbook(
        path=name,
        kind=sniffed.kind,
        sheet_names=list(book.sheet_names),
        hidden=hidden,
        _flags=flags,
        date1904=(
            sniffed.ooxml.date1904
            if sniffed.ooxml
            else uses_1904_dates(data, sniffed.kind, name=name)
        ),
        _book=book,
        _data=data,
    )


def _calamine(data: bytes, name: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_object(io.BytesIO(data))
    except BaseException as exc:
        if not is_failure(exc):
            raise
        raise UnreadableInput(
            f"the file could not be opened as a spreadsheet ({exc}); re-save it as .xlsx",
            code="corrupt-file",
            path=name,
        ) from exc
