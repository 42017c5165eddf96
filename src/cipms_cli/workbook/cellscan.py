"""Find the cells python-calamine silently turns into blanks.

calamine returns an Excel error (#DIV/0!, #N/A…) and a formula with no cached value as an
empty string, exactly like a blank cell, and fills only the top-left cell of a merged range.
This module reads the sheet XML (or the .xls records) itself to flag those cells.

Sheets are scanned with byte patterns rather than an XML parser: flagged cells are rare, so
searching for them is far faster than parsing every cell (about 20 times on a 200,000-row
sheet; see docs/security.md). Rows and columns come from the ``r="C7"`` address, or are
counted when a writer left it out. Markup too unusual for the patterns falls back to a
streaming XML parse. The guard has already refused DTDs; the parser refuses them again.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from defusedxml import ElementTree as SafeET

from cipms_cli.errors import UnreadableInput
from cipms_cli.problems import column_index, column_letter
from cipms_cli.workbook.guard import (
    CfbError,
    CompoundFile,
    OoxmlStructureError,
    OoxmlWorkbook,
    XlsGlobals,
    find_member,
    iter_biff_records,
    read_ooxml_workbook,
    read_xls_globals,
)

ERROR_CELL = "error-cell"
UNCACHED_FORMULA = "uncached-formula"
MERGED_CELL = "merged-cell"

MAX_REPEAT_EXPANSION = 1_000  # ODS: flags emitted for one repeated cell/row element
_CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CellFlag:
    row: int  # 1-based, as Excel shows it
    col: int  # 0-based column index
    kind: str  # "error-cell" | "uncached-formula" | "merged-cell"
    detail: str  # e.g. "#DIV/0!", the formula text, or the merged range "A1:C1"


def scan_cells(
    data: bytes, kind: str, *, name: str | None = None, ooxml: OoxmlWorkbook | None = None
) -> dict[str, list[CellFlag]]:
    """Map each sheet name (as python-calamine reports it) to its flags, sorted by row, col.

    ``kind`` is what ``guard.sniff`` returned, and ``ooxml`` the sheets it read, if any;
    ``name`` only labels errors. Raises UnreadableInput (corrupt-file) when a part cannot
    be unpacked or parsed.
    """
    with _unscannable_as_corrupt(name):
        if kind in ("xlsx", "xlsm"):
            return _scan_ooxml(data, ooxml)
        if kind == "ods":
            return _scan_ods(data)
        if kind == "xls":
            return _scan_xls(data)
    return {}


def uses_1904_dates(data: bytes, kind: str, *, name: str | None = None) -> bool:
    """True when the workbook counts date serials from 1904 (Excel for Mac's old default).

    For ODS: true when the table:null-date is 1904-01-01 (LibreOffice can be set to it).
    """
    with _unscannable_as_corrupt(name):
        if kind in ("xlsx", "xlsm"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return read_ooxml_workbook(archive).date1904
        if kind == "xls":
            return _xls_globals(data).date1904
        if kind == "ods":
            return _ods_null_date(data).startswith("1904-01-01")
    return False


@contextlib.contextmanager
def _unscannable_as_corrupt(name: str | None) -> Iterator[None]:
    try:
        yield
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        SafeET.ParseError,
        OoxmlStructureError,
        CfbError,
    ) as exc:
        raise UnreadableInput(
            f"the workbook could not be scanned ({exc}); open it in Excel or LibreOffice and "
            "save a copy",
            code="corrupt-file",
            path=name,
        ) from exc


# --- cell references ------------------------------------------------------------------------

_CELL_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _parse_ref(ref: bytes) -> tuple[int, int] | None:
    """(1-based row, 0-based col) of "C7", or None when it is not a cell address."""
    match = _CELL_REF.fullmatch(ref.strip())
    if match is None:
        return None
    return int(match.group(2)), column_index(match.group(1).decode("ascii"))


def _range_name(row: int, col: int, rows: int, cols: int) -> str:
    return f"{column_letter(col)}{row}:{column_letter(col + cols - 1)}{row + rows - 1}"


# --- OOXML worksheets -------------------------------------------------------------------------


class _NeedsParsing(Exception):
    """The sheet's markup is unusual enough that only an XML parser should judge it."""


def _scan_ooxml(data: bytes, ooxml: OoxmlWorkbook | None) -> dict[str, list[CellFlag]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ooxml or read_ooxml_workbook(archive)
        result: dict[str, list[CellFlag]] = {}
        for sheet in workbook.sheets:
            if sheet.kind != "worksheet" or sheet.member is None:
                result[sheet.name] = []
                continue
            result[sheet.name] = _scan_worksheet(archive, sheet.member)
    return result


def _scan_worksheet(archive: zipfile.ZipFile, member: str) -> list[CellFlag]:
    try:
        flags = list(_flags_by_pattern(archive, member))
    except _NeedsParsing:
        with archive.open(member) as stream:
            flags = _flags_by_parsing(stream)
    return sorted(flags, key=lambda flag: (flag.row, flag.col))


def _flags_by_pattern(archive: zipfile.ZipFile, member: str) -> Iterator[CellFlag]:
    locator = None
    for piece in _row_aligned(archive, member):
        locator = locator or _Locator(_sheet_patterns(_namespace_prefix(piece)))
        yield from _flags_in(piece, locator)


_ROOT = re.compile(rb"<(?:([\w.-]+):)?worksheet[\s>]")


def _namespace_prefix(head: bytes) -> bytes:
    """The prefix the sheet uses for its elements: b"" for <c>, b"x:" for <x:c>."""
    root = _ROOT.search(head)
    return root.group(1) + b":" if root and root.group(1) else b""


@dataclass(frozen=True)
class _SheetPatterns:
    """Patterns with the sheet's literal prefix: a literal "<f" is searched far faster."""

    formula_without_value: re.Pattern[bytes]
    formula_with_empty_value: re.Pattern[bytes]
    cell_start: re.Pattern[bytes]
    row_start: re.Pattern[bytes]
    value_text: re.Pattern[bytes]
    has_formula: re.Pattern[bytes]
    cell_end: bytes
    row_tag: bytes


@functools.cache
def _sheet_patterns(prefix: bytes) -> _SheetPatterns:
    p = re.escape(prefix)
    formula = rb"<" + p + rb"f(?:\s[^>]*?)?(?:/>|>([^<]*)</" + p + rb"f>)"
    return _SheetPatterns(
        formula_without_value=re.compile(formula + rb"(?!\s*<" + p + rb"v[\s/>])"),
        formula_with_empty_value=re.compile(
            formula + rb"\s*(?:<" + p + rb"v\s*/>|<" + p + rb"v(?:\s[^>]*)?></" + p + rb"v>)"
        ),
        cell_start=re.compile(rb"<" + p + rb"c(\s[^>]*?)?(/?)>"),
        row_start=re.compile(rb"<" + p + rb"row(\s[^>]*?)?/?>"),
        value_text=re.compile(rb"<" + p + rb"v(?:\s[^>]*)?>([^<]*)<"),
        has_formula=re.compile(rb"<" + p + rb"f[\s/>]"),
        cell_end=b"</" + prefix + b"c>",
        row_tag=b"<" + prefix + b"row",
    )


_ROW_END = re.compile(rb"</(?:[\w.-]+:)?row>")


def _row_aligned(archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """The member in pieces that end after a </row>, so no cell is ever cut in two."""
    carry = b""
    with archive.open(member) as stream:
        while block := stream.read(_CHUNK_BYTES):
            buffer = carry + block
            cut = _after_last_row_end(buffer)
            if cut == -1:
                carry = buffer
                continue
            yield buffer[:cut]
            carry = buffer[cut:]
    if carry:
        yield carry


def _after_last_row_end(buffer: bytes) -> int:
    end = len(buffer)
    while (found := buffer.rfind(b"row>", 0, end)) != -1:
        # "<" never occurs raw inside text or attribute values, so this is the tag's start.
        start = buffer.rfind(b"<", 0, found)
        if start != -1 and _ROW_END.fullmatch(buffer, start, found + 4):
            return found + 4
        end = found
    return -1


_ATTR_R = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([^\"']*)[\"']")
_ATTR_T = re.compile(rb"(?:^|\s)t\s*=\s*[\"']([^\"']*)[\"']")


def _address(attrs: bytes | None) -> tuple[int, int] | None:
    ref = _ATTR_R.search(attrs) if attrs else None
    return _parse_ref(ref.group(1)) if ref else None


def _row_number_attr(attrs: bytes | None) -> int | None:
    ref = _ATTR_R.search(attrs) if attrs else None
    return _row_number(ref.group(1)) if ref else None


def _row_number(value: bytes) -> int | None:
    return int(value) if value.strip().isdigit() and int(value) > 0 else None


@dataclass(frozen=True)
class _Cell:
    start: int
    end: int  # just after the start tag
    address: tuple[int, int] | None
    cell_type: bytes
    self_closing: bool


class _Locator:
    """Rows and columns by counting, for cells written without an r="C7" address.

    Sheets almost always carry addresses, so counting is lazy: a piece is only walked row by
    row when one of its flagged cells lacks an address, or when its last row lacks one.
    """

    def __init__(self, patterns: _SheetPatterns):
        self.patterns = patterns
        self._rows_before_piece = 0
        self._piece = b""
        self._cursor = 0
        self._row = 0
        self._row_body = 0

    def begin(self, piece: bytes) -> None:
        self._piece, self._cursor, self._row_body = piece, 0, 0
        self._row = self._rows_before_piece

    def locate(self, cell: _Cell) -> tuple[int, int]:
        """Row and column of ``cell``; calls must move forward through the piece."""
        self._advance_rows(cell.start)
        col = -1
        cells = self.patterns.cell_start.finditer(self._piece, self._row_body, cell.end)
        for tag in cells:
            address = _address(tag.group(1))
            col = address[1] if address else col + 1
        return self._row, col

    def finish(self) -> None:
        last = self._piece.rfind(self.patterns.row_tag)
        while last != -1:
            match = self.patterns.row_start.match(self._piece, last)
            if match:
                number = _row_number_attr(match.group(1))
                if number is None:
                    self._advance_rows(len(self._piece))
                    number = self._row
                self._rows_before_piece = number
                return
            last = self._piece.rfind(self.patterns.row_tag, 0, last)

    def _advance_rows(self, position: int) -> None:
        for row in self.patterns.row_start.finditer(self._piece, self._cursor, position):
            self._row = _row_number_attr(row.group(1)) or self._row + 1
            self._row_body = row.end()
        self._cursor = max(self._cursor, position)


def _flags_in(piece: bytes, locator: _Locator) -> Iterator[CellFlag]:
    patterns = locator.patterns
    locator.begin(piece)
    found: list[tuple[_Cell, str, str]] = []
    if b'"e"' in piece or b"'e'" in piece:
        found.extend(_error_cells(piece, patterns))
    found.extend(_uncached_formulas(piece, patterns))
    found.sort(key=lambda item: item[0].start)
    for cell, kind, detail in found:
        row, col = cell.address or locator.locate(cell)
        yield CellFlag(row, col, kind, detail)
    if b"mergeCell" in piece:
        yield from _merged_ranges(piece)
    locator.finish()


def _enclosing_cell(piece: bytes, position: int, patterns: _SheetPatterns) -> _Cell | None:
    """The <c> start tag holding ``position`` (inside the tag, or its first child)."""
    start = piece.rfind(b"<", 0, position)
    match = patterns.cell_start.match(piece, start) if start != -1 else None
    if match is None:
        return None
    attrs = match.group(1) or b""
    cell_type = _ATTR_T.search(attrs)
    return _Cell(
        start=start,
        end=match.end(),
        address=_address(attrs),
        cell_type=cell_type.group(1) if cell_type else b"n",
        self_closing=match.group(2) == b"/",
    )


_ERROR_TYPE = re.compile(rb"t\s*=\s*[\"']e[\"']")


def _error_cells(piece: bytes, patterns: _SheetPatterns) -> Iterator[tuple[_Cell, str, str]]:
    for hit in _ERROR_TYPE.finditer(piece):
        cell = _enclosing_cell(piece, hit.start(), patterns)
        if cell is None or cell.cell_type != b"e" or cell.end < hit.end():
            continue
        content = b"" if cell.self_closing else _cell_content(piece, cell, patterns)
        value = patterns.value_text.search(content)
        if value is None and patterns.has_formula.search(content):
            continue  # a formula with no cached value: _uncached_formulas reports it
        detail = _text(value.group(1)) if value else ""
        yield cell, ERROR_CELL, detail or "#N/A"


def _cell_content(piece: bytes, cell: _Cell, patterns: _SheetPatterns) -> bytes:
    end = piece.find(patterns.cell_end, cell.end)
    return piece[cell.end : end if end != -1 else len(piece)]


def _uncached_formulas(piece: bytes, patterns: _SheetPatterns) -> Iterator[tuple[_Cell, str, str]]:
    for hit in patterns.formula_without_value.finditer(piece):
        yield _uncached(piece, hit, patterns)
    for hit in patterns.formula_with_empty_value.finditer(piece):
        # <v></v> on a string formula is a cached "" (=IF(A1>0,"x","")), and common enough
        # that the plain substring test comes first.
        tag = piece[piece.rfind(b"<", 0, hit.start()) : hit.start()]
        if b' t="str"' in tag or b" t='str'" in tag:
            continue
        found = _uncached(piece, hit, patterns)
        if found[0].cell_type != b"str":
            yield found


def _uncached(
    piece: bytes, hit: re.Match[bytes], patterns: _SheetPatterns
) -> tuple[_Cell, str, str]:
    cell = _enclosing_cell(piece, hit.start(), patterns)
    if cell is None:
        raise _NeedsParsing  # a formula outside a recognisable cell
    formula = _text(hit.group(1) or b"")
    return cell, UNCACHED_FORMULA, formula or "(shared formula)"


_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"']+)[\"']")


def _merged_ranges(piece: bytes) -> Iterator[CellFlag]:
    for hit in _MERGE.finditer(piece):
        ref = hit.group(1)
        top_left = _parse_ref(ref.split(b":")[0])
        if top_left is not None and b":" in ref:
            yield CellFlag(top_left[0], top_left[1], MERGED_CELL, ref.decode("ascii", "replace"))


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", errors="replace"))


def _flags_by_parsing(stream: IO[bytes]) -> list[CellFlag]:
    """Streaming parse that counts rows and cells, for sheets that omit ``r`` addresses."""
    flags: list[CellFlag] = []
    row = 0
    col = -1
    sheet_data = None
    events = SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True)
    for event, elem in events:
        local = elem.tag.rsplit("}", 1)[-1]
        if event == "start":
            if local == "row":
                row = _row_number((elem.get("r") or "").encode()) or row + 1
                col = -1
            elif local == "c":
                address = _parse_ref((elem.get("r") or "").encode())
                row, col = address if address else (row, col + 1)
            elif local == "sheetData":
                sheet_data = elem
            continue
        if local == "c":
            flag = _flag_for_cell_element(elem, row, col)
            if flag is not None:
                flags.append(flag)
        elif local == "row" and sheet_data is not None:
            sheet_data.clear()  # rows already scanned are no longer needed
        elif local == "mergeCell":
            flags.extend(_merged_ranges(f'<mergeCell ref="{elem.get("ref", "")}"/>'.encode()))
    return flags


def _flag_for_cell_element(elem: SafeET.Element, row: int, col: int) -> CellFlag | None:
    children = {child.tag.rsplit("}", 1)[-1]: child for child in elem}
    formula = children.get("f")
    value = children.get("v")
    value_text = value.text if value is not None else None
    cell_type = elem.get("t", "n")
    if formula is not None and not value_text:
        if cell_type == "str" and value is not None:
            return None
        return CellFlag(row, col, UNCACHED_FORMULA, formula.text or "(shared formula)")
    if cell_type == "e":
        return CellFlag(row, col, ERROR_CELL, value_text or "#N/A")
    return None


# --- ODS ----------------------------------------------------------------------------------------
#
# Same idea as for worksheets: search for the rare flagged cells, then count rows and columns
# (honouring number-rows-repeated / number-columns-repeated) only up to each of them.

_NAMESPACES = {
    "table": b"urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": b"urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "calcext": b"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0",
}
_ODS_ERROR_TEXT = rb"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A)|Err:\d{3}"
_ODS_INTERESTING = (b"formula=", b"spanned=", b'"error"')
_ODS_ERROR_PARAGRAPH = re.compile(rb"(?:" + _ODS_ERROR_TEXT + rb")\s*</")
_TAGS = re.compile(rb"<[^>]*>")


def _scan_ods(data: bytes) -> dict[str, list[CellFlag]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = find_member(archive, "content.xml")
        if info is None:
            return {}
        with archive.open(info) as stream:
            content = stream.read()
    patterns = _ods_patterns(_ods_prefixes(content[: 64 * 1024]))
    tables = _ods_tables(content, patterns)
    if not any(marker in content for marker in _ODS_INTERESTING):
        return {name: [] for name, _, _ in tables}
    return {name: _ods_table_flags(content, start, end, patterns) for name, start, end in tables}


def _ods_prefixes(head: bytes) -> tuple[bytes, bytes, bytes]:
    """The prefixes bound to the table, office and calcext namespaces (conventionally those)."""
    found = []
    for conventional, uri in _NAMESPACES.items():
        match = re.search(rb"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(uri) + rb"[\"']", head)
        found.append(match.group(1) + b":" if match else conventional.encode() + b":")
    return found[0], found[1], found[2]


@dataclass(frozen=True)
class _OdsPatterns:
    table_start: re.Pattern[bytes]
    row_start: re.Pattern[bytes]
    row_marker: re.Pattern[bytes]
    cell_start: re.Pattern[bytes]
    formula_without_type: re.Pattern[bytes]
    spanned: re.Pattern[bytes]
    attribute: re.Pattern[bytes]
    cell_tag: bytes
    cell_end: bytes
    table_end: bytes
    error_type: bytes
    table: bytes
    office: bytes


@functools.cache
def _ods_patterns(prefixes: tuple[bytes, bytes, bytes]) -> _OdsPatterns:
    table, office, calcext = prefixes
    t, o = re.escape(table), re.escape(office)
    return _OdsPatterns(
        table_start=re.compile(rb"<" + t + rb"table(?=[\s/>])([^>]*?)(/?)>"),
        row_start=re.compile(rb"<" + t + rb"table-row(?=[\s/>])([^>]*)>"),
        row_marker=re.compile(rb"<" + t + rb"table-row(?=[\s/>])"),
        cell_start=re.compile(rb"<" + t + rb"(?:covered-)?table-cell(?=[\s/>])([^>]*?)(/?)>"),
        formula_without_type=re.compile(
            t + rb"formula\s*=\s*\"[^\"]*\"(?![^>]*" + o + rb"value-type\s*=)"
        ),
        spanned=re.compile(t + rb"number-(?:rows|columns)-spanned\s*=\s*\"0*(?:[2-9]|1\d)"),
        attribute=re.compile(rb"([\w.-]+:[\w.-]+)\s*=\s*\"([^\"]*)\""),
        cell_tag=b"<" + table + b"table-cell",
        cell_end=b"</" + table + b"table-cell>",
        table_end=b"</" + table + b"table>",
        error_type=calcext + b'value-type="error"',
        table=table,
        office=office,
    )


def _ods_tables(content: bytes, patterns: _OdsPatterns) -> list[tuple[str, int, int]]:
    """(name, start, end) of each sheet: the top-level tables, never tables nested in cells."""
    tags: list[tuple[int, re.Match[bytes] | None]] = [
        (tag.start(), tag) for tag in patterns.table_start.finditer(content)
    ]
    end = content.find(patterns.table_end)
    while end != -1:
        tags.append((end, None))
        end = content.find(patterns.table_end, end + 1)
    tables: list[tuple[str, int, int]] = []
    depth, name, start = 0, "", 0
    for position, tag in sorted(tags, key=lambda item: item[0]):
        if tag is None:
            depth -= 1
            if depth == 0:
                tables.append((name, start, position))
        elif depth == 0 and tag.group(2):
            tables.append((_ods_table_name(tag, patterns), tag.end(), tag.end()))
        elif depth == 0:
            name, start, depth = _ods_table_name(tag, patterns), tag.end(), 1
        elif not tag.group(2):
            depth += 1
    return tables


def _ods_table_name(tag: re.Match[bytes], patterns: _OdsPatterns) -> str:
    return _ods_attrs(tag.group(1), patterns).get(patterns.table + b"name", "")


def _ods_attrs(attrs: bytes, patterns: _OdsPatterns) -> dict[bytes, str]:
    return {key: _text(value) for key, value in patterns.attribute.findall(attrs)}


def _ods_table_flags(
    content: bytes, start: int, end: int, patterns: _OdsPatterns
) -> list[CellFlag]:
    findings: dict[int, dict[str, str]] = {}  # cell tag position -> kind -> detail
    for position, kind, detail in _ods_findings(content, start, end, patterns):
        findings.setdefault(position, {}).setdefault(kind, detail)
    locator = _OdsLocator(content, start, patterns)
    flags: list[CellFlag] = []
    for position in sorted(findings):
        flags.extend(locator.flags_at(position, findings[position]))
    return sorted(flags, key=lambda flag: (flag.row, flag.col))


def _ods_findings(
    content: bytes, start: int, end: int, patterns: _OdsPatterns
) -> Iterator[tuple[int, str, str]]:
    for hit in patterns.formula_without_type.finditer(content, start, end):
        cell = _ods_cell(content, start, hit.start(), patterns)
        if cell and patterns.office + b"value-type" not in cell[1]:
            yield cell[0], UNCACHED_FORMULA, cell[1].get(patterns.table + b"formula", "")
    position = content.find(patterns.error_type, start, end)
    while position != -1:
        cell = _ods_cell(content, start, position, patterns)
        if cell:
            yield cell[0], ERROR_CELL, _ods_text(content, cell[0], patterns) or "#N/A"
        position = content.find(patterns.error_type, position + 1, end)
    for position in _ods_error_texts(content, start, end):
        cell = _ods_cell(content, start, position, patterns, inside=True)
        if cell and patterns.table + b"formula" in cell[1]:
            yield cell[0], ERROR_CELL, _ods_text(content, cell[0], patterns)
    for hit in patterns.spanned.finditer(content, start, end):
        cell = _ods_cell(content, start, hit.start(), patterns)
        if cell:
            yield cell[0], MERGED_CELL, ""


def _ods_error_texts(content: bytes, start: int, end: int) -> Iterator[int]:
    """Where a paragraph is exactly an error value (<text:p>#N/A</text:p>), found by literals."""
    for marker in (b">#", b">Err:"):
        position = content.find(marker, start, end)
        while position != -1:
            if _ODS_ERROR_PARAGRAPH.match(content, position + 1):
                yield position + 1
            position = content.find(marker, position + 1, end)


def _ods_cell(
    content: bytes, start: int, position: int, patterns: _OdsPatterns, *, inside: bool = False
) -> tuple[int, dict[bytes, str]] | None:
    """The cell whose start tag holds ``position`` (or, ``inside``, whose content does)."""
    tag_start = content.rfind(patterns.cell_tag, start, position)
    tag = patterns.cell_start.match(content, tag_start) if tag_start != -1 else None
    if tag is None:
        return None
    if inside:
        if tag.group(2) or content.find(patterns.cell_end, tag.end(), position) != -1:
            return None
    elif tag.end() < position:
        return None
    return tag_start, _ods_attrs(tag.group(1), patterns)


def _ods_text(content: bytes, tag_start: int, patterns: _OdsPatterns) -> str:
    body_start = content.find(b">", tag_start) + 1
    body_end = content.find(patterns.cell_end, body_start)
    if content[body_start - 2 : body_start] == b"/>" or body_end == -1:
        return ""
    return _text(_TAGS.sub(b"", content[body_start:body_end])).strip()


class _OdsLocator:
    """Counts rows and columns, honouring repeats, forward through one table."""

    def __init__(self, content: bytes, start: int, patterns: _OdsPatterns):
        self.content, self.patterns = content, patterns
        self._cursor = start
        self._next_row = 1
        self._row = 1
        self._rows_repeated = 1
        self._row_body = start

    def flags_at(self, position: int, found: dict[str, str]) -> list[CellFlag]:
        self._advance_rows(position)
        col = sum(
            self._repeat(cell.group(1), b"number-columns-repeated")
            for cell in self.patterns.cell_start.finditer(self.content, self._row_body, position)
        )
        tag = self.patterns.cell_start.match(self.content, position)
        attrs = tag.group(1) if tag else b""
        columns = self._repeat(attrs, b"number-columns-repeated")
        spans = (
            self._repeat(attrs, b"number-rows-spanned"),
            self._repeat(attrs, b"number-columns-spanned"),
        )
        positions = [
            (self._row + r, col + c)
            for r in range(min(self._rows_repeated, MAX_REPEAT_EXPANSION))
            for c in range(min(columns, MAX_REPEAT_EXPANSION))
        ][:MAX_REPEAT_EXPANSION]
        return [
            CellFlag(
                row,
                column,
                kind,
                _range_name(row, column, *spans) if kind == MERGED_CELL else detail,
            )
            for row, column in positions
            for kind, detail in found.items()
        ]

    def _advance_rows(self, position: int) -> None:
        if self.content.find(b"rows-repeated", self._cursor, position) == -1:
            self._skip_plain_rows(position)
        for row in self.patterns.row_start.finditer(self.content, self._cursor, position):
            self._row = self._next_row
            self._rows_repeated = self._repeat(row.group(1), b"number-rows-repeated")
            self._next_row = self._row + self._rows_repeated
            self._row_body = row.end()
        self._cursor = max(self._cursor, position)

    def _skip_plain_rows(self, position: int) -> None:
        """Count rows in C when none repeats; leave the last one for the loop to enter."""
        markers = self.patterns.row_marker.findall(self.content, self._cursor, position)
        if len(markers) < 2:
            return
        last = self.content.rfind(markers[-1], self._cursor, position)
        while not self.patterns.row_marker.match(self.content, last):
            last = self.content.rfind(markers[-1], self._cursor, last)
        self._next_row += len(markers) - 1
        self._cursor = last

    def _repeat(self, attrs: bytes, name: bytes) -> int:
        if name not in attrs:  # the usual case, and this runs once per row
            return 1
        value = _ods_attrs(attrs, self.patterns).get(self.patterns.table + name, "1")
        return max(int(value), 1) if value.isdigit() else 1


_NULL_DATE = re.compile(rb"null-date\s[^>]*?date-value\s*=\s*\"([0-9-]+)")
_FIRST_TABLE = re.compile(rb"<[\w.-]+:table[\s>]")


def _ods_null_date(data: bytes) -> str:
    """The ODS date epoch; it is declared before the first table, so stop reading there."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = find_member(archive, "content.xml")
        if info is None:
            return ""
        with archive.open(info) as stream:
            seen = b""
            while block := stream.read(1024 * 1024):
                seen = seen[-512:] + block
                found = _NULL_DATE.search(seen)
                if found:
                    return found.group(1).decode("ascii")
                if _FIRST_TABLE.search(seen):
                    return ""
    return ""


# --- XLS (BIFF records) ---------------------------------------------------------------------------

_BIFF_FORMULA = 0x0006
_BIFF_BOOLERR = 0x0205
_BIFF_MERGEDCELLS = 0x00E5
_BIFF_BOF = 0x0809
_BIFF_EOF = 0x000A
_BIFF_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


def _scan_xls(data: bytes) -> dict[str, list[CellFlag]]:
    """Error cells and merged ranges; .xls always stores formula results, so none is uncached."""
    workbook = _xls_globals(data)
    result = {}
    for sheet in workbook.sheets:
        flags = _xls_sheet_flags(workbook.stream, sheet.offset) if sheet.sheet_type == 0 else []
        result[sheet.name] = sorted(flags, key=lambda flag: (flag.row, flag.col))
    return result


def _xls_globals(data: bytes) -> XlsGlobals:
    container = CompoundFile(data)
    stream_name = "Workbook" if "Workbook" in container.stream_names() else "Book"
    return read_xls_globals(container.stream(stream_name))


def _xls_sheet_flags(stream: bytes, offset: int) -> list[CellFlag]:
    flags: list[CellFlag] = []
    depth = 0
    for _, kind, body in iter_biff_records(stream, offset):
        if kind == _BIFF_BOF:
            depth += 1
        elif kind == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif depth == 1:
            flags.extend(_xls_record_flags(kind, body))
    return flags


def _xls_record_flags(kind: int, body: bytes) -> list[CellFlag]:
    if kind == _BIFF_BOOLERR and len(body) >= 8 and body[7] == 1:
        row, col = struct.unpack_from("<HH", body)
        return [CellFlag(row + 1, col, ERROR_CELL, _BIFF_ERRORS.get(body[6], "#N/A"))]
    if kind == _BIFF_FORMULA and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
        row, col = struct.unpack_from("<HH", body)
        return [CellFlag(row + 1, col, ERROR_CELL, _BIFF_ERRORS.get(body[8], "#N/A"))]
    if kind == _BIFF_MERGEDCELLS and len(body) >= 2:
        count = min(struct.unpack_from("<H", body)[0], (len(body) - 2) // 8)
        merges = [struct.unpack_from("<HHHH", body, 2 + 8 * i) for i in range(count)]
        return [
            CellFlag(
                top + 1,
                left,
                MERGED_CELL,
                _range_name(top + 1, left, bottom - top + 1, right - left + 1),
            )
            for top, bottom, left, right in merges
        ]
    return []
