"""The cell scan finds what python-calamine reports as blank: errors, uncached formulas, merges."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from python_calamine import CalamineWorkbook

import hostile
from cipms_cli.errors import UnreadableInput
from cipms_cli.workbook import cellscan
from cipms_cli.workbook.cellscan import CellFlag, scan_cells, uses_1904_dates


def calamine_rows(data: bytes, sheet: str) -> list[list[object]]:
    book = CalamineWorkbook.from_object(io.BytesIO(data))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def report_workbook() -> bytes:
    """A title row, a merged banner, the header on row 3, then data with problem cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scrap & <rework>"
    ws["A1"] = "Line 4 scrap report"
    ws.merge_cells("A1:C1")
    ws.append([])
    ws.append(["date", "line", "scrap"])  # row 3
    ws.append([dt.date(2024, 1, 1), "L4", 3])  # row 4
    ws.append([dt.date(2024, 1, 2), "L4", "#DIV/0!"])  # row 5: openpyxl writes t="e"
    ws.append([dt.date(2024, 1, 3), "L4", "=C4*2"])  # row 6: no cached value
    ws.append([dt.date(2024, 1, 4), "L4", 5])  # row 7
    wb.create_sheet("Notes")["B2"] = "=1/0"
    return hostile.save(wb)


# --- xlsx ---------------------------------------------------------------------------------------


def test_flags_are_at_the_rows_excel_shows():
    flags = scan_cells(report_workbook(), "xlsx")
    assert flags["Scrap & <rework>"] == [
        CellFlag(1, 0, "merged-cell", "A1:C1"),
        CellFlag(5, 2, "error-cell", "#DIV/0!"),
        CellFlag(6, 2, "uncached-formula", "C4*2"),
    ]
    assert flags["Notes"] == [CellFlag(2, 1, "uncached-formula", "1/0")]


def test_sheet_names_match_calamine():
    data = report_workbook()
    book = CalamineWorkbook.from_object(io.BytesIO(data))
    assert list(scan_cells(data, "xlsx")) == book.sheet_names


def test_flagged_cells_are_the_ones_calamine_blanks():
    data = report_workbook()
    rows = calamine_rows(data, "Scrap & <rework>")
    assert rows[2] == ["date", "line", "scrap"]
    for flag in scan_cells(data, "xlsx")["Scrap & <rework>"]:
        if flag.kind != "merged-cell":
            assert rows[flag.row - 1][flag.col] == ""


def test_xlsm_is_scanned_like_xlsx():
    data = hostile.as_xlsm(report_workbook())
    assert scan_cells(data, "xlsm") == scan_cells(report_workbook(), "xlsx")


def test_chart_sheets_have_no_flags():
    wb = openpyxl.load_workbook(io.BytesIO(report_workbook()))
    wb.create_chartsheet("Chart")
    flags = scan_cells(hostile.save(wb), "xlsx")
    assert flags["Chart"] == []


def scan_sheet(body: str, *, prefix: str = "") -> list[CellFlag]:
    data = hostile.with_sheet_xml(hostile.xlsx(), hostile.sheet_xml(body, prefix=prefix))
    return scan_cells(data, "xlsx")["Data"]


def test_cached_values_are_not_flagged():
    body = (
        '<sheetData><row r="2"><c r="A2"><f>1+1</f><v>2</v></c>'
        '<c r="B2" t="str"><f>IF(A2&gt;5,"x","")</f><v></v></c>'
        '<c r="C2" t="b"><f>TRUE()</f><v>1</v></c></row></sheetData>'
    )
    assert scan_sheet(body) == []


def test_empty_value_on_a_number_formula_is_uncached():
    body = '<sheetData><row r="2"><c r="D2"><f>A2&amp;B2</f><v></v></c></row></sheetData>'
    assert scan_sheet(body) == [CellFlag(2, 3, "uncached-formula", "A2&B2")]


def test_string_formula_without_any_value_is_uncached():
    body = '<sheetData><row r="2"><c r="A2" t="str"><f>B2</f></c></row></sheetData>'
    assert scan_sheet(body) == [CellFlag(2, 0, "uncached-formula", "B2")]


def test_shared_formula_children():
    body = (
        '<sheetData><row r="3"><c r="B3"><f t="shared" ref="B3:B4" si="0">A3*2</f></c></row>'
        '<row r="4"><c r="B4"><f t="shared" si="0"/></c></row></sheetData>'
    )
    assert scan_sheet(body) == [
        CellFlag(3, 1, "uncached-formula", "A3*2"),
        CellFlag(4, 1, "uncached-formula", "(shared formula)"),
    ]


def test_error_with_cached_formula_is_one_error_flag():
    body = '<sheetData><row r="9"><c r="AB9" t="e"><f>NA()</f><v>#N/A</v></c></row></sheetData>'
    assert scan_sheet(body) == [CellFlag(9, 27, "error-cell", "#N/A")]


def test_prefixed_namespace():
    body = (
        '<x:sheetData><x:row r="2"><x:c r="C2" t="e"><x:v>#REF!</x:v></x:c>'
        '<x:c r="D2"><x:f>C2</x:f></x:c></x:row></x:sheetData>'
        '<x:mergeCells><x:mergeCell ref="A5:B6"/></x:mergeCells>'
    )
    assert scan_sheet(body, prefix="x") == [
        CellFlag(2, 2, "error-cell", "#REF!"),
        CellFlag(2, 3, "uncached-formula", "C2"),
        CellFlag(5, 0, "merged-cell", "A5:B6"),
    ]


@pytest.mark.parametrize("chunk", [8 * 1024 * 1024, 40])
def test_rows_and_cells_without_addresses_are_counted(monkeypatch, chunk):
    monkeypatch.setattr(cellscan, "_CHUNK_BYTES", chunk)
    body = (
        "<sheetData><row><c><v>1</v></c></row><row/>"
        '<row><c><v>1</v></c><c t="e"><v>#NUM!</v></c></row>'
        '<row r="10"><c r="C10"><v>1</v></c><c><f>1/0</f></c></row>'
        '<row><c t="inlineStr"><is><t>arrow> row></t></is></c><c><f>X</f></c></row>'
        "</sheetData>"
    )
    assert scan_sheet(body) == [
        CellFlag(3, 1, "error-cell", "#NUM!"),
        CellFlag(10, 3, "uncached-formula", "1/0"),
        CellFlag(11, 1, "uncached-formula", "X"),
    ]


def test_unusual_markup_falls_back_to_a_parser():
    body = '<sheetData><row r="4"><c r="B4"><!-- note --><f>A4</f></c></row></sheetData>'
    assert scan_sheet(body) == [CellFlag(4, 1, "uncached-formula", "A4")]


def test_pieces_never_cut_a_cell(monkeypatch):
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>arrow> row></t></is></c>'
        + (f'<c r="B{r}" t="e"><v>#N/A</v></c>' if r % 7 == 0 else f'<c r="B{r}"><v>{r}</v></c>')
        + (f'<c r="C{r}"><f>IF(B{r}>0,"row>","")</f></c>' if r % 11 == 0 else "")
        + "</row>"
        for r in range(1, 400)
    )
    body = f'<sheetData>{rows}</sheetData><mergeCells><mergeCell ref="D1:E2"/></mergeCells>'
    whole = scan_sheet(body)
    monkeypatch.setattr(cellscan, "_CHUNK_BYTES", 97)
    assert scan_sheet(body) == whole
    assert len(whole) == 399 // 7 + 399 // 11 + 1


def test_big_sheet_flags_only_the_rare_cells():
    def row(r: int) -> str:
        cells = f'<c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>L{r % 9}</t></is></c>'
        cells += f'<c r="C{r}" s="1"><v>{45000 + r % 300}</v></c><c r="D{r}"><v>{r * 0.5}</v></c>'
        cells += f'<c r="E{r}"><f>D{r}*2</f><v>{r}</v></c>'
        if r % 50_000 == 0:
            cells += f'<c r="F{r}" t="e"><v>#DIV/0!</v></c><c r="G{r}"><f>E{r}</f></c>'
        return f'<row r="{r}">{cells}</row>'

    body = "<sheetData>" + "".join(row(r) for r in range(1, 200_001)) + "</sheetData>"
    data = hostile.with_sheet_xml(hostile.xlsx(), hostile.sheet_xml(body))
    flags = scan_cells(data, "xlsx")["Data"]
    assert [(f.row, f.kind) for f in flags][:2] == [
        (50_000, "error-cell"),
        (50_000, "uncached-formula"),
    ]
    assert len(flags) == 8


# --- ods ------------------------------------------------------------------------------------------


def ods_report() -> bytes:
    c = hostile.ods_cell
    rows = (
        '<table:table-row><table:table-cell table:number-columns-spanned="3" '
        'office:value-type="string"><text:p>Report</text:p></table:table-cell>'
        '<table:covered-table-cell table:number-columns-repeated="2"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        f"<table:table-row>{c('date')}{c('scrap')}</table:table-row>"
        '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell table:formula="of:=1/0" office:value-type="string" '
        'office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
        "</table:table-cell></table:table-row>"
        f'<table:table-row>{c(1.0)}<table:table-cell table:formula="of:=[.A6]*2"/>'
        '<table:table-cell table:formula="of:=[.Z1]" office:value-type="string">'
        "<text:p>Err:502</text:p></table:table-cell></table:table-row>"
    )
    return hostile.ods({"Feuille & 1": rows, "Vide": ""})


def test_ods_flags():
    flags = scan_cells(ods_report(), "ods")
    assert flags == {
        "Feuille & 1": [
            CellFlag(1, 0, "merged-cell", "A1:C1"),
            CellFlag(5, 2, "error-cell", "#DIV/0!"),
            CellFlag(6, 1, "uncached-formula", "of:=[.A6]*2"),
            CellFlag(6, 2, "error-cell", "Err:502"),
        ],
        "Vide": [],
    }


def test_ods_sheet_names_match_calamine():
    data = ods_report()
    assert (
        list(scan_cells(data, "ods")) == CalamineWorkbook.from_object(io.BytesIO(data)).sheet_names
    )


def test_ods_without_formulas_takes_the_fast_path():
    rows = "<table:table-row>" + hostile.ods_cell(2.0) + "</table:table-row>"
    data = hostile.ods({"A & <B>": rows, "C": rows})
    assert scan_cells(data, "ods") == {"A & <B>": [], "C": []}
    assert (
        list(scan_cells(data, "ods")) == CalamineWorkbook.from_object(io.BytesIO(data)).sheet_names
    )


def test_ods_repeated_flagged_cells_are_capped(monkeypatch):
    monkeypatch.setattr(cellscan, "MAX_REPEAT_EXPANSION", 5)
    rows = (
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="16384" table:formula="of:=1"/>'
        "</table:table-row>"
    )
    assert len(scan_cells(hostile.ods({"S": rows}), "ods")["S"]) == 5


# --- xls ------------------------------------------------------------------------------------------


def test_xls_errors_and_merges():
    data = hostile.xls(
        {"Données": [(0, 0, 1.0)], "Other": [(0, 0, 2.0)]},
        errors=[(4, 1, 0x07)],
        formula_errors=[(5, 2, 0x2A)],
        merges=[(0, 0, 0, 2)],
    )
    flags = scan_cells(data, "xls")
    assert flags == {
        "Données": [
            CellFlag(1, 0, "merged-cell", "A1:C1"),
            CellFlag(5, 1, "error-cell", "#DIV/0!"),
            CellFlag(6, 2, "error-cell", "#N/A"),
        ],
        "Other": [],
    }
    assert list(flags) == CalamineWorkbook.from_object(io.BytesIO(data)).sheet_names
    rows = calamine_rows(data, "Données")
    assert rows[4][1] == "" and rows[5][2] == ""  # what calamine shows for those errors


# --- errors ---------------------------------------------------------------------------------------


def test_malformed_sheet_xml_is_a_corrupt_file():
    sheet = b'<worksheet xmlns="x"><sheetData><row r="1"><c r="A1"><!-- <f>1</f></c></row>'
    data = hostile.with_sheet_xml(hostile.xlsx(), sheet)
    with pytest.raises(UnreadableInput) as caught:
        scan_cells(data, "xlsx", name="book.xlsx")
    assert caught.value.code == "corrupt-file"
    assert caught.value.path == "book.xlsx"


def test_unknown_kind_has_no_flags():
    assert scan_cells(b"", "csv") == {}


# --- the 1904 date system -------------------------------------------------------------------------


def workbook_1904() -> bytes:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "S"
    ws["A1"] = dt.date(2024, 3, 15)
    ws["A2"] = 45000
    return hostile.save(wb)


def test_uses_1904_dates():
    assert uses_1904_dates(workbook_1904(), "xlsx") is True
    assert uses_1904_dates(report_workbook(), "xlsx") is False


def test_date1904_true_spelling():
    data = report_workbook()
    workbook = hostile.members(data)["xl/workbook.xml"].replace(
        b"<workbookPr/>", b'<workbookPr date1904="true"/>'
    )
    workbook = workbook.replace(b"<workbookPr />", b'<workbookPr date1904="true"/>')
    assert uses_1904_dates(hostile.with_parts(data, {"xl/workbook.xml": workbook}), "xlsx")


def test_xls_and_ods_date_systems():
    assert uses_1904_dates(hostile.xls(date1904=True), "xls") is True
    assert uses_1904_dates(hostile.xls(), "xls") is False
    settings = (
        '<table:calculation-settings><table:null-date table:date-value="1904-01-01"/>'
        "</table:calculation-settings>"
    )
    data = hostile.ods({"S": "<table:table-row><table:table-cell/></table:table-row>"})
    content = hostile.members(data)["content.xml"].replace(
        b"<office:spreadsheet>", b"<office:spreadsheet>" + settings.encode()
    )
    patched = hostile.build_zip({**hostile.members(data), "content.xml": content}, ["mimetype"])
    assert uses_1904_dates(patched, "ods") is True
    assert uses_1904_dates(data, "ods") is False


def test_calamine_already_converts_1904_dates():
    """Why uses_1904_dates exists anyway: calamine fixes date-formatted cells, not plain serials."""
    rows = calamine_rows(workbook_1904(), "S")
    assert rows[0][0] == dt.date(2024, 3, 15)
    assert rows[1][0] == 45000.0
    xls_rows = calamine_rows(hostile.xls({"S": [(0, 0, 43904.0)]}, date1904=True), "S")
    assert xls_rows[0][0] == dt.date(2024, 3, 15)


@pytest.mark.parametrize("make", [workbook_1904, report_workbook])
def test_opening_reuses_the_guards_sheets_with_the_same_result(make):
    """open_bytes hands the sheets the guard read to the scan and the 1904 flag."""
    from cipms_cli.workbook.guard import sniff_package
    from cipms_cli.workbook.reader import open_bytes

    data = make()
    sniffed = sniff_package(data, "book.xlsx")
    assert sniffed.ooxml is not None
    assert [s.name for s in sniffed.ooxml.sheets] == CalamineWorkbook.from_object(
        io.BytesIO(data)
    ).sheet_names
    book = open_bytes(data, "book.xlsx")
    assert book.flags == scan_cells(data, "xlsx")
    assert book.date1904 is uses_1904_dates(data, "xlsx")
    assert sniff_package(hostile.xls(), "book.xls").ooxml is None
