"""The appraisal forms filed after a session (R4.5) as XLSX workbooks, the spreadsheet twins of the
printable PDFs (X5). Each workbook is reopened with openpyxl and checked like a clerk would: title,
header block, bold bordered header row, values as real numbers and dates with Chinese number formats,
frozen panes and print setup. No database.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from skillcert.appraisal import forms_xlsx
from skillcert.appraisal.tests.test_forms_pdf import (
    ABDULLAH,
    EXT_B_NAME,
    sample_application,
    sample_report,
    sample_roster,
)


def sheet(data: bytes) -> Worksheet:
    assert data[:2] == b"PK"
    ws = load_workbook(io.BytesIO(data)).active
    assert isinstance(ws, Worksheet)
    return ws


def as_date(value: object) -> datetime.date:
    assert isinstance(value, datetime.datetime), value  # openpyxl reads dates back as datetimes
    return value.date()


def pictures(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [name for name in archive.namelist() if name.startswith("xl/media/")]


def find(ws: Worksheet, value: object) -> tuple[int, int]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                assert cell.row is not None and cell.column is not None
                return cell.row, cell.column
    raise AssertionError(f"{value!r} not in the sheet")


def header_columns(ws: Worksheet, row: int) -> dict[str, int]:
    """Heading -> column number of the table's header row."""
    columns = {}
    for cell in ws[row]:
        assert cell.column is not None
        columns[str(cell.value)] = cell.column
    return columns


def texts(ws: Worksheet) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_roster_sheet_title_header_block_and_header_row() -> None:
    ws = sheet(forms_xlsx.render_qualified_roster(sample_roster()))
    assert ws.title == "附表六 合格人员名册"
    assert ws["A1"].value == "职业技能鉴定合格人员名册"
    assert ws["A1"].font.bold and ws["A1"].alignment.horizontal == "center"
    assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
    all_text = texts(ws)
    for needle in (
        "鉴定站（盖章）：机械工业职业技能鉴定南京汽轮电机集团鉴定站",
        "机构代码：49013001",
        "鉴定批次：JD-2026-0612-01",
        "职业（工种）：6-18-01-01 车工",
        "鉴定等级：四级/中级工",
        "考试日期：2026-06-12 至 2026-06-13",
        "鉴定地点：南京市栖霞区和燕路 251 号实训楼三层",
    ):
        assert needle in all_text, needle

    header_row, _ = find(ws, "序号")
    headings = [c.value for c in ws[header_row]]
    assert headings == forms_xlsx.roster_columns(sample_roster())
    assert "综合评审" not in headings
    for cell in ws[header_row]:
        assert cell.font.bold, cell.coordinate
        assert cell.border.top.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.print_title_rows == f"$1:${header_row}"
    assert ws.page_setup.orientation == "landscape"


def test_roster_values_and_number_formats() -> None:
    roster = sample_roster()
    ws = sheet(forms_xlsx.render_qualified_roster(roster))
    header_row, _ = find(ws, "序号")
    col = header_columns(ws, header_row)
    for offset, expected in enumerate(roster.rows, start=1):
        r = header_row + offset
        assert ws.cell(r, col["序号"]).value == expected.seq
        assert ws.cell(r, col["姓名"]).value == expected.name
        assert ws.cell(r, col["身份证号"]).value == expected.id_number_masked
        theory = ws.cell(r, col["理论知识"])
        assert theory.value == expected.theory and theory.number_format == "0.0"
        assert ws.cell(r, col["操作技能"]).number_format == "0.0"
        birth = ws.cell(r, col["出生日期"])
        assert as_date(birth.value) == expected.birth_date and birth.number_format == "yyyy-mm-dd"
        assert ws.cell(r, col["姓名"]).border.left.style == "thin"
    assert ws.cell(header_row + 1, col["姓名"]).value == ABDULLAH
    assert ws.cell(header_row + 4, col["姓名"]).value == EXT_B_NAME
    assert ws.cell(header_row + 18, col["身份证号"]).value == "320***********0017"
    after = header_row + len(roster.rows) + 1
    assert ws.cell(after, 1).value == "以下空白"
    assert "合计 120 人" in texts(ws)
    prepared_row, prepared_col = find(ws, "日期：")
    date_cell = ws.cell(prepared_row, prepared_col + 1)
    assert as_date(date_cell.value) == datetime.date(2026, 6, 20)
    assert date_cell.number_format == 'yyyy"年"m"月"d"日"'
    assert "填表人：王芳" in texts(ws) and "负责人：" in texts(ws) and "单位盖章：" in texts(ws)
    # Column widths follow the content, CJK counting double.
    id_width = ws.column_dimensions[get_column_letter(col["身份证号"])].width
    assert id_width >= len("320***********0017")
    name_width = ws.column_dimensions[get_column_letter(col["姓名"])].width
    assert name_width >= forms_xlsx.display_width(f"{ABDULLAH}110")


def test_approval_form_sheet() -> None:
    roster = sample_roster(30, approval=True)
    ws = sheet(forms_xlsx.render_qualified_roster(roster))
    assert ws["A1"].value == "职业技能鉴定审批表（技师、高级技师）"
    header_row, _ = find(ws, "序号")
    col = header_columns(ws, header_row)
    comprehensive = ws.cell(header_row + 1, col["综合评审"])
    assert comprehensive.value == roster.rows[0].comprehensive and comprehensive.number_format == "0.0"
    all_text = texts(ws)
    for opinion in ("鉴定站意见", "分中心(市)意见", "鉴定中心审批意见"):
        r, c = find(ws, opinion)
        assert ws.cell(r, c).font.bold
        assert r > header_row + len(roster.rows)
    assert all_text.count("签字：") == 3 and all_text.count("日期：　") >= 3


def test_appraisal_report_sheet() -> None:
    ws = sheet(forms_xlsx.render_appraisal_report(sample_report()))
    assert ws.title == "附表四 鉴定报告"
    assert ws["A1"].value == "职业技能鉴定报告" and ws["A1"].font.bold
    header_row, _ = find(ws, "报名人数")
    assert [c.value for c in ws[header_row]] == ["报名人数", "实考人数", "合格人数", "合格率"]
    assert all(c.font.bold for c in ws[header_row])
    values = ws[header_row + 1]
    assert [c.value for c in values[:3]] == [124, 120, 112]
    rate = values[3].value
    assert isinstance(rate, float) and abs(rate - 112 / 120) < 1e-9 and values[3].number_format == "0.0%"
    assert ws.freeze_panes == f"A{header_row + 1}"
    all_text = texts(ws)
    assert "机械工业职业技能鉴定南京汽轮电机集团鉴定站" in all_text and "49013001" in all_text
    assert f"张工、李建国、{ABDULLAH}" in all_text and "缺考 4 人" in all_text
    assert "填表人：" in all_text and "单位盖章：" in all_text
    reported_row, reported_col = find(ws, "日期：")
    assert ws.cell(reported_row, reported_col + 1).number_format == 'yyyy"年"m"月"d"日"'


def test_application_form_sheet_with_and_without_photo() -> None:
    data = forms_xlsx.render_application_form(sample_application())
    ws = sheet(data)
    assert ws.title == "附表五 个人申报表"
    assert ws["A1"].value == "职业技能鉴定个人申报表"
    labels: tuple[str, ...] = (
        "姓名",
        "性别",
        "出生日期",
        "民族",
        "身份证号",
        "文化程度",
        "联系电话",
        "通讯地址",
        "工作单位",
    )
    labels += ("现职业资格等级", "从事本职业年限", "申报职业（工种）", "申报等级", "本人承诺", "申报人签字")
    for label in labels:
        r, c = find(ws, label)
        assert ws.cell(r, c).font.bold, label
    name_row, name_col = find(ws, "姓名")
    assert ws.cell(name_row, name_col + 1).value == ABDULLAH
    id_row, id_col = find(ws, "身份证号")
    assert ws.cell(id_row, id_col + 1).value == "650***********0017"
    birth_row, birth_col = find(ws, "出生日期")
    assert as_date(ws.cell(birth_row, birth_col + 1).value) == datetime.date(1992, 3, 7)
    years_row, years_col = find(ws, "从事本职业年限")
    assert ws.cell(years_row, years_col + 1).value == 6
    assert ws.freeze_panes == f"A{name_row}"
    assert len(pictures(data)) == 1  # the photo
    assert "照片" not in texts(ws)

    data = forms_xlsx.render_application_form(sample_application(photo=False))
    assert pictures(data) == [] and "照片" in texts(sheet(data))


def test_application_list_sheet() -> None:
    forms = [sample_application(), sample_application(photo=False)]
    ws = sheet(forms_xlsx.render_application_forms(forms))
    header_row, _ = find(ws, "序号")
    assert [c.value for c in ws[header_row]] == forms_xlsx.APPLICATION_COLUMNS
    assert all(c.font.bold for c in ws[header_row])
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.cell(header_row + 2, 2).value == ABDULLAH


def test_display_width_counts_cjk_double() -> None:
    assert forms_xlsx.display_width("ABC") == 3
    assert forms_xlsx.display_width("王芳") == 4
    assert forms_xlsx.display_width("320***0017") == 10
