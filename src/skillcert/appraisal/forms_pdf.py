"""PDF renderings of the appraisal forms filed after a session (R4.5), printable as PDF (X5).

The forms follow the machinery-industry notice (seed 004): 附表四 鉴定报告 (:func:`render_appraisal_report`),
附表五 个人申报表 (:func:`render_application_form`, one page per candidate), 附表六 合格人员名册 and the
技师/高级技师 审批表 (:func:`render_qualified_roster`). They are laid out like the paper forms: a centred
title, a header block naming the station, occupation, level, dates and site, a boxed table, and the
signature, seal and date lines at the foot.

All output is A4 (the roster landscape), uses the embedded CJK font, and is deterministic: the same
document gives byte-identical bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from skillcert.appraisal.documents import (
    ApplicationForm,
    AppraisalReport,
    CandidateRow,
    FormHeader,
    QualifiedRoster,
)
from skillcert.core.pdf import (
    PHOTO_1_INCH,
    Cell,
    canvas_bytes,
    cell_rect,
    cn_date,
    draw_field_line,
    draw_grid,
    draw_page_number,
    draw_photo,
    draw_seal_area,
    draw_string,
    draw_text_box,
    paginate,
)

REPORT_TITLE = "职业技能鉴定报告"
APPLICATION_TITLE = "职业技能鉴定个人申报表"
ROSTER_TITLE = "职业技能鉴定合格人员名册"
APPROVAL_TITLE = "职业技能鉴定审批表（技师、高级技师）"

DECLARATION = (
    "本人承诺：以上所填内容及所提供的身份证件、学历证明、职业资格证书和工作年限证明等材料真实有效。"
    "如有虚假，本人愿意承担由此产生的一切后果，并接受取消鉴定资格或撤销所获证书的处理。"
)

APPROVAL_OPINIONS = ("鉴定站意见", "分中心(市)意见", "鉴定中心审批意见")

NO_VALUE = "—"


def score(value: float | None) -> str:
    """A score as printed on the forms: one decimal, "—" when there is none."""
    return NO_VALUE if value is None else f"{value:.1f}"


def _title(c: Canvas, page_w: float, y: float, title: str, form_label: str, margin: float) -> None:
    if form_label:
        draw_string(c, margin, y + 22, form_label, 10.5)
    spacing = 2.0 if len(title) <= 12 else 0.5
    draw_string(c, page_w / 2, y, title, 18, align="center", bold=True, char_space=spacing)


# --------------------------------------------------------------------------------------------------
# 附表四 鉴定报告


def render_appraisal_report(report: AppraisalReport) -> bytes:
    """附表四 鉴定报告 for one session subject, one A4 portrait page (R4.5, X5)."""
    page_w, page_h = A4
    margin = 56.0
    width = page_w - 2 * margin
    h = report.header

    def draw(c: Canvas) -> None:
        _title(c, page_w, page_h - 84, REPORT_TITLE, "附表四", margin)
        top = page_h - 104
        label_w = 84.0
        value_w = (width - 2 * label_w) / 2
        cols = [label_w, value_w, label_w, value_w]
        cells = [
            Cell(0, 0, "鉴定站"),
            Cell(0, 1, h.organisation, colspan=3, align="left"),
            Cell(1, 0, "机构代码"),
            Cell(1, 1, h.institution_code, align="left"),
            Cell(1, 2, "鉴定批次"),
            Cell(1, 3, h.session_code, align="left"),
            Cell(2, 0, "职业（工种）"),
            Cell(2, 1, h.occupation, align="left"),
            Cell(2, 2, "鉴定等级"),
            Cell(2, 3, h.level, align="left"),
            Cell(3, 0, "鉴定日期"),
            Cell(3, 1, h.exam_dates, align="left"),
            Cell(3, 2, "鉴定地点", wrap=False),
            Cell(3, 3, h.site, align="left"),
            Cell(4, 0, "报送单位"),
            Cell(4, 1, h.responsible_centre, colspan=3, align="left"),
        ]
        bottom = draw_grid(c, margin, top, cols, [32.0] * 5, cells, padding=4)

        counts = ["报名人数", "实考人数", "合格人数", "合格率"]
        values = [str(report.enrolled), str(report.sat), str(report.passed), f"{report.pass_rate * 100:.1f}%"]
        count_cells = [Cell(0, i, text, bold=True) for i, text in enumerate(counts)]
        count_cells += [Cell(1, i, text, size=14) for i, text in enumerate(values)]
        bottom = draw_grid(c, margin, bottom, [width / 4] * 4, [28.0, 36.0], count_cells)

        examiners = "、".join(report.examiners) or NO_VALUE
        notes_cells = [
            Cell(0, 0, "考评人员"),
            Cell(0, 1, examiners, align="left"),
            Cell(1, 0, "情况说明"),
            Cell(1, 1, report.notes or "（无）", align="left", valign="top"),
        ]
        bottom = draw_grid(
            c, margin, bottom, [label_w, width - label_w], [64.0, 246.0], notes_cells, padding=5
        )

        third = width / 3
        y = bottom - 34
        draw_field_line(c, margin, y, "填表人：", third - 16)
        draw_field_line(c, margin + third, y, "负责人：", third - 16)
        draw_seal_area(c, margin + 2.5 * third, y - 18, label="（单位盖章）", radius=42)
        draw_field_line(c, margin, y - 36, "日　期：", 2 * third - 16, cn_date(report.reported_at))
        draw_page_number(c, 1, 1, page_width=page_w)

    return canvas_bytes(A4, title=REPORT_TITLE, subject=_subject(h), draw=draw)


# --------------------------------------------------------------------------------------------------
# 附表五 个人申报表


def render_application_form(form: ApplicationForm) -> bytes:
    """附表五 个人申报表: one A4 portrait page for one candidate, with the photo (R4.5, X5)."""
    return render_application_forms([form])


def render_application_forms(forms: Iterable[ApplicationForm]) -> bytes:
    """Several 个人申报表 in one PDF, one page per candidate (for printing a whole session at once)."""
    items = list(forms)
    if not items:
        raise ValueError("no application forms to render")

    def draw(c: Canvas) -> None:
        for number, form in enumerate(items, start=1):
            _draw_application(c, form)
            draw_page_number(c, number, len(items), page_width=A4[0])
            c.showPage()

    return canvas_bytes(A4, title=APPLICATION_TITLE, subject=_subject(items[0].header), draw=draw)


LABEL_SIZE = 10.0


def _label(row: int, col: int, text: str) -> Cell:
    """A field label of the application grid: one line, all labels the same size."""
    return Cell(row, col, text, wrap=False, size=LABEL_SIZE)


def _draw_application(c: Canvas, form: ApplicationForm) -> None:
    page_w, page_h = A4
    margin = 56.0
    width = page_w - 2 * margin
    h = form.header
    _title(c, page_w, page_h - 84, APPLICATION_TITLE, "附表五", margin)
    batch = f"鉴定批次：{h.session_code}"
    batch_w = draw_string(c, page_w - margin, page_h - 106, batch, 10, align="right")
    station_w = width - batch_w - 12
    draw_text_box(
        c,
        margin,
        page_h - 110,
        station_w,
        14,
        f"鉴定站：{h.organisation}",
        max_size=10,
        wrap=False,
        padding=0,
    )

    photo_w = PHOTO_1_INCH[0] + 16
    label_w = 88.0
    value_w = (width - 2 * label_w - photo_w) / 2
    cols = [label_w, value_w, label_w, value_w, photo_w]
    row_h = 38.0
    rows = [row_h] * 9 + [120.0, 132.0]
    years = NO_VALUE if form.years_in_occupation is None else f"{form.years_in_occupation} 年"
    cells = [
        _label(0, 0, "姓　　名"),
        Cell(0, 1, form.name, wrap=False, size=12, align="left"),
        _label(0, 2, "性　　别"),
        Cell(0, 3, form.gender, align="left"),
        Cell(0, 4, "", rowspan=4),
        _label(1, 0, "出生日期"),
        Cell(1, 1, form.birth_date.isoformat(), align="left"),
        _label(1, 2, "民　　族"),
        Cell(1, 3, form.nation, align="left"),
        _label(2, 0, "身份证号"),
        Cell(2, 1, form.id_number_masked, colspan=3, wrap=False, size=12, align="left"),
        _label(3, 0, "文化程度"),
        Cell(3, 1, form.education, align="left"),
        _label(3, 2, "联系电话"),
        Cell(3, 3, form.phone, wrap=False, align="left"),
        _label(4, 0, "通讯地址"),
        Cell(4, 1, form.address, colspan=4, align="left"),
        _label(5, 0, "工作单位"),
        Cell(5, 1, form.work_unit, colspan=4, align="left"),
        _label(6, 0, "现职业资格等级"),
        Cell(6, 1, form.current_level or "无", align="left"),
        _label(6, 2, "从事本职业年限"),
        Cell(6, 3, years, colspan=2, align="left"),
        _label(7, 0, "申报职业（工种）"),
        Cell(7, 1, h.occupation, align="left"),
        _label(7, 2, "申报等级"),
        Cell(7, 3, h.level, colspan=2, align="left"),
        _label(8, 0, "考试日期"),
        Cell(8, 1, h.exam_dates, align="left"),
        _label(8, 2, "鉴定地点"),
        Cell(8, 3, h.site, colspan=2, align="left"),
        _label(9, 0, "本人承诺"),
        Cell(9, 1, "", colspan=4),
        Cell(10, 0, "鉴定站\n审核意见", size=LABEL_SIZE),
        Cell(10, 1, "", colspan=4),
    ]
    top = page_h - 114
    draw_grid(c, margin, top, cols, rows, cells, padding=4)

    px, py, pw, ph = cell_rect(margin, top, cols, rows, 0, 4, rowspan=4)
    draw_photo(
        c,
        px + (pw - PHOTO_1_INCH[0]) / 2,
        py + (ph - PHOTO_1_INCH[1]) / 2,
        jpeg=form.photo_jpeg,
    )

    # The declaration, with the candidate's signature and date at its foot.
    dx, dy, dw, dh = cell_rect(margin, top, cols, rows, 9, 1, colspan=4)
    draw_text_box(
        c, dx, dy + 34, dw, dh - 34, DECLARATION, max_size=10.5, valign="top", padding=6, leading=1.5
    )
    half = (dw - 16) / 2
    draw_field_line(c, dx + 6, dy + 16, "申报人签字：", half - 6)
    draw_field_line(c, dx + 10 + half, dy + 16, "日期：", half - 6, cn_date(form.declared_at))

    # The station's review, signed, sealed and dated.
    rx, ry, rw, _ = cell_rect(margin, top, cols, rows, 10, 1, colspan=4)
    third = (rw - 16) / 3
    draw_field_line(c, rx + 6, ry + 46, "审核人：", third)
    draw_field_line(c, rx + 6, ry + 16, "负责人：", third)
    draw_seal_area(c, rx + 12 + 1.5 * third, ry + 50, label="（单位盖章）")
    draw_field_line(
        c, rx + 10 + 2 * third, ry + 16, "日期：", third - 4, cn_date(None, blank="　　年　月　日")
    )


# --------------------------------------------------------------------------------------------------
# 附表六 合格人员名册 / 审批表


@dataclass(frozen=True)
class _Column:
    heading: str
    width: float  # 0 = takes the rest of the line
    align: str = "center"


def _roster_columns(roster: QualifiedRoster, total_width: float) -> list[_Column]:
    with_comprehensive = roster.approval_form or any(r.comprehensive is not None for r in roster.rows)
    columns = [
        _Column("序号", 34),
        _Column("姓名", 90),
        _Column("性别", 34),
        _Column("出生日期", 72),
        _Column("身份证号", 136),
        _Column("文化程度", 64),
        _Column("理论知识", 58),
        _Column("操作技能", 58),
    ]
    if with_comprehensive:
        columns.append(_Column("综合评审", 58))
    columns += [_Column("鉴定结果", 58), _Column("备注", 0)]
    rest = total_width - sum(col.width for col in columns)
    return [col if col.width else _Column(col.heading, rest) for col in columns]


def _roster_values(row: CandidateRow, columns: Sequence[_Column]) -> list[str]:
    by_heading = {
        "序号": str(row.seq),
        "姓名": row.name,
        "性别": row.gender,
        "出生日期": row.birth_date.isoformat(),
        "身份证号": row.id_number_masked,
        "文化程度": row.education,
        "理论知识": score(row.theory),
        "操作技能": score(row.practical),
        "综合评审": score(row.comprehensive),
        "鉴定结果": row.result,
        "备注": "",
    }
    return [by_heading[col.heading] for col in columns]


ROSTER_MARGIN = 36.0
ROSTER_HEADER_ROW = 26.0
ROSTER_ROW = 18.0
ROSTER_TABLE_TOP = 106.0  # from the top of the page
ROSTER_TABLE_FLOOR = 52.0  # lowest y a table row may reach (room for the signature line)
APPROVAL_BOX_HEIGHT = 104.0
APPROVAL_BOX_GAP = 8.0


def roster_page_capacity(approval_form: bool) -> tuple[int, int]:
    """Rows per roster page, and rows that fit on the last page (which carries the approval boxes)."""
    _, page_h = landscape(A4)
    room = page_h - ROSTER_TABLE_TOP - ROSTER_HEADER_ROW - ROSTER_TABLE_FLOOR
    per_page = int(room // ROSTER_ROW)
    if not approval_form:
        return per_page, per_page
    return per_page, int((room - APPROVAL_BOX_HEIGHT - APPROVAL_BOX_GAP) // ROSTER_ROW)


def render_qualified_roster(roster: QualifiedRoster) -> bytes:
    """附表六 合格人员名册, or with `approval_form` the 技师/高级技师 审批表; A4 landscape (R4.5, X5).

    Rows flow over as many pages as needed; every page repeats the title, the header block and the
    table's header row, ends with the 填表人/负责人/单位盖章/日期 line and "第 n 页 共 m 页". The last
    page marks "以下空白" under the last row and, for the approval form, carries the three opinion boxes
    (鉴定站 / 分中心(市) / 鉴定中心), each with 签字, 盖章 and 日期.
    """
    page_w, page_h = landscape(A4)
    margin = ROSTER_MARGIN
    width = page_w - 2 * margin
    title = APPROVAL_TITLE if roster.approval_form else ROSTER_TITLE
    columns = _roster_columns(roster, width)
    col_widths = [col.width for col in columns]
    per_page, last_cap = roster_page_capacity(roster.approval_form)
    pages = paginate(roster.rows, per_page, last_cap)
    total_rows = len(roster.rows)

    def draw(c: Canvas) -> None:
        for number, rows in enumerate(pages, start=1):
            last = number == len(pages)
            _title(c, page_w, page_h - 50, title, "" if roster.approval_form else "附表六", margin)
            _roster_header_block(c, roster.header, margin, page_h - 60, width)

            top = page_h - ROSTER_TABLE_TOP
            heights = [ROSTER_HEADER_ROW] + [ROSTER_ROW] * len(rows)
            cells = [Cell(0, i, col.heading, bold=True, wrap=True) for i, col in enumerate(columns)]
            for r, row in enumerate(rows, start=1):
                for i, text in enumerate(_roster_values(row, columns)):
                    cells.append(Cell(r, i, text, wrap=False, align="center", size=10))
            if last and (len(rows) < (last_cap if roster.approval_form else per_page)):
                heights.append(ROSTER_ROW)
                cells.append(Cell(len(rows) + 1, 0, "以下空白", colspan=len(columns), size=9, border=False))
            draw_grid(c, margin, top, col_widths, heights, cells, size=10.5)

            if last and roster.approval_form:
                _approval_boxes(c, margin, ROSTER_TABLE_FLOOR + APPROVAL_BOX_HEIGHT, width)
            _roster_footer(c, roster, margin, width, len(rows), total_rows)
            draw_page_number(c, number, len(pages), page_width=page_w, y=16)
            c.showPage()

    return canvas_bytes(landscape(A4), title=title, subject=_subject(roster.header), draw=draw)


def _roster_header_block(c: Canvas, h: FormHeader, x: float, top: float, width: float) -> None:
    lines = [
        [("鉴定站（盖章）", h.organisation), ("机构代码", h.institution_code), ("鉴定批次", h.session_code)],
        [("职业（工种）", h.occupation), ("鉴定等级", h.level), ("报送单位", h.responsible_centre)],
        [("考试日期", h.exam_dates), ("鉴定地点", h.site)],
    ]
    shares = [[0.40, 0.22, 0.38], [0.40, 0.22, 0.38], [0.40, 0.60]]
    line_h = 14.5
    for i, (fields, line_shares) in enumerate(zip(lines, shares, strict=True)):
        y = top - (i + 1) * line_h
        fx = x
        for (label, value), share in zip(fields, line_shares, strict=True):
            draw_text_box(
                c, fx, y, width * share - 6, line_h, f"{label}：{value}", max_size=10, wrap=False, padding=0
            )
            fx += width * share


def _roster_footer(
    c: Canvas, roster: QualifiedRoster, x: float, width: float, on_page: int, total: int
) -> None:
    y = 34.0
    quarter = width / 4
    draw_field_line(c, x, y, "填表人：", quarter - 20, roster.prepared_by)
    draw_field_line(c, x + quarter, y, "负责人：", quarter - 20)
    draw_string(c, x + 2 * quarter, y, "单位盖章：", 10.5)
    draw_field_line(c, x + 3 * quarter, y, "日期：", quarter, cn_date(roster.prepared_at))
    draw_string(c, x + width, 16, f"本页 {on_page} 人，合计 {total} 人", 9, align="right")


def _approval_boxes(c: Canvas, x: float, top: float, width: float) -> None:
    gap = 10.0
    box_w = (width - 2 * gap) / 3
    for i, heading in enumerate(APPROVAL_OPINIONS):
        bx = x + i * (box_w + gap)
        by = top - APPROVAL_BOX_HEIGHT
        c.saveState()
        c.setLineWidth(1.0)
        c.rect(bx, by, box_w, APPROVAL_BOX_HEIGHT, stroke=1, fill=0)
        c.restoreState()
        draw_string(c, bx + 6, top - 16, f"{heading}：", 10.5, bold=True)
        half = (box_w - 18) / 2
        draw_field_line(c, bx + 6, by + 38, "签字：", half)
        draw_field_line(c, bx + 12 + half, by + 38, "盖章：", half)
        draw_field_line(c, bx + 6, by + 14, "日期：", box_w - 12, cn_date(None, blank="　　　年　　月　　日"))


def _subject(h: FormHeader) -> str:
    return f"{h.organisation} {h.session_code} {h.occupation} {h.level}"
