"""The 申领审核表 (R1.3) as PDF (laid out for signatures and seals) and as XLSX."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from skillcert.blanks.choices import LEVEL_TITLE_ZH, ApprovalStep
from skillcert.blanks.models import Requisition
from skillcert.core import cellsafe
from skillcert.core.pdf import (
    Cell,
    canvas_bytes,
    cn_date,
    draw_field_line,
    draw_grid,
    draw_seal_area,
    draw_string,
)

TITLE = "职业资格证书申领审核表"
HEADINGS = [
    "等级",
    "上季度领取数",
    "上季度合格人数",
    "上季度销毁数",
    "现库存数",
    "本季度计划申领数",
    "核定下发数",
]
FIELDS = ["received", "qualified", "destroyed", "stock", "planned", "allocated"]
STEP_LABELS = {
    ApprovalStep.SECTION_HEAD: "科室负责人（签字）",
    ApprovalStep.LEADER_IN_CHARGE: "分管领导（签字）",
    ApprovalStep.PROVINCE: "省鉴定中心审核（签字）",
}


def form_rows(req: Requisition) -> list[list[Any]]:
    """合计 first, then 初级 … 高级技师 (levels 5 … 1), with the figures as numbers."""
    lines = {line.level: line for line in req.lines.all()}
    figures: list[tuple[str, list[int]]] = []
    for level in ["5", "4", "3", "2", "1"]:
        line = lines.get(level)
        figures.append((LEVEL_TITLE_ZH[level], [int(getattr(line, f)) if line else 0 for f in FIELDS]))
    total = [sum(values[i] for _, values in figures) for i in range(len(FIELDS))]
    return [["合计", *total], *[[title, *values] for title, values in figures]]


def _signatures(req: Requisition) -> dict[str, tuple[str, Any]]:
    out = {}
    for a in req.approvals.select_related("actor").order_by("id"):
        name = a.actor.first_name or a.actor.get_username()
        out[a.step] = (("" if a.approved else "不同意 ") + name, a.at.date())
    return out


def render_requisition_pdf(req: Requisition) -> bytes:
    page_w, page_h = A4
    margin = 50.0
    width = page_w - 2 * margin
    signs = _signatures(req)

    def draw(c: Canvas) -> None:
        y = page_h - 70
        draw_string(c, page_w / 2, y, TITLE, 18, align="center", bold=True, char_space=2)
        y -= 34
        draw_field_line(c, margin, y, "申领单位：", width * 0.55, str(req.city))
        draw_field_line(
            c, margin + width * 0.6, y, "申领季度：", width * 0.4, f"{req.year}年第{req.quarter}季度"
        )
        y -= 24
        status = "零申领" if req.zero_declaration else req.get_status_display()
        draw_field_line(c, margin, y, "申领类型：", width * 0.55, status)
        submitted = req.submitted_at.date() if req.submitted_at else None
        draw_field_line(c, margin + width * 0.6, y, "填报日期：", width * 0.4, cn_date(submitted))
        y -= 18
        widths = [width * 0.16] + [width * 0.14] * 6
        cells = [Cell(0, i, h, bold=True, size=9.5) for i, h in enumerate(HEADINGS)]
        for r, row in enumerate(form_rows(req), start=1):
            cells += [Cell(r, i, str(v), bold=(r == 1 and i == 0)) for i, v in enumerate(row)]
        y = draw_grid(c, margin, y, widths, [34] + [26] * 6, cells, size=10.5)
        y -= 26
        draw_string(
            c, margin, y, "说明：上季度数据由系统按台账与发证记录自动填写；逾期或未申领按零申领处理。", 9
        )
        y -= 40
        filer = req.submitted_by.get_username() if req.submitted_by else ""
        draw_field_line(c, margin, y, "填表人：", width * 0.45, filer)
        draw_field_line(c, margin + width * 0.5, y, "日期：", width * 0.5, cn_date(submitted))
        for step in (ApprovalStep.SECTION_HEAD, ApprovalStep.LEADER_IN_CHARGE):
            y -= 32
            name, day = signs.get(step, ("", None))
            draw_field_line(c, margin, y, STEP_LABELS[step], width * 0.45, name)
            draw_field_line(c, margin + width * 0.5, y, "日期：", width * 0.5, cn_date(day))
        y -= 30
        draw_string(c, margin, y, "市人力资源和社会保障局（盖章）", 10.5)
        draw_seal_area(c, margin + width * 0.75, y - 20, radius=40)
        y -= 90
        draw_string(c, margin, y, "省职业技能鉴定指导中心审核意见：", 10.5)
        y -= 32
        name, day = signs.get(ApprovalStep.PROVINCE, ("", None))
        draw_field_line(c, margin, y, STEP_LABELS[ApprovalStep.PROVINCE], width * 0.45, name)
        draw_field_line(c, margin + width * 0.5, y, "日期：", width * 0.5, cn_date(day))
        y -= 30
        draw_string(c, margin, y, "省职业技能鉴定指导中心（盖章）", 10.5)
        draw_seal_area(c, margin + width * 0.75, y - 20, radius=40)

    return canvas_bytes(A4, title=f"{TITLE} {req.city} {req.year}Q{req.quarter}", draw=draw)


def render_requisition_xlsx(req: Requisition) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{req.year}Q{req.quarter}"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADINGS))
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(
        [
            "申领单位",
            str(req.city),
            "",
            "申领季度",
            f"{req.year}年第{req.quarter}季度",
            "状态",
            "零申领" if req.zero_declaration else str(req.get_status_display()),
        ]
    )
    ws.append(HEADINGS)
    for row in form_rows(req):
        ws.append(row)
    for r in range(3, 3 + 7):
        for col in range(1, len(HEADINGS) + 1):
            ws.cell(row=r, column=col).border = box
            ws.cell(row=r, column=col).alignment = Alignment(horizontal="center", wrap_text=True)
    signs = _signatures(req)
    ws.append([])
    ws.append(["填表人", req.submitted_by.get_username() if req.submitted_by else ""])
    for step, label in STEP_LABELS.items():
        name, day = signs.get(step, ("", None))
        ws.append([label, name, "日期", day.isoformat() if day else ""])
    for i, w in enumerate([22, 14, 16, 14, 12, 18, 12]):
        ws.column_dimensions[chr(65 + i)].width = w
    return cellsafe.workbook_bytes(wb)  # no typed text becomes a formula (issue 13 item 3)
