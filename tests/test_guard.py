"""The guard refuses hostile or broken input with one clear line, before any parser runs."""

from __future__ import annotations

import io
import struct
import sys
import zipfile

import openpyxl
import pytest

import hostile
from cipms_cli.errors import UnreadableInput
from cipms_cli.workbook import guard
from cipms_cli.workbook.guard import load_input, sniff


def refusal(data: bytes, name: str = "book.xlsx") -> UnreadableInput:
    with pytest.raises(UnreadableInput) as caught:
        sniff(data, name)
    return caught.value


def assert_one_line(error: UnreadableInput, name: str) -> None:
    assert error.path == name
    assert "\n" not in str(error)
    assert str(error).startswith(f"{name}: ")


# --- load_input ---------------------------------------------------------------------------------


def test_load_input_reads_a_file(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(hostile.xlsx())
    data, name = load_input(str(path))
    assert data == path.read_bytes()
    assert name == str(path)


def test_load_input_reads_stdin_as_bytes(monkeypatch):
    payload = hostile.xlsx()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
    assert load_input("-") == (payload, "<stdin>")


def test_missing_file(tmp_path):
    missing = str(tmp_path / "nope.xlsx")
    with pytest.raises(UnreadableInput) as caught:
        load_input(missing)
    assert caught.value.code == "file-not-found"
    assert_one_line(caught.value, missing)
    assert "check the path" in caught.value.message


def test_directory(tmp_path):
    with pytest.raises(UnreadableInput) as caught:
        load_input(str(tmp_path))
    assert caught.value.code == "is-a-directory"
    assert_one_line(caught.value, str(tmp_path))


def test_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"x")

    def locked(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    # chmod does not stop root, which runs CI containers; simulate the OS refusal instead.
    monkeypatch.setattr(guard, "open", locked, raising=False)
    with pytest.raises(UnreadableInput) as caught:
        load_input(str(path))
    assert caught.value.code == "permission-denied"
    assert "permission" in caught.value.message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(UnreadableInput) as caught:
        load_input(str(path))
    assert caught.value.code == "empty-file"


def test_input_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "MAX_INPUT_BYTES", 1000)
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"\0" * 1001)
    with pytest.raises(UnreadableInput) as caught:
        load_input(str(path))
    assert caught.value.code == "input-too-large"


def test_stdin_too_large(monkeypatch):
    monkeypatch.setattr(guard, "MAX_INPUT_BYTES", 10)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 50)))
    with pytest.raises(UnreadableInput) as caught:
        load_input("-")
    assert caught.value.code == "input-too-large"
    assert caught.value.path == "<stdin>"


# --- sniff: what the file really is ---------------------------------------------------------------


def test_valid_xlsx():
    assert sniff(hostile.xlsx(), "book.xlsx") == "xlsx"


def test_xlsx_named_otherwise_is_still_xlsx():
    assert sniff(hostile.xlsx(), "book.ods") == "xlsx"


def test_macro_enabled_content_type_is_xlsm():
    assert sniff(hostile.as_xlsm(hostile.xlsx()), "book.xlsx") == "xlsm"


def test_xls():
    assert sniff(hostile.xls(), "book.xls") == "xls"


def test_xls_with_a_regular_sized_stream():
    cells = [(row, 0, float(row)) for row in range(2000)]  # > 4096 bytes: regular sectors
    assert sniff(hostile.xls({"Data": cells}), "book.xls") == "xls"


def test_ods():
    rows = "<table:table-row>" + hostile.ods_cell(1.0) + "</table:table-row>"
    assert sniff(hostile.ods({"Sheet1": rows}), "book.ods") == "ods"


def test_xml_comment_before_the_root_is_fine():
    sheet = hostile.sheet_xml("<sheetData/>").replace(b"?>", b"?><!-- generated -->", 1)
    assert sniff(hostile.with_sheet_xml(hostile.xlsx(), sheet), "book.xlsx") == "xlsx"


# --- sniff: refusals ------------------------------------------------------------------------------


def test_empty_bytes():
    assert refusal(b"").code == "empty-file"


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"just some notes\nabout the quarter\n", "plain text"),
        (b"date,line,value\n2024-01-01,L1,3\n", "CSV"),
        (b"date;line;value\n2024-01-01;L1;3\n", "CSV"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_not_a_spreadsheet(data, looks_like):
    error = refusal(data, "notes.xlsx")
    assert error.code == "not-a-spreadsheet"
    assert looks_like in error.message
    assert "save it as .xlsx" in error.message
    assert_one_line(error, "notes.xlsx")


def test_docx_renamed_xlsx():
    error = refusal(hostile.docx_like())
    assert error.code == "not-a-spreadsheet"
    assert "Word document" in error.message


def test_other_opendocument():
    error = refusal(hostile.ods({}, mimetype=b"application/vnd.oasis.opendocument.text"))
    assert error.code == "not-a-spreadsheet"
    assert ".odt" in error.message


def test_plain_zip():
    error = refusal(hostile.build_zip({"export.csv": b"a,b\n1,2\n"}))
    assert error.code == "not-a-spreadsheet"
    assert "export.csv" in error.message


def test_xlsb_is_named_and_refused():
    types = hostile.members(hostile.xlsx())["[Content_Types].xml"].replace(
        hostile.XLSX_MAIN.encode(), b"application/vnd.ms-excel.sheet.binary.macroEnabled.main"
    )
    error = refusal(hostile.with_parts(hostile.xlsx(), {"[Content_Types].xml": types}))
    assert error.code == "unsupported-format"
    assert ".xlsb" in error.message


def test_truncated_zip():
    data = hostile.xlsx()
    error = refusal(data[: len(data) // 2])
    assert error.code == "corrupt-file"
    assert "damaged or incomplete" in error.message
    assert_one_line(error, "book.xlsx")


def test_corrupt_member_data():
    data = bytearray(hostile.xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/workbook.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    body = info.header_offset + 30 + name_len + extra_len
    data[body : body + 8] = b"\xff" * 8
    assert refusal(bytes(data)).code == "corrupt-file"


def test_missing_content_types():
    data = hostile.with_parts(hostile.xlsx(), {"[Content_Types].xml": None})
    error = refusal(data)
    assert error.code == "corrupt-file"
    assert "[Content_Types].xml" in error.message


def test_sheet_part_missing():
    data = hostile.with_parts(hostile.xlsx(), {"xl/worksheets/sheet1.xml": None})
    error = refusal(data)
    assert error.code == "corrupt-file"
    assert "Data" in error.message


def test_truncated_xls():
    data = hostile.xls({"Data": [(row, 0, 1.0) for row in range(2000)]})
    assert refusal(data[:1536], "book.xls").code == "corrupt-file"


def test_garbage_after_ole2_signature():
    assert refusal(guard.CFB_MAGIC + b"\x01" * 600, "book.xls").code == "corrupt-file"


def test_encrypted_ooxml():
    error = refusal(hostile.encrypted_ooxml())
    assert error.code == "encrypted-workbook"
    assert "password" in error.message
    assert "File › Info › Protect Workbook" in error.message
    assert_one_line(error, "book.xlsx")


def test_encrypted_xls():
    assert refusal(hostile.xls(encrypted=True), "book.xls").code == "encrypted-workbook"


def test_zip_level_encryption():
    data = bytearray(hostile.xlsx())
    pos = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, pos + 8)[0]
    struct.pack_into("<H", data, pos + 8, flags | 1)
    assert refusal(bytes(data)).code == "encrypted-workbook"


def test_word_97_document():
    error = refusal(hostile.cfb({"WordDocument": b"\0" * 100}), "book.xls")
    assert error.code == "not-a-spreadsheet"
    assert "Word 97-2003" in error.message


# --- zip bombs: judged from the central directory, before decompressing ---------------------------


def test_declared_size_above_the_limit():
    data = hostile.forge_declared_size(hostile.xlsx(), "xl/worksheets/sheet1.xml", 600 * 1024**2)
    error = refusal(data)
    assert error.code == "zip-bomb"
    assert "600 MiB" in error.message
    assert_one_line(error, "book.xlsx")


def test_bomb_is_refused_before_anything_is_decompressed(monkeypatch):
    data = hostile.forge_declared_size(hostile.xlsx(), "xl/worksheets/sheet1.xml", 600 * 1024**2)

    def no_decompression(*_args, **_kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompression)
    assert refusal(data).code == "zip-bomb"


def test_real_deflate_bomb_by_ratio():
    # 20 MiB of zeros deflate to ~20 KiB: 1000:1, far beyond any real worksheet.
    data = hostile.deflated_zeros_member(hostile.xlsx(), "xl/media/image1.bin", 20 * 1024**2)
    assert len(data) < 100_000
    error = refusal(data)
    assert error.code == "zip-bomb"
    assert "xl/media/image1.bin" in error.message


def test_too_many_members(monkeypatch):
    monkeypatch.setattr(guard, "MAX_MEMBERS", 50)
    error = refusal(hostile.many_members(hostile.xlsx(), 60))
    assert error.code == "zip-bomb"
    assert "parts" in error.message


def test_default_limits_are_documented_values():
    assert guard.MAX_UNCOMPRESSED_BYTES == 512 * 1024**2
    assert guard.MAX_MEMBERS == 10_000
    assert guard.MAX_COMPRESSION_RATIO == 500


# --- unsafe XML -------------------------------------------------------------------------------------


def test_billion_laughs_in_a_sheet():
    error = refusal(hostile.with_sheet_xml(hostile.xlsx(), hostile.billion_laughs()))
    assert error.code == "unsafe-xml"
    assert "xl/worksheets/sheet1.xml" in error.message
    assert_one_line(error, "book.xlsx")


def test_external_entity_in_the_workbook_part():
    data = hostile.with_parts(hostile.xlsx(), {"xl/workbook.xml": hostile.xxe()})
    assert refusal(data).code == "unsafe-xml"


def test_doctype_in_content_types():
    types = (
        b'<?xml version="1.0"?><!DOCTYPE Types>'
        + hostile.members(hostile.xlsx())["[Content_Types].xml"].split(b"?>", 1)[-1]
    )
    data = hostile.with_parts(hostile.xlsx(), {"[Content_Types].xml": types})
    assert refusal(data).code == "unsafe-xml"


def test_doctype_in_utf16_part():
    sheet = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'
    data = hostile.with_sheet_xml(hostile.xlsx(), b"\xff\xfe" + sheet.encode("utf-16-le"))
    assert refusal(data).code == "unsafe-xml"


def test_doctype_in_ods_content():
    rows = "<table:table-row>" + hostile.ods_cell(1.0) + "</table:table-row>"
    content = hostile.members(hostile.ods({"S": rows}))["content.xml"]
    content = content.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
    data = hostile.build_zip(
        {**hostile.members(hostile.ods({"S": rows})), "content.xml": content},
        stored=["mimetype"],
    )
    assert refusal(data, "book.ods").code == "unsafe-xml"


def test_prolog_padded_beyond_the_scan_window():
    padding = b"<!--" + b" " * (guard.XML_PROLOG_BYTES + 10) + b"-->"
    sheet = hostile.sheet_xml("<sheetData/>").replace(b"?>", b"?>" + padding, 1)
    error = refusal(hostile.with_sheet_xml(hostile.xlsx(), sheet))
    assert error.code == "unsafe-xml"
    assert "root element" in error.message


@pytest.mark.parametrize(
    ("head", "complete", "verdict"),
    [
        (b'<?xml version="1.0"?><root/>', True, "clean"),
        (b'<?xml version="1.0"?>\n<!-- c --><!DOCTYPE r><r/>', True, "dtd"),
        (b"\xef\xbb\xbf<!ENTITY x 'y'>", True, "dtd"),
        (b"", True, "clean"),
        (b"<?xml version", False, "too-long"),
    ],
)
def test_prolog_verdict(head, complete, verdict):
    assert guard.prolog_verdict(head, complete=complete) == verdict


# --- empty workbooks ----------------------------------------------------------------------------------


def test_ooxml_without_sheets():
    error = refusal(hostile.without_worksheets())
    assert error.code == "empty-workbook"
    assert "no worksheets" in error.message
    assert_one_line(error, "book.xlsx")


def test_ooxml_with_only_a_chart_sheet():
    wb = openpyxl.Workbook()
    wb.create_chartsheet("Chart")
    wb.remove(wb.active)
    error = refusal(hostile.save(wb))
    assert error.code == "empty-workbook"
    assert "chart" in error.message


def test_ods_without_tables():
    assert refusal(hostile.ods({}), "book.ods").code == "empty-workbook"


def test_xls_with_only_a_chart_sheet():
    assert refusal(hostile.xls(chart_only=True), "book.xls").code == "empty-workbook"


def test_doctype_in_a_part_without_an_xml_name():
    data = hostile.with_parts(hostile.xlsx(), {"xl/worksheets/sheet1": hostile.billion_laughs()})
    error = refusal(data)
    assert error.code == "unsafe-xml"
    assert "xl/worksheets/sheet1" in error.message


def test_binary_parts_are_not_mistaken_for_xml():
    data = hostile.with_parts(hostile.xlsx(), {"xl/media/image1.png": b"\x89PNG\r\n" + bytes(999)})
    assert sniff(data, "book.xlsx") == "xlsx"


def test_ole2_header_listing_absurd_fat_sectors_reads_only_usable_ones():
    data = bytearray(hostile.xls())
    struct.pack_into("<I", data, 44, 0x7FFFFFFF)  # FAT sector count
    struct.pack_into("<109I", data, 76, *([0] * 109))  # every DIFAT slot names sector 0
    # Only the sectors a file this size can use are read, so this stays a tiny, valid .xls.
    assert sniff(bytes(data), "book.xls") == "xls"


def test_ole2_sector_chain_that_loops():
    data = bytearray(hostile.xls())
    fat_offset = 512
    directory_sector = struct.unpack_from("<I", data, 48)[0]
    struct.pack_into("<I", data, fat_offset + 4 * directory_sector, directory_sector)
    assert refusal(bytes(data), "book.xls").code == "corrupt-file"
