"""Refuse hostile or broken input before any spreadsheet or XML parser sees it.

Every refusal is an ``UnreadableInput`` with a stable ``code`` and a one-line message that
says what is wrong and how to fix it. Limits are documented in docs/security.md.

Order matters: the zip central directory is checked (sizes, ratio, member count) before a
single byte is decompressed, and every XML part's prolog is checked for a DTD before any
XML parser runs on it.
"""

from __future__ import annotations

import codecs
import io
import os
import posixpath
import re
import stat
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from defusedxml import ElementTree as SafeET

from cipms_cli.errors import UnreadableInput

MIB = 1024**2
MAX_INPUT_BYTES = 256 * MIB
MAX_UNCOMPRESSED_BYTES = 512 * MIB
MAX_COMPRESSION_RATIO = 500
RATIO_GRACE_BYTES = 16 * MIB  # smaller parts may legitimately compress better; harmless anyway
MAX_MEMBERS = 10_000
XML_PROLOG_BYTES = 64 * 1024
MAX_SMALL_PART_BYTES = 16 * MIB  # [Content_Types].xml, .rels, mimetype: kilobytes in practice

STDIN_NAME = "<stdin>"

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

_CT_MAIN = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xlsm",
}
_CT_XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
_CT_OTHER_OFFICE = {
    "wordprocessingml": "a Word document (.docx)",
    "presentationml": "a PowerPoint presentation (.pptx)",
}
_ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)
_ODF_OTHER = {
    b"application/vnd.oasis.opendocument.text": "an OpenDocument text document (.odt)",
    b"application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (.odp)",
    b"application/epub+zip": "an EPUB e-book",
}

_RESAVE = "open it in Excel or LibreOffice and save it as .xlsx"
_PASSWORD_FIX = (
    "remove the password in Excel (File › Info › Protect Workbook › Encrypt with Password, "
    "clear the box) and save a copy"
)


def _refuse(code: str, message: str, name: str) -> UnreadableInput:
    return UnreadableInput(message, code=code, path=name)


# --- load_input -----------------------------------------------------------------------------


def _read_bounded(handle: Any) -> bytes:
    """At most MAX_INPUT_BYTES + 1 bytes, in chunks, so a small file never costs a
    limit-sized buffer; bounded even when a FIFO or device reports a size of 0."""
    chunks: list[bytes] = []
    total = 0
    while total <= MAX_INPUT_BYTES:
        chunk = handle.read(min(8 * 1024 * 1024, MAX_INPUT_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def load_input(source: str) -> tuple[bytes, str]:
    """Read ``source`` (a path, or ``-`` for stdin) and return ``(data, display_name)``."""
    if source == "-":
        data = _read_bounded(sys.stdin.buffer)
        return _checked_size(data, STDIN_NAME), STDIN_NAME
    return _checked_size(_read_path(source), source), source


def _read_path(path: str) -> bytes:
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise _refuse(
                "is-a-directory",
                "this is a directory, not a workbook; pass the path of an .xlsx, .xlsm, .xls "
                "or .ods file",
                path,
            )
        if info.st_size > MAX_INPUT_BYTES:
            raise _too_large(info.st_size, path)
        with open(path, "rb") as handle:
            return _read_bounded(handle)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise _refuse(
            "file-not-found", "no such file; check the path and the current directory", path
        ) from exc
    except IsADirectoryError as exc:  # pragma: no cover - caught by the stat check above
        raise _refuse("is-a-directory", "this is a directory, not a workbook", path) from exc
    except PermissionError as exc:
        raise _refuse(
            "permission-denied",
            "permission denied; check the file's permissions, or close the program that has it "
            "open and locked",
            path,
        ) from exc
    except OSError as exc:
        raise _refuse(
            "read-error",
            f"the file could not be read ({exc.strerror or exc}); copy it locally and try again",
            path,
        ) from exc


def _checked_size(data: bytes, name: str) -> bytes:
    if len(data) > MAX_INPUT_BYTES:
        raise _too_large(None, name)
    if not data:
        raise _empty_file(name)
    return data


def _too_large(size: int | None, name: str) -> UnreadableInput:
    """``size`` is None when only "more than the limit" is known (stdin reads stop there)."""
    limit = f"the {MAX_INPUT_BYTES // MIB} MiB limit"
    what = (
        f"the file is {size / MIB:,.0f} MiB, above {limit}"
        if size
        else f"the input exceeds {limit}"
    )
    return _refuse(
        "input-too-large",
        f"{what}; split the workbook or delete unused sheets and save it again",
        name,
    )


def _empty_file(name: str) -> UnreadableInput:
    return _refuse(
        "empty-file",
        "the file is empty (0 bytes); export the workbook again from Excel or LibreOffice",
        name,
    )


# --- sniff ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "xlsx", "xlsm", "xls" or "ods"
    # An xlsx or xlsm's sheets, as the guard read them to check that one is a worksheet:
    # the cell scan and the 1904 flag reuse them rather than reading the package again.
    ooxml: OoxmlWorkbook | None = None


def sniff(data: bytes, name: str) -> str:
    """Return what ``data`` really is ("xlsx", "xlsm", "xls" or "ods"), whatever its name says.

    Raises UnreadableInput (codes: empty-file, not-a-spreadsheet, unsupported-format,
    corrupt-file, encrypted-workbook, zip-bomb, unsafe-xml, empty-workbook).
    """
    return sniff_package(data, name).kind


def sniff_package(data: bytes, name: str) -> Sniffed:
    """``sniff``, with the sheets of an OOXML package that it read on the way."""
    if not data:
        raise _empty_file(name)
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _sniff_zip(data, name)
    if data.startswith(CFB_MAGIC):
        return Sniffed(_sniff_cfb(data, name))
    raise _refuse(
        "not-a-spreadsheet",
        f"this is not a spreadsheet, it looks like {describe(data)}; {_RESAVE}",
        name,
    )


# --- what non-spreadsheet bytes look like ---------------------------------------------------

_BINARY_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
)
_OLD_EXCEL = "an Excel file from before Excel 97 (BIFF2-5), which is not supported"
_OLD_EXCEL_BOF = (b"\x09\x00\x04\x00", b"\x09\x02\x06\x00", b"\x09\x04\x06\x00", b"\x09\x08")


def describe(data: bytes) -> str:
    """A short phrase for what ``data`` looks like, for messages."""
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return what
    if data.startswith(_OLD_EXCEL_BOF):
        return _OLD_EXCEL
    text = _as_text(data[:8192])
    if text is None:
        return "binary data of an unknown type"
    return _describe_text(text)


def _as_text(sample: bytes) -> str | None:
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = sample.decode("utf-16", errors="replace")
    elif b"\0" in sample:
        return None
    else:
        text = sample.decode("utf-8", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if printable >= 0.95 * max(len(text), 1) else None


def _describe_text(text: str) -> str:
    head = text.lstrip("\ufeff \r\n\t").lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in head:
        return "an Excel 2003 XML spreadsheet, which is not supported"
    if head.startswith(("<!doctype html", "<html", "<table", "<meta")):
        return "an HTML page (some web apps export tables as HTML named .xls)"
    if head.startswith("<"):
        return "an XML or HTML document"
    if head.startswith(("{", "[")):
        return "JSON text"
    lines = [line for line in head.splitlines()[:20] if line.strip()]
    for delimiter, what in (("\t", "tab-separated text"), (";", "CSV text"), (",", "CSV text")):
        if lines and all(delimiter in line for line in lines):
            return what
    return "plain text"


# --- zip containers (xlsx, xlsm, ods) -------------------------------------------------------


def _sniff_zip(data: bytes, name: str) -> Sniffed:
    with _open_zip(data, name) as archive:
        infos = archive.infolist()
        _refuse_zip_bomb(infos, name)
        _refuse_broken_zip_members(infos, name)
        _refuse_unsafe_xml(archive, infos, name)
        kind = _zip_kind(archive, name)
        if kind == "ods":
            _refuse_empty_ods(archive, name)
            return Sniffed(kind)
        return Sniffed(kind, _refuse_empty_ooxml(archive, name))


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _corrupt(
            "its ZIP index, stored at the very end, is missing: it was cut short", name
        ) from exc
    except (zipfile.LargeZipFile, ValueError, EOFError, struct.error) as exc:
        raise _corrupt(f"its ZIP index cannot be read: {exc}", name) from exc


def _corrupt(detail: str, name: str) -> UnreadableInput:
    return _refuse(
        "corrupt-file",
        f"the file is damaged or incomplete ({detail}); download it again, or open it in Excel "
        "or LibreOffice and save a copy",
        name,
    )


def _zip_bomb(detail: str, name: str) -> UnreadableInput:
    return _refuse(
        "zip-bomb",
        f"{detail}; this looks like a zip bomb and was not unpacked — if the workbook is "
        "genuine, split it into smaller files",
        name,
    )


def _refuse_zip_bomb(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Judge the declared sizes only: nothing is decompressed here."""
    if len(infos) > MAX_MEMBERS:
        raise _zip_bomb(f"the archive holds {len(infos)} parts (limit {MAX_MEMBERS})", name)
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _zip_bomb(
            f"the workbook declares {total / MIB:,.0f} MiB once unzipped "
            f"(limit {MAX_UNCOMPRESSED_BYTES // MIB} MiB)",
            name,
        )
    for info in infos:
        if info.file_size <= RATIO_GRACE_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise _zip_bomb(
                f"part '{info.filename}' expands {ratio:,.0f} times "
                f"(limit {MAX_COMPRESSION_RATIO} times)",
                name,
            )


def _refuse_broken_zip_members(infos: list[zipfile.ZipInfo], name: str) -> None:
    seen: set[str] = set()
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(
                "encrypted-workbook",
                f"the file's parts are password-encrypted inside the ZIP; {_PASSWORD_FIX}",
                name,
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt(f"part '{info.filename}' uses an unsupported compression method", name)
        key = info.filename.lower()
        if key in seen:
            raise _corrupt(f"part '{info.filename}' appears twice", name)
        seen.add(key)


def _read_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str) -> bytes:
    """At most ``limit`` decompressed bytes of a member."""
    try:
        with archive.open(info) as member:
            return member.read(limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise _corrupt(f"part '{info.filename}' cannot be unpacked: {exc}", name) from exc


def _read_small(archive: zipfile.ZipFile, member: str, name: str) -> bytes | None:
    info = find_member(archive, member)
    if info is None:
        return None
    if info.file_size > MAX_SMALL_PART_BYTES:
        raise _corrupt(f"part '{info.filename}' is implausibly large", name)
    return _read_head(archive, info, MAX_SMALL_PART_BYTES, name)


def find_member(archive: zipfile.ZipFile, member: str) -> zipfile.ZipInfo | None:
    """Look a part up the way OPC does: case-insensitive, percent-decoded."""
    wanted = {member.lower(), unquote(member).lower()}
    for info in archive.infolist():
        if info.filename.lower() in wanted:
            return info
    return None


# --- unsafe XML -----------------------------------------------------------------------------


def _refuse_unsafe_xml(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    # Every part, not only *.xml: a relationship may point a parser at any name. Binary parts
    # cost one bounded read and are recognised at their first byte.
    for info in infos:
        if info.is_dir():
            continue
        head = _read_head(archive, info, XML_PROLOG_BYTES, name)
        verdict = prolog_verdict(head, complete=info.file_size <= len(head))
        if verdict == "dtd":
            raise _refuse(
                "unsafe-xml",
                f"part '{info.filename}' declares a DTD (<!DOCTYPE> or <!ENTITY>), which "
                "spreadsheets never contain and which can hide entity-expansion or "
                "external-entity attacks; the file was not parsed — rebuild it from the original "
                "in Excel or LibreOffice",
                name,
            )
        if verdict == "too-long":
            raise _refuse(
                "unsafe-xml",
                f"part '{info.filename}' has no XML root element in its first "
                f"{XML_PROLOG_BYTES // 1024} KiB; the file was not parsed — rebuild it from the "
                "original in Excel or LibreOffice",
                name,
            )


def prolog_verdict(head: bytes, *, complete: bool) -> str:
    """Classify an XML prolog: "dtd", "clean" (root element reached or no XML), "too-long"."""
    text = _decode_xml_head(head)
    pos = 0
    while True:
        while pos < len(text) and text[pos] in "\ufeff \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            terminator = "?>"
        elif text.startswith("<!--", pos):
            terminator = "-->"
        elif text.startswith("<!", pos):
            return "dtd"
        else:
            # A root element, stray text, or the end of a complete part: no DTD can follow.
            if pos < len(text) or complete:
                return "clean"
            return "too-long"
        end = text.find(terminator, pos)
        if end == -1:
            return "clean" if complete else "too-long"
        pos = end + len(terminator)


def _decode_xml_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head.startswith(b"<\0"):
        return head.decode("utf-16-le", errors="ignore")
    if head.startswith(b"\0<"):
        return head.decode("utf-16-be", errors="ignore")
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")


# --- zip kind ---------------------------------------------------------------------------------


def _zip_kind(archive: zipfile.ZipFile, name: str) -> str:
    types = _read_small(archive, "[Content_Types].xml", name)
    if types is not None:
        return _ooxml_kind(_content_types(types, name), name)
    mimetype = _read_small(archive, "mimetype", name)
    if mimetype is not None:
        return _odf_kind(mimetype.strip(), name)
    if find_member(archive, "xl/workbook.xml") is not None:
        raise _corrupt("the '[Content_Types].xml' part is missing", name)
    listed = ", ".join(f"'{i.filename}'" for i in archive.infolist()[:3]) or "nothing"
    raise _refuse(
        "not-a-spreadsheet",
        f"this is a ZIP archive (holding {listed}), not a spreadsheet; unzip it and pass the "
        "workbook inside",
        name,
    )


def _content_types(types: bytes, name: str) -> set[str]:
    try:
        root = SafeET.fromstring(types)
    except SafeET.ParseError as exc:
        raise _corrupt(f"'[Content_Types].xml' is not valid XML: {exc}", name) from exc
    return {elem.get("ContentType", "") for elem in root.iter()}


def _ooxml_kind(content_types: set[str], name: str) -> str:
    kinds = {_CT_MAIN[ct] for ct in content_types if ct in _CT_MAIN}
    if "xlsm" in kinds:
        return "xlsm"
    if kinds:
        return "xlsx"
    if _CT_XLSB in content_types:
        raise _refuse(
            "unsupported-format",
            "this is an Excel binary workbook (.xlsb), which cipms does not read; open it in "
            "Excel and save it as .xlsx",
            name,
        )
    for marker, what in _CT_OTHER_OFFICE.items():
        if any(marker in ct for ct in content_types):
            raise _not_spreadsheet(what, name)
    raise _not_spreadsheet("an Office Open XML package with no workbook inside", name)


def _odf_kind(mimetype: bytes, name: str) -> str:
    if mimetype in _ODS_MIMETYPES:
        return "ods"
    what = _ODF_OTHER.get(mimetype, f"a ZIP package of type '{mimetype[:80].decode('latin-1')}'")
    raise _not_spreadsheet(what, name)


def _not_spreadsheet(what: str, name: str) -> UnreadableInput:
    return _refuse("not-a-spreadsheet", f"this is not a spreadsheet, it is {what}; {_RESAVE}", name)


# --- OOXML workbook structure (shared with cellscan) -----------------------------------------


@dataclass(frozen=True)
class SheetPart:
    name: str
    kind: str  # last segment of the relationship type: "worksheet", "chartsheet", ...
    member: str | None  # the zip member holding the sheet, None when missing


@dataclass(frozen=True)
class OoxmlWorkbook:
    sheets: list[SheetPart]
    date1904: bool


class OoxmlStructureError(ValueError):
    """The package's workbook part or relationships cannot be read."""


def read_ooxml_workbook(archive: zipfile.ZipFile) -> OoxmlWorkbook:
    """Sheets in workbook order, resolved to zip members. Raises OoxmlStructureError."""
    workbook_part = _office_document_part(archive)
    info = find_member(archive, workbook_part)
    if info is None:
        raise OoxmlStructureError(f"the workbook part '{workbook_part}' is missing")
    rels = _relationships(archive, _rels_path(workbook_part))
    sheets: list[SheetPart] = []
    date1904 = False
    try:
        with archive.open(info) as stream:
            for _, elem in SafeET.iterparse(stream, events=("end",)):
                local = _local(elem.tag)
                if local == "sheet":
                    sheets.append(_sheet_part(archive, elem, rels, workbook_part))
                elif local == "workbookPr":
                    date1904 = elem.get("date1904", "").lower() in ("1", "true")
                elif local == "definedName":
                    elem.clear()
    except (SafeET.ParseError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise OoxmlStructureError(f"'{workbook_part}' cannot be read: {exc}") from exc
    return OoxmlWorkbook(sheets, date1904)


def _sheet_part(
    archive: zipfile.ZipFile, elem: SafeET.Element, rels: dict[str, tuple[str, str]], base: str
) -> SheetPart:
    rel_id = next((v for k, v in elem.attrib.items() if _local(k) == "id" and "}" in k), "")
    rel_type, target = rels.get(rel_id, ("worksheet", ""))
    member = find_member(archive, _resolve(base, target)) if target else None
    return SheetPart(elem.get("name", ""), rel_type, member.filename if member else None)


def _office_document_part(archive: zipfile.ZipFile) -> str:
    for rel_type, target in _relationships(archive, "_rels/.rels").values():
        if rel_type == "officeDocument":
            return _resolve("", target)
    return "xl/workbook.xml"


def _rels_path(part: str) -> str:
    folder, file = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{file}.rels")


def _relationships(archive: zipfile.ZipFile, rels_part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (last segment of its type, target), internal targets only."""
    info = find_member(archive, rels_part)
    if info is None:
        return {}
    if info.file_size > MAX_SMALL_PART_BYTES:
        raise OoxmlStructureError(f"'{rels_part}' is implausibly large")
    try:
        with archive.open(info) as stream:
            root = SafeET.fromstring(stream.read(MAX_SMALL_PART_BYTES))
    except (SafeET.ParseError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise OoxmlStructureError(f"'{rels_part}' cannot be read: {exc}") from exc
    found = {}
    for rel in root:
        if rel.get("TargetMode", "").lower() == "external":
            continue
        rel_type = rel.get("Type", "").rstrip("/").rsplit("/", 1)[-1]
        found[rel.get("Id", "")] = (rel_type, rel.get("Target", ""))
    return found


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refuse_empty_ooxml(archive: zipfile.ZipFile, name: str) -> OoxmlWorkbook:
    try:
        workbook = read_ooxml_workbook(archive)
    except OoxmlStructureError as exc:
        raise _corrupt(str(exc), name) from exc
    worksheets = [sheet for sheet in workbook.sheets if sheet.kind == "worksheet"]
    if not worksheets:
        others = " (only chart or dialog sheets)" if workbook.sheets else ""
        raise _empty_workbook(f"the workbook has no worksheets{others}", name)
    for sheet in worksheets:
        if sheet.member is None:
            raise _corrupt(f"sheet '{sheet.name}' is listed but its part is missing", name)
    return workbook


def _empty_workbook(detail: str, name: str) -> UnreadableInput:
    return _refuse(
        "empty-workbook",
        f"{detail}; add a sheet holding your data, or start from `cipms init`",
        name,
    )


_ODS_TABLE = re.compile(rb"<[\w.-]+:table[\s>/]")


def _refuse_empty_ods(archive: zipfile.ZipFile, name: str) -> None:
    info = find_member(archive, "content.xml")
    if info is None:
        raise _corrupt("the 'content.xml' part is missing", name)
    if not any(_ODS_TABLE.search(chunk) for chunk in _overlapping_chunks(archive, info, name)):
        raise _empty_workbook("the workbook has no sheets", name)


def _overlapping_chunks(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, size: int = 1024 * 1024
) -> Iterator[bytes]:
    """Chunks that overlap by 256 bytes, so a short pattern is never cut in two."""
    try:
        with archive.open(info) as member:
            tail = b""
            while chunk := member.read(size):
                yield tail + chunk
                tail = chunk[-256:]
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _corrupt(f"part '{info.filename}' cannot be unpacked: {exc}", name) from exc


# --- CFB / OLE2 containers (xls, encrypted OOXML) -----------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_MAX_REGULAR_SECTOR = 0xFFFFFFFA
_MAX_DIRECTORY_BYTES = 16 * MIB  # 131,072 entries; real files hold a few dozen


class CfbError(ValueError):
    """The compound file's structure is inconsistent."""


@dataclass(frozen=True)
class _DirEntry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class CompoundFile:
    """A minimal, bounds-checked reader of the OLE2 compound file format ([MS-CFB])."""

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(CFB_MAGIC):
            raise CfbError("the OLE2 header is truncated")
        self._data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise CfbError("the OLE2 header has invalid sector sizes")
        self._sector = 1 << shift
        self._sector_count = max(len(data) // self._sector - 1, 0)
        self._cutoff = struct.unpack_from("<I", data, 56)[0]
        self._fat = self._read_fat()
        entries = self._chain(struct.unpack_from("<I", data, 48)[0], _MAX_DIRECTORY_BYTES)
        self.entries = [self._entry(entries[i : i + 128]) for i in range(0, len(entries), 128)]
        if not self.entries or self.entries[0].kind != 5:
            raise CfbError("the OLE2 root directory is missing")
        root = self.entries[0]
        self._mini_stream = self._chain(root.start)[: root.size]
        minifat_start = struct.unpack_from("<I", data, 60)[0]
        self._minifat = _u32_list(self._chain(minifat_start))

    def stream_names(self) -> set[str]:
        return {entry.name for entry in self.entries if entry.kind == 2}

    def stream(self, name: str) -> bytes:
        entry = next((e for e in self.entries if e.kind == 2 and e.name == name), None)
        if entry is None:
            raise CfbError(f"the '{name}' stream is missing")
        if entry.size < self._cutoff:
            return self._mini_chain(entry.start)[: entry.size]
        return self._chain(entry.start)[: entry.size]

    def _read_fat(self) -> list[int]:
        per_sector = self._sector // 4
        # A hostile header may list far more FAT sectors than the file can use, or list one
        # sector many times: cap at what this many sectors needs, so memory stays linear.
        usable = -(-self._sector_count // per_sector) + 1
        fat_count = min(struct.unpack_from("<I", self._data, 44)[0], usable)
        difat = _u32_list(self._data[76:512])
        next_difat = struct.unpack_from("<I", self._data, 68)[0]
        while next_difat < _MAX_REGULAR_SECTOR and len(difat) < fat_count:
            block = _u32_list(self._sector_bytes(next_difat))
            difat.extend(block[: per_sector - 1])
            next_difat = block[per_sector - 1]
        fat_sectors = [s for s in difat if s < _MAX_REGULAR_SECTOR][:fat_count]
        return _u32_list(b"".join(self._sector_bytes(s) for s in fat_sectors))

    def _sector_bytes(self, index: int) -> bytes:
        if index >= self._sector_count:
            raise CfbError("an OLE2 sector lies beyond the end of the file")
        offset = (index + 1) * self._sector
        return self._data[offset : offset + self._sector]

    def _chain(self, start: int, max_bytes: int | None = None) -> bytes:
        limit = self._sector_count
        if max_bytes is not None:
            limit = min(limit, max_bytes // self._sector)
        return b"".join(self._walk(start, self._fat, limit, self._sector_bytes))

    def _mini_chain(self, start: int) -> bytes:
        count = len(self._mini_stream) // 64

        def mini_sector(index: int) -> bytes:
            if index >= count:
                raise CfbError("an OLE2 mini sector lies beyond the mini stream")
            return self._mini_stream[index * 64 : (index + 1) * 64]

        return b"".join(self._walk(start, self._minifat, count, mini_sector))

    @staticmethod
    def _walk(
        start: int, fat: list[int], limit: int, read: Callable[[int], bytes]
    ) -> Iterator[bytes]:
        index, steps = start, 0
        while index < _MAX_REGULAR_SECTOR:
            steps += 1
            if steps > limit or index >= len(fat):
                raise CfbError("an OLE2 sector chain is broken or loops")
            yield read(index)
            index = fat[index]

    def _entry(self, raw: bytes) -> _DirEntry:
        if len(raw) < 128:
            return _DirEntry("", 0, _ENDOFCHAIN, 0)
        name_len = min(struct.unpack_from("<H", raw, 64)[0], 64)
        name = raw[: max(name_len - 2, 0)].decode("utf-16-le", errors="replace")
        kind = raw[66]
        start = struct.unpack_from("<I", raw, 116)[0]
        size = struct.unpack_from("<Q", raw, 120)[0]
        if self._sector == 512:
            size &= 0xFFFFFFFF  # version 3 files may leave junk in the high half
        return _DirEntry(name, kind, start, size)


def _u32_list(blob: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(blob) // 4}I", blob[: len(blob) // 4 * 4]))


_CFB_OTHER = (
    ("WordDocument", "a Word 97-2003 document (.doc)"),
    ("PowerPoint Document", "a PowerPoint 97-2003 presentation (.ppt)"),
    ("__properties_version1.0", "an Outlook message (.msg)"),
)


def _sniff_cfb(data: bytes, name: str) -> str:
    try:
        container = CompoundFile(data)
        streams = container.stream_names()
        if {"EncryptionInfo", "EncryptedPackage"} <= streams:
            raise _refuse(
                "encrypted-workbook", f"the workbook is password-protected; {_PASSWORD_FIX}", name
            )
        for stream_name in ("Workbook", "Book"):
            if stream_name in streams:
                _check_xls_globals(read_xls_globals(container.stream(stream_name)), name)
                return "xls"
    except CfbError as exc:
        raise _corrupt(str(exc), name) from exc
    for marker, what in _CFB_OTHER:
        if marker in streams:
            raise _not_spreadsheet(what, name)
    raise _not_spreadsheet("an OLE2 compound file with no workbook inside", name)


# --- BIFF (.xls) records ----------------------------------------------------------------------

BIFF_BOF = 0x0809
BIFF_EOF = 0x000A
BIFF_FILEPASS = 0x002F
BIFF_BOUNDSHEET = 0x0085
BIFF_DATEMODE = 0x0022
BIFF_CODEPAGE = 0x0042


@dataclass(frozen=True)
class BoundSheet:
    name: str
    offset: int  # where the sheet's BOF record starts in the Workbook stream
    sheet_type: int  # 0 worksheet, 1 macro sheet, 2 chart, 6 VBA module


@dataclass(frozen=True)
class XlsGlobals:
    stream: bytes
    encrypted: bool
    date1904: bool
    sheets: list[BoundSheet]


def iter_biff_records(stream: bytes, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(offset, record type, body) until the stream ends; stops at a truncated record."""
    pos = start
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4 : pos + 4 + length]
        if len(body) < length:
            return
        yield pos, kind, body
        pos += 4 + length


def read_xls_globals(stream: bytes) -> XlsGlobals:
    """The workbook globals substream: encryption, date system, sheet list. Raises CfbError."""
    records = iter_biff_records(stream)
    first = next(records, None)
    if first is None or first[1] != BIFF_BOF:
        raise CfbError("the Workbook stream does not start with a BOF record")
    encrypted = date1904 = False
    biff8 = len(first[2]) >= 2 and struct.unpack_from("<H", first[2])[0] == 0x0600
    codepage = 1200
    raw_sheets: list[tuple[int, int, bytes]] = []
    for _, kind, body in records:
        if kind == BIFF_EOF:
            break
        if kind == BIFF_FILEPASS:
            encrypted = True
        elif kind == BIFF_DATEMODE and len(body) >= 2:
            date1904 = struct.unpack_from("<H", body)[0] == 1
        elif kind == BIFF_CODEPAGE and len(body) >= 2:
            codepage = struct.unpack_from("<H", body)[0]
        elif kind == BIFF_BOUNDSHEET and len(body) >= 7:
            offset, _, sheet_type = struct.unpack_from("<IBB", body)
            raw_sheets.append((offset, sheet_type, body[6:]))
    sheets = [
        BoundSheet(_biff_short_string(raw, biff8, codepage), offset, sheet_type)
        for offset, sheet_type, raw in raw_sheets
    ]
    return XlsGlobals(stream, encrypted, date1904, sheets)


def _biff_short_string(raw: bytes, biff8: bool, codepage: int) -> str:
    """Decode a sheet name the way calamine does, so names match ``sheet_names``."""
    length = raw[0]
    if biff8 and len(raw) >= 2 and raw[1] & 0x1:
        text = raw[2 : 2 + 2 * length].decode("utf-16-le", errors="replace")
    else:
        chars = raw[2 : 2 + length] if biff8 else raw[1 : 1 + length]
        text = chars.decode(_codepage_codec(codepage), errors="replace")
    return text.replace("\0", "")


def _codepage_codec(codepage: int) -> str:
    if codepage in (1200, 21010):
        return "latin-1"  # compressed UTF-16: each byte is a code point below 256
    if codepage in (10000, 0x8000):
        return "mac-roman"
    if codepage == 0x8001:
        return "cp1252"
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "latin-1"


def _check_xls_globals(globals_: XlsGlobals, name: str) -> None:
    if globals_.encrypted:
        raise _refuse(
            "encrypted-workbook", f"the workbook is password-protected; {_PASSWORD_FIX}", name
        )
    if not any(sheet.sheet_type == 0 for sheet in globals_.sheets):
        others = " (only chart or macro sheets)" if globals_.sheets else ""
        raise _empty_workbook(f"the workbook has no worksheets{others}", name)
