"""Build hostile, broken and minimal workbooks in memory, so no binary fixture is committed.

Every builder returns bytes. The tiny CFB (OLE2) and BIFF8 writers exist because no library
in the environment writes .xls or encrypted-Office containers.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import quoteattr

import openpyxl

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


# --- OOXML ---------------------------------------------------------------------------------


def xlsx(rows: Iterable[Iterable[object]] = (("a", "b"), (1, 2)), title: str = "Data") -> bytes:
    """A valid one-sheet workbook written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(list(row))
    return save(wb)


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def build_zip(parts: Mapping[str, bytes], stored: Iterable[str] = ()) -> bytes:
    keep_stored = set(stored)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            method = zipfile.ZIP_STORED if name in keep_stored else zipfile.ZIP_DEFLATED
            zf.writestr(name, body, compress_type=method)
    return buf.getvalue()


def with_parts(data: bytes, changes: Mapping[str, bytes | None]) -> bytes:
    """Copy a zip, replacing (bytes), adding, or dropping (None) members."""
    parts = members(data)
    for name, body in changes.items():
        if body is None:
            parts.pop(name, None)
        else:
            parts[name] = body
    return build_zip(parts)


def as_xlsm(data: bytes) -> bytes:
    """Relabel an xlsx as macro-enabled (what Excel writes for .xlsm, minus the VBA project)."""
    types = members(data)["[Content_Types].xml"].replace(XLSX_MAIN.encode(), XLSM_MAIN.encode())
    return with_parts(data, {"[Content_Types].xml": types})


def sheet_xml(body: str, *, prefix: str = "") -> bytes:
    """A worksheet part around ``body`` (the XML inside <worksheet>)."""
    if prefix:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><{prefix}:worksheet '
            f'xmlns:{prefix}="{MAIN_NS}">{body}</{prefix}:worksheet>'
        ).encode()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">{body}</worksheet>'
    ).encode()


def with_sheet_xml(data: bytes, body: bytes, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    return with_parts(data, {member: body})


def without_worksheets() -> bytes:
    """OOXML that declares a workbook but lists no sheet."""
    parts = members(xlsx())
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<workbookPr/><sheets/></workbook>"
    )
    parts["xl/workbook.xml"] = workbook.encode()
    parts.pop("xl/worksheets/sheet1.xml")
    return build_zip(parts)


def billion_laughs(depth: int = 10) -> bytes:
    """The classic exponential entity expansion (never expanded by the tests)."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", '  <!ENTITY lol0 "lol">']
    for level in range(1, depth):
        refs = f"&lol{level - 1};" * 10
        lines.append(f'  <!ENTITY lol{level} "{refs}">')
    lines.append("]>")
    lines.append(f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr">')
    lines.append(f"<is><t>&lol{depth - 1};</t></is></c></row></sheetData></worksheet>")
    return "\n".join(lines).encode()


def xxe() -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>'
    ).encode()


# --- zip bombs ------------------------------------------------------------------------------


def forge_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size a member declares, in both its local and central headers."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if bytes(out[pos + 46 : pos + 46 + name_len]) == member.encode():
            struct.pack_into("<I", out, pos + 24, size)
            local = struct.unpack_from("<I", out, pos + 42)[0]
            struct.pack_into("<I", out, local + 22, size)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def deflated_zeros_member(data: bytes, member: str, size: int) -> bytes:
    """Add ``member`` holding ``size`` zero bytes, written in chunks so memory stays small."""
    buf = io.BytesIO(data)
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open(member, "w") as body,
    ):
        for start in range(0, size, len(chunk)):
            body.write(chunk[: min(len(chunk), size - start)])
    return buf.getvalue()


def many_members(data: bytes, count: int) -> bytes:
    parts = members(data)
    for index in range(count):
        parts[f"customXml/item{index}.bin"] = b""
    return build_zip(parts)


# --- CFB / OLE2 -----------------------------------------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_SECTOR = 512
_MINI = 64
_CUTOFF = 4096


def cfb(streams: Mapping[str, bytes]) -> bytes:
    """A version-3 compound file with ``streams`` in its root storage."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    small = [n for n in names if len(streams[n]) < _CUTOFF]
    large = [n for n in names if len(streams[n]) >= _CUTOFF]

    mini_stream, mini_fat, starts = _pack_mini_streams({n: streams[n] for n in small})
    dir_sectors = -(-(len(names) + 1) * 128 // _SECTOR)
    minifat_sectors = -(-len(mini_fat) * 4 // _SECTOR)
    ministream_sectors = -(-len(mini_stream) // _SECTOR)
    large_sectors = [-(-len(streams[n]) // _SECTOR) for n in large]
    body_sectors = dir_sectors + minifat_sectors + ministream_sectors + sum(large_sectors)
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < fat_sectors + body_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109, "this writer has no DIFAT sectors: keep test files under 7 MB"

    fat: list[int] = [_FATSECT] * fat_sectors
    sectors: list[bytes] = []

    def place(blob: bytes, count: int) -> int:
        if count == 0:
            return _ENDOFCHAIN
        first = len(fat)
        fat.extend(range(first + 1, first + count))
        fat.append(_ENDOFCHAIN)
        padded = blob.ljust(count * _SECTOR, b"\0")
        sectors.extend(padded[i : i + _SECTOR] for i in range(0, len(padded), _SECTOR))
        return first

    directory_first = len(fat)
    # Reserve directory sectors first; fill them once every start sector is known.
    place(b"", dir_sectors)
    minifat_first = place(b"".join(struct.pack("<I", v) for v in mini_fat), minifat_sectors)
    ministream_first = place(mini_stream, ministream_sectors)
    for name, count in zip(large, large_sectors, strict=True):
        starts[name] = place(streams[name], count)
    entries = [(name, 2, starts[name], len(streams[name])) for name in names]

    # Root is entry 0 and streams are 1..n, chained through right siblings in CFB name order.
    root_child = 1 if names else _NOSTREAM
    directory = _dir_entry("Root Entry", 5, ministream_first, len(mini_stream), child=root_child)
    for index, (name, kind, start, size) in enumerate(entries, start=1):
        right = index + 1 if index < len(entries) else _NOSTREAM
        directory += _dir_entry(name, kind, start, size, right=right)
    directory = directory.ljust(dir_sectors * _SECTOR, b"\0")
    first_dir_index = directory_first - fat_sectors
    for i in range(dir_sectors):
        sectors[first_dir_index + i] = directory[i * _SECTOR : (i + 1) * _SECTOR]

    fat.extend([_FREESECT] * (fat_sectors * (_SECTOR // 4) - len(fat)))
    fat_blob = b"".join(struct.pack("<I", v) for v in fat)
    header = _cfb_header(fat_sectors, directory_first, minifat_first, minifat_sectors)
    return header + fat_blob + b"".join(sectors)


def _pack_mini_streams(
    streams: Mapping[str, bytes],
) -> tuple[bytes, list[int], dict[str, int]]:
    """Streams under the 4096-byte cutoff live in 64-byte sectors of the root's mini stream."""
    mini_stream = bytearray()
    mini_fat: list[int] = []
    starts: dict[str, int] = {}
    for name, body in streams.items():
        count = -(-len(body) // _MINI)
        if count == 0:
            starts[name] = _ENDOFCHAIN
            continue
        first = len(mini_fat)
        starts[name] = first
        mini_fat.extend(range(first + 1, first + count))
        mini_fat.append(_ENDOFCHAIN)
        mini_stream += body.ljust(count * _MINI, b"\0")
    return bytes(mini_stream), mini_fat, starts


def _cfb_header(fat_sectors: int, directory: int, minifat: int, minifat_count: int) -> bytes:
    difat = list(range(fat_sectors)) + [_FREESECT] * (109 - fat_sectors)
    return (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack(
            "<IIIIIIIII",
            0,
            fat_sectors,
            directory,
            0,
            _CUTOFF,
            minifat,
            minifat_count,
            _ENDOFCHAIN,
            0,
        )
        + b"".join(struct.pack("<I", v) for v in difat)
    )


def _dir_entry(
    name: str, kind: int, start: int, size: int, *, child: int = _NOSTREAM, right: int = _NOSTREAM
) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NOSTREAM, right, child)
        + bytes(16 + 4 + 16)
        + struct.pack("<IQ", start, size)
    )


def encrypted_ooxml() -> bytes:
    """The container Excel writes for a password-protected .xlsx (contents are junk)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"
    return cfb({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 4096) + bytes(4096)})


# --- BIFF8 (.xls) ---------------------------------------------------------------------------


def _record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(substream: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 0x0600))


def _xf(number_format: int, *, style: bool) -> bytes:
    flags = 0xFFF5 if style else 0x0001
    return _record(0x00E0, struct.pack("<HHH", 0, number_format, flags) + bytes(14))


def _short_unicode(text: str) -> bytes:
    return struct.pack("<BB", len(text), 0) + text.encode("latin-1")


def xls(
    sheets: Mapping[str, Iterable[tuple[int, int, float]]] | None = None,
    *,
    encrypted: bool = False,
    date1904: bool = False,
    merges: Iterable[tuple[int, int, int, int]] = (),
    errors: Iterable[tuple[int, int, int]] = (),
    formula_errors: Iterable[tuple[int, int, int]] = (),
    chart_only: bool = False,
) -> bytes:
    """A minimal BIFF8 workbook: number cells (row, col, value) in date-formatted XF 16.

    ``merges`` are (first row, last row, first col, last col); ``errors`` and
    ``formula_errors`` are (row, col, BIFF error code, e.g. 0x07 for #DIV/0!). All 0-based,
    and all go to the first sheet.
    """
    sheets = {"Data": [(0, 0, 1.0)]} if sheets is None else sheets
    globals_head = _bof(0x0005)
    if encrypted:
        globals_head += _record(0x002F, struct.pack("<H", 1) + bytes(52))
    globals_head += _record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
    globals_head += _record(0x0022, struct.pack("<H", int(date1904)))
    xfs = (
        b"".join(_xf(0, style=True) for _ in range(15)) + _xf(0, style=False) + _xf(14, style=False)
    )
    globals_head += xfs

    extras = _error_records(errors, formula_errors)
    substreams = [
        _sheet_substream(cells, merges if index == 0 else (), extras if index == 0 else b"")
        for index, cells in enumerate(sheets.values())
    ]
    boundsheets_len = sum(4 + 6 + len(_short_unicode(name)) for name in sheets)
    offset = len(globals_head) + boundsheets_len + 4  # + EOF
    boundsheets = b""
    for name, substream in zip(sheets, substreams, strict=True):
        sheet_type = 2 if chart_only else 0
        body = struct.pack("<IBB", offset, 0, sheet_type) + _short_unicode(name)
        boundsheets += _record(0x0085, body)
        offset += len(substream)
    stream = globals_head + boundsheets + _record(0x000A) + b"".join(substreams)
    return cfb({"Workbook": stream.ljust(_CUTOFF, b"\0")})


def _error_records(
    errors: Iterable[tuple[int, int, int]], formula_errors: Iterable[tuple[int, int, int]]
) -> bytes:
    out = [_record(0x0205, struct.pack("<HHHBB", r, c, 15, code, 1)) for r, c, code in errors]
    for row, col, code in formula_errors:
        cached = struct.pack("<BBBBBBH", 2, 0, code, 0, 0, 0, 0xFFFF)
        ptg_int_one = b"\x1e\x01\x00"
        body = struct.pack("<HHH", row, col, 15) + cached + struct.pack("<HIH", 0, 0, 3)
        out.append(_record(0x0006, body + ptg_int_one))
    return b"".join(out)


def _sheet_substream(
    cells: Iterable[tuple[int, int, float]],
    merges: Iterable[tuple[int, int, int, int]],
    extras: bytes = b"",
) -> bytes:
    cells = list(cells)
    last_row = max((r for r, _, _ in cells), default=-1) + 1
    last_col = max((c for _, c, _ in cells), default=-1) + 1
    out = [_bof(0x0010), _record(0x0200, struct.pack("<IIHHH", 0, last_row, 0, last_col, 0))]
    out.extend(_record(0x0203, struct.pack("<HHHd", r, c, 16, v)) for r, c, v in cells)
    out.append(extras)
    merges = list(merges)
    if merges:
        refs = b"".join(struct.pack("<HHHH", *m) for m in merges)
        out.append(_record(0x00E5, struct.pack("<H", len(merges)) + refs))
    out.append(_record(0x000A))
    return b"".join(out)


# --- ODS ------------------------------------------------------------------------------------

ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'office:version="1.2"'
)


def ods(tables: Mapping[str, str], *, mimetype: bytes = ODS_MIME) -> bytes:
    """A hand-built ODS; ``tables`` maps a table name to the XML of its rows."""
    body = "".join(
        f"<table:table table:name={quoteattr(name)}>{rows}</table:table>"
        for name, rows in tables.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}>'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype.decode()}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    parts = {
        "mimetype": mimetype,
        "META-INF/manifest.xml": manifest.encode(),
        "content.xml": content.encode(),
    }
    return build_zip(parts, stored=["mimetype"])


def ods_cell(value: float | str | None = None, **attrs: str) -> str:
    extra = "".join(f' {k.replace("__", ":").replace("_", "-")}="{v}"' for k, v in attrs.items())
    if isinstance(value, float | int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"{extra}/>'
    if isinstance(value, str):
        return (
            f'<table:table-cell office:value-type="string"{extra}><text:p>{value}</text:p>'
            "</table:table-cell>"
        )
    return f"<table:table-cell{extra}/>"


# --- other formats ----------------------------------------------------------------------------


def docx_like() -> bytes:
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    return build_zip({"[Content_Types].xml": types.encode(), "word/document.xml": b"<w/>"})
