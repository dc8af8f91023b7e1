"""The report as XLSX (X5): one workbook, a sheet per form plus the destroyed serials (R1.6).

Counts are numbers, pass rates numbers formatted as percentages, so the workbook can be summed and
checked. Rendered from the report content (JSON) only, like the PDF.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from skillcert.core import cellsafe
from skillcert.reports.documents_pdf import OCCUPATION_TITLE, OVERALL_TITLE
from skillcert.reports.services.build import level_label

HEAD = ["报名人数", "实考人数", "合格人数", "合格率", "发证数", "补发数", "撤销数"]
KEYS = ["enrolled", "sat", "qualified", "pass_rate", "issued", "reissued", "revoked"]
BOLD = Font(bold=True)


def _metrics(m: dict[str, Any]) -> list[Any]:
    return [m[k] for k in KEYS]


def _header(ws: Worksheet, title: str, content: dict[str, Any], stamp: str) -> None:
    org, period = content["organisation"], content["period"]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["填报单位", f"{org['name']}（{org['code']}）"])
    ws.append(["统计期间", f"{period['label_zh']}（{period['start']} 至 {period['end']}）"])
    ws.append(["报送截止", period["due"]])
    if stamp:
        ws.append(["版本", stamp])
    ws.append([])


def _table(ws: Worksheet, head: list[str], rows: list[list[Any]], rate_col: int) -> None:
    ws.append(head)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in rows:
        ws.append(row)
        cell = ws.cell(row=ws.max_row, column=rate_col)
        cell.number_format = "0.0%"
    ws.append([])


def render_report_xlsx(content: dict[str, Any], *, stamp: str = "") -> bytes:
    workbook = Workbook()
    overall = content["overall"]
    destroyed = content["destroyed"]

    ws = workbook.active
    assert ws is not None
    ws.title = "综合情况表"
    _header(ws, OVERALL_TITLE, content, stamp)
    ws.append(["一、按等级"])
    level_rows: list[list[Any]] = []
    for r in overall["by_level"]:
        lost = destroyed["by_level"].get(str(r["level"]), 0) if destroyed["available"] else "暂不可用"
        level_rows.append([level_label(content, r["level"]), *_metrics(r), lost])
    level_rows.append(
        ["合计", *_metrics(overall["total"]), destroyed["total"] if destroyed["available"] else "暂不可用"]
    )
    _table(ws, ["等级", *HEAD, "销毁证书数"], level_rows, 5)
    ws.append(["二、按单位"])
    unit_rows = [
        [f"{u['name']}{'（本级）' if u['own'] else ''}", *_metrics(u["total"])] for u in overall["by_unit"]
    ]
    unit_rows.append(["合计", *_metrics(overall["total"])])
    _table(ws, ["单位", *HEAD], unit_rows, 5)
    ws.column_dimensions["A"].width = 36
    ws.append(["填表人：", "", "审核人：", "", "单位负责人：", "", "分管领导（签字）：", "", "（单位盖章）"])

    ws = workbook.create_sheet("职业工种情况报表")
    _header(ws, OCCUPATION_TITLE, content, stamp)
    rows = [
        [r["code"], r["name"], level_label(content, r["level"]), *_metrics(r)]
        for r in content["occupation"]["rows"]
    ]
    rows.append(["合计", "", "", *_metrics(content["occupation"]["total"])])
    _table(ws, ["职业编码", "职业（工种）", "等级", *HEAD], rows, 7)
    ws.column_dimensions["B"].width = 28
    ws.append(["填表人：", "", "审核人：", "", "单位负责人：", "", "分管领导（签字）：", "", "（单位盖章）"])

    ws = workbook.create_sheet("销毁证书流水码")
    _header(ws, "销毁证书流水码", content, stamp)
    if not destroyed["available"]:
        ws.append(["暂不可用", destroyed["reason_zh"], destroyed["reason_en"]])
    else:
        ws.append(["流水码", "等级", "销毁日期", "销毁单位", "原因"])
        for r in destroyed["rows"]:
            ws.append(
                [
                    r["serial"],
                    level_label(content, int(r["level"])),
                    r.get("destroyed_on", ""),
                    r.get("holder", ""),
                    r.get("reason", ""),
                ]
            )

    return cellsafe.workbook_bytes(workbook)  # names and reasons are typed text (issue 13 item 3)
