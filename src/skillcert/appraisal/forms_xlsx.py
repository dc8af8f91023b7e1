"""XLSX versions of the appraisal forms filed after a session (R4.5), for stations that keep or forward
them as spreadsheets (X5 covers the printable PDF twins in `forms_pdf.py`).

Each workbook has one sheet laid out like the paper form: a merged title row, the header block
(station, institution code, occupation, level, dates, site), a bordered table whose header row is bold,
and the signature, seal and date rows at the foot. Scores are real numbers shown with one decimal
(``0.0``), the pass rate as a percentage (``0.0%``), dates as real dates in Chinese format
(``yyyy"年"m"月"d"日"``; birth dates ``yyyy-mm-dd``), so the sheets still sort and sum. Panes are frozen
under the header so it stays in view, and the print setup is A4 (the roster landscape, its title and
header rows repeated on every printed page).
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from skillcert.appraisal.documents import ApplicationForm, AppraisalReport, FormHeader, QualifiedRoster
from skillcert.appraisal.forms_pdf import (
    APPLICATION_TITLE,
    APPROVAL_OPINIONS,
    APPROVAL_TITLE,
    DECLARATION,
    REPORT_TITLE,
    ROSTER_TITLE,
)
from skillcert.core import cellsafe

SCORE_FORMAT = "0.0"
RATE_FORMAT = "0.0%"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
BIRTH_DATE_FORMAT = "yyyy-mm-dd"
FONT_NAME = "宋体"

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
PLAIN = Font(name=FONT_NAME, size=11)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


def display_width(text: str) -> int:
    """Width of `text` in spreadsheet character units: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _new_sheet(title: str, sheet_name: str) -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_name
    wb.properties.title = title
    wb.properties.creator = "skillcert"
    return wb, ws


def _save(wb: Workbook) -> bytes:
    return cellsafe.workbook_bytes(wb)  # no text typed by a user becomes a formula (issue 13 item 3)


def _put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Any,
    *,
    end_col: int | None = None,
    end_row: int | None = None,
    font: Font = PLAIN,
    align: Alignment = LEFT,
    number_format: str | None = None,
    border: bool = True,
    fill: PatternFill | None = None,
) -> None:
    """Write one (optionally merged) cell with its style; borders go round every cell of the merge."""
    cell = ws.cell(row=row, column=col, value=value)
    cell.font = font
    cell.alignment = align
    if number_format:
        cell.number_format = number_format
    last_col = end_col or col
    last_row = end_row or row
    if last_col != col or last_row != row:
        ws.merge_cells(start_row=row, start_column=col, end_row=last_row, end_column=last_col)
    for r in range(row, last_row + 1):
        for c in range(col, last_col + 1):
            target = ws.cell(row=r, column=c)
            if border:
                target.border = BORDER
            if fill is not None:
                target.fill = fill


def _title_row(ws: Worksheet, title: str, ncols: int) -> None:
    _put(ws, 1, 1, title, end_col=ncols, font=TITLE_FONT, align=CENTER, border=False)
    ws.row_dimensions[1].height = 32


def _set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _print_setup(ws: Worksheet, *, landscape: bool, title_rows: str | None = None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    footer = ws.oddFooter
    if footer is not None:
        footer.center.text = "第 &P 页 共 &N 页"


def _date(value: datetime.date | None) -> datetime.date | str:
    return value if value is not None else "　　年　　月　　日"


# --------------------------------------------------------------------------------------------------
# 附表四 鉴定报告


def render_appraisal_report(report: AppraisalReport) -> bytes:
    """附表四 鉴定报告 as a one-sheet workbook (R4.5)."""
    wb, ws = _new_sheet(REPORT_TITLE, "附表四 鉴定报告")
    h = report.header
    _title_row(ws, REPORT_TITLE, 4)
    _set_widths(ws, [16, 34, 16, 34])

    grid: list[tuple[str, str, str | None, str | None]] = [
        ("鉴定站", h.organisation, None, None),
        ("机构代码", h.institution_code, "鉴定批次", h.session_code),
        ("职业（工种）", h.occupation, "鉴定等级", h.level),
        ("鉴定日期", h.exam_dates, "鉴定地点", h.site),
        ("报送单位", h.responsible_centre, None, None),
    ]
    row = 2
    for label, value, label2, value2 in grid:
        _put(ws, row, 1, label, font=BOLD, align=CENTER)
        if label2 is None:
            _put(ws, row, 2, value, end_col=4)
        else:
            _put(ws, row, 2, value)
            _put(ws, row, 3, label2, font=BOLD, align=CENTER)
            _put(ws, row, 4, value2)
        ws.row_dimensions[row].height = 24
        row += 1

    header_row = row
    for col, heading in enumerate(["报名人数", "实考人数", "合格人数", "合格率"], start=1):
        _put(ws, row, col, heading, font=BOLD, align=CENTER, fill=HEADER_FILL)
    row += 1
    for col, count in enumerate([report.enrolled, report.sat, report.passed], start=1):
        _put(ws, row, col, count, align=CENTER, number_format="0")
    _put(ws, row, 4, report.pass_rate, align=CENTER, number_format=RATE_FORMAT)
    ws.row_dimensions[row].height = 26
    row += 1

    _put(ws, row, 1, "考评人员", font=BOLD, align=CENTER)
    _put(ws, row, 2, "、".join(report.examiners), end_col=4)
    ws.row_dimensions[row].height = 36
    row += 1
    _put(ws, row, 1, "情况说明", font=BOLD, align=CENTER)
    _put(ws, row, 2, report.notes, end_col=4, align=TOP_LEFT)
    ws.row_dimensions[row].height = 160
    row += 2

    _put(ws, row, 1, "填表人：", border=False, align=CENTER)
    _put(ws, row, 3, "负责人：", border=False, align=CENTER)
    row += 1
    _put(ws, row, 1, "单位盖章：", border=False, align=CENTER)
    _put(ws, row, 3, "日期：", border=False, align=CENTER)
    _put(ws, row, 4, _date(report.reported_at), border=False, number_format=DATE_FORMAT)

    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, landscape=False)
    return _save(wb)


# --------------------------------------------------------------------------------------------------
# 附表五 个人申报表

PHOTO_PX = (94, 132)  # 25 x 35 mm at 96 dpi


def render_application_form(form: ApplicationForm) -> bytes:
    """附表五 个人申报表 for one candidate as a form-shaped sheet, with the photo when there is one (R4.5)."""
    wb, ws = _new_sheet(APPLICATION_TITLE, "附表五 个人申报表")
    h = form.header
    _title_row(ws, APPLICATION_TITLE, 5)
    _set_widths(ws, [18, 26, 18, 26, 16])
    _put(ws, 2, 1, f"鉴定站：{h.organisation}", end_col=3, border=False)
    _put(
        ws, 2, 4, f"鉴定批次：{h.session_code}", end_col=5, border=False, align=Alignment(horizontal="right")
    )

    def label(row: int, col: int, text: str) -> None:
        _put(ws, row, col, text, font=BOLD, align=CENTER, fill=HEADER_FILL)

    first = 3
    label(3, 1, "姓名")
    _put(ws, 3, 2, form.name)
    label(3, 3, "性别")
    _put(ws, 3, 4, form.gender)
    label(4, 1, "出生日期")
    _put(ws, 4, 2, form.birth_date, number_format=BIRTH_DATE_FORMAT)
    label(4, 3, "民族")
    _put(ws, 4, 4, form.nation)
    label(5, 1, "身份证号")
    _put(ws, 5, 2, form.id_number_masked, end_col=4)
    label(6, 1, "文化程度")
    _put(ws, 6, 2, form.education)
    label(6, 3, "联系电话")
    _put(ws, 6, 4, form.phone)
    _put(ws, 3, 5, "" if form.photo_jpeg else "照片", end_row=6, align=CENTER)
    label(7, 1, "通讯地址")
    _put(ws, 7, 2, form.address, end_col=5)
    label(8, 1, "工作单位")
    _put(ws, 8, 2, form.work_unit, end_col=5)
    label(9, 1, "现职业资格等级")
    _put(ws, 9, 2, form.current_level or "无")
    label(9, 3, "从事本职业年限")
    _put(ws, 9, 4, form.years_in_occupation, end_col=5, number_format='0"年"')
    label(10, 1, "申报职业（工种）")
    _put(ws, 10, 2, h.occupation)
    label(10, 3, "申报等级")
    _put(ws, 10, 4, h.level, end_col=5)
    label(11, 1, "考试日期")
    _put(ws, 11, 2, h.exam_dates)
    label(11, 3, "鉴定地点")
    _put(ws, 11, 4, h.site, end_col=5)
    label(12, 1, "本人承诺")
    _put(ws, 12, 2, DECLARATION, end_col=5, align=TOP_LEFT)
    label(13, 1, "申报人签字")
    _put(ws, 13, 2, "")
    label(13, 3, "日期")
    _put(ws, 13, 4, form.declared_at, end_col=5, number_format=DATE_FORMAT)
    label(14, 1, "鉴定站审核意见")
    _put(ws, 14, 2, "", end_col=5, align=TOP_LEFT)
    label(15, 1, "审核人")
    _put(ws, 15, 2, "")
    label(15, 3, "负责人")
    _put(ws, 15, 4, "", end_col=5)
    label(16, 1, "单位盖章")
    _put(ws, 16, 2, "")
    label(16, 3, "日期")
    _put(ws, 16, 4, "　　年　　月　　日", end_col=5)
    for r in range(first, 17):
        ws.row_dimensions[r].height = 26
    for r in (3, 4, 5, 6):
        ws.row_dimensions[r].height = 27  # four rows hold the 35 mm photo
    ws.row_dimensions[12].height = 60
    ws.row_dimensions[14].height = 80

    if form.photo_jpeg:
        try:
            picture = XlImage(io.BytesIO(form.photo_jpeg))
        except Exception:  # an unreadable photo leaves the placeholder, as on paper
            ws.cell(row=3, column=5, value="照片")
        else:
            picture.width, picture.height = PHOTO_PX
            ws.add_image(picture, "E3")

    ws.freeze_panes = f"A{first}"
    _print_setup(ws, landscape=False)
    return _save(wb)


APPLICATION_COLUMNS = [
    "序号",
    "姓名",
    "性别",
    "出生日期",
    "民族",
    "身份证号",
    "文化程度",
    "联系电话",
    "通讯地址",
    "工作单位",
    "现职业资格等级",
    "从事本职业年限",
    "申报职业（工种）",
    "申报等级",
    "申报日期",
]


def render_application_forms(forms: Iterable[ApplicationForm]) -> bytes:
    """Many 个人申报表 as one list (one row per candidate), for a whole session's applications (R4.5)."""
    items = list(forms)
    if not items:
        raise ValueError("no application forms to render")
    wb, ws = _new_sheet(APPLICATION_TITLE, "附表五 个人申报表")
    ncols = len(APPLICATION_COLUMNS)
    _title_row(ws, APPLICATION_TITLE, ncols)
    header_row = _header_block(ws, items[0].header, ncols) + 1
    _table_header(ws, header_row, APPLICATION_COLUMNS)
    for i, form in enumerate(items, start=1):
        values: list[tuple[Any, str | None]] = [
            (i, "0"),
            (form.name, None),
            (form.gender, None),
            (form.birth_date, BIRTH_DATE_FORMAT),
            (form.nation, None),
            (form.id_number_masked, None),
            (form.education, None),
            (form.phone, None),
            (form.address, None),
            (form.work_unit, None),
            (form.current_level or "无", None),
            (form.years_in_occupation, "0"),
            (form.header.occupation, None),
            (form.header.level, None),
            (form.declared_at, DATE_FORMAT),
        ]
        for col, (value, fmt) in enumerate(values, start=1):
            _put(ws, header_row + i, col, value, align=CENTER if col != 9 else LEFT, number_format=fmt)
    _fit_columns(ws, APPLICATION_COLUMNS, header_row, maximum=40)
    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, landscape=True, title_rows=f"1:{header_row}")
    return _save(wb)


# --------------------------------------------------------------------------------------------------
# 附表六 合格人员名册 / 审批表


def _header_block(ws: Worksheet, h: FormHeader, ncols: int, first_row: int = 2) -> int:
    """Station, code, session, occupation, level, centre, dates, site in label/value pairs; returns the
    last row used (one blank row follows)."""
    lines = [
        [("鉴定站（盖章）", h.organisation), ("机构代码", h.institution_code), ("鉴定批次", h.session_code)],
        [("职业（工种）", h.occupation), ("鉴定等级", h.level), ("报送单位", h.responsible_centre)],
        [("考试日期", h.exam_dates), ("鉴定地点", h.site)],
    ]
    # Three groups of columns; each pair is "label：value" in a merged, borderless cell.
    bounds = [1, ncols * 5 // 12 + 1, ncols * 8 // 12 + 1, ncols + 1]
    for offset, fields in enumerate(lines):
        row = first_row + offset
        for i, (label, value) in enumerate(fields):
            start = bounds[i]
            end = bounds[i + 1] - 1 if i < len(fields) - 1 else ncols
            _put(ws, row, start, f"{label}：{value}", end_col=end, border=False)
    return first_row + len(lines)


def _table_header(ws: Worksheet, row: int, headings: Sequence[str]) -> None:
    for col, heading in enumerate(headings, start=1):
        _put(ws, row, col, heading, font=BOLD, align=CENTER, fill=HEADER_FILL)
    ws.row_dimensions[row].height = 30


def _fit_columns(ws: Worksheet, headings: Sequence[str], header_row: int, *, maximum: int = 30) -> None:
    """Set each column as wide as its widest cell under the title (CJK characters count two)."""
    for col, heading in enumerate(headings, start=1):
        widest = display_width(heading)
        for (value,) in ws.iter_rows(min_row=header_row + 1, min_col=col, max_col=col, values_only=True):
            if isinstance(value, float):
                text = f"{value:.1f}"
            elif isinstance(value, datetime.date):
                text = value.isoformat()
            else:
                text = "" if value is None else str(value)
            widest = max(widest, display_width(text))
        ws.column_dimensions[get_column_letter(col)].width = min(widest + 3, maximum)


def roster_columns(roster: QualifiedRoster) -> list[str]:
    """The table's headings: 综合评审 only on the approval form or when some row has that score."""
    columns = ["序号", "姓名", "性别", "出生日期", "身份证号", "文化程度", "理论知识", "操作技能"]
    if roster.approval_form or any(r.comprehensive is not None for r in roster.rows):
        columns.append("综合评审")
    return [*columns, "鉴定结果", "备注"]


def render_qualified_roster(roster: QualifiedRoster) -> bytes:
    """附表六 合格人员名册, or with `approval_form` the 技师/高级技师 审批表, as one sheet (R4.5)."""
    title = APPROVAL_TITLE if roster.approval_form else ROSTER_TITLE
    sheet = "技师高级技师审批表" if roster.approval_form else "附表六 合格人员名册"
    wb, ws = _new_sheet(title, sheet)
    columns = roster_columns(roster)
    ncols = len(columns)
    _title_row(ws, title, ncols)
    header_row = _header_block(ws, roster.header, ncols) + 1
    _table_header(ws, header_row, columns)

    row = header_row
    for candidate in roster.rows:
        row += 1
        by_heading: dict[str, tuple[Any, str | None]] = {
            "序号": (candidate.seq, "0"),
            "姓名": (candidate.name, None),
            "性别": (candidate.gender, None),
            "出生日期": (candidate.birth_date, BIRTH_DATE_FORMAT),
            "身份证号": (candidate.id_number_masked, None),
            "文化程度": (candidate.education, None),
            "理论知识": (candidate.theory, SCORE_FORMAT),
            "操作技能": (candidate.practical, SCORE_FORMAT),
            "综合评审": (candidate.comprehensive, SCORE_FORMAT),
            "鉴定结果": (candidate.result, None),
            "备注": ("", None),
        }
        for col, heading in enumerate(columns, start=1):
            value, fmt = by_heading[heading]
            _put(ws, row, col, value, align=CENTER, number_format=fmt)
    _fit_columns(ws, columns, header_row)
    ws.column_dimensions[get_column_letter(ncols)].width = 24  # 备注: room to write

    row += 1
    _put(ws, row, 1, "以下空白", end_col=ncols, align=CENTER)
    row += 1
    _put(ws, row, 1, f"合计 {len(roster.rows)} 人", end_col=ncols, border=False)
    row += 2
    quarter = max(ncols // 4, 1)
    _put(ws, row, 1, f"填表人：{roster.prepared_by}", end_col=quarter, border=False)
    _put(ws, row, quarter + 1, "负责人：", end_col=2 * quarter, border=False)
    _put(ws, row, 2 * quarter + 1, "单位盖章：", end_col=3 * quarter, border=False)
    _put(ws, row, 3 * quarter + 1, "日期：", border=False, align=Alignment(horizontal="right"))
    _put(
        ws,
        row,
        3 * quarter + 2,
        _date(roster.prepared_at),
        end_col=ncols,
        border=False,
        number_format=DATE_FORMAT,
    )

    if roster.approval_form:
        row += 2
        for opinion in APPROVAL_OPINIONS:
            _put(ws, row, 1, opinion, end_col=2, end_row=row + 1, font=BOLD, align=CENTER, fill=HEADER_FILL)
            _put(ws, row, 3, "", end_col=ncols)
            _put(
                ws,
                row + 1,
                3,
                "签字：　　　　　　　　盖章：　　　　　　　　日期：　　　　年　　月　　日",
                end_col=ncols,
                align=Alignment(horizontal="right", vertical="center"),
            )
            ws.row_dimensions[row].height = 40
            row += 2

    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, landscape=True, title_rows=f"1:{header_row}")
    return _save(wb)
