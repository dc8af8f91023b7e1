"""The report as PDF, laid out for signature and seal (R1.1 "打印…签字并加盖公章后上报", X5).

A4 landscape. Two forms in one file, each starting on a new page:

1. 职业技能鉴定综合情况表 — by level (with destroyed blanks per level, R1.6), then by unit (cities or
   stations), then the destroyed serials;
2. 职业工种情况报表 — by occupation and level.

Long tables continue on further pages with their column heads repeated; each form ends with the
signature lines (填表人, 审核人, 单位负责人, 人社部门分管领导) and the seal circle. Rendered from the
report content (JSON) only, so a frozen submission renders the same forever; output is deterministic.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from skillcert.core.pdf import (
    Cell,
    canvas_bytes,
    cn_date,
    draw_field_line,
    draw_grid,
    draw_page_number,
    draw_seal_area,
    draw_string,
    draw_text_box,
)
from skillcert.reports.services.build import level_label, rate_text

OVERALL_TITLE = "职业技能鉴定综合情况表"
OCCUPATION_TITLE = "职业技能鉴定职业工种情况报表"
PAGE_W, PAGE_H = landscape(A4)
MARGIN = 40.0
WIDTH = PAGE_W - 2 * MARGIN
ROW_H = 19.0
HEAD_H = 24.0
FOOT = 44.0  # room kept for the page number
SIGNATURE_H = 112.0
NOT_AVAILABLE = "暂不可用"


def _n(value: Any) -> str:
    return "—" if value is None else str(value)


class _Flow:
    """Top-down layout of titled tables over as many pages as needed."""

    def __init__(self, c: Canvas, content: dict[str, Any], title: str, stamp: str, total: int) -> None:
        self.c, self.content, self.title, self.stamp = c, content, title, stamp
        self.total = total  # pages of this form, known from a first pass (0 on the first pass)
        self.page = 0
        self.y = 0.0
        self.new_page()

    def _close_page(self) -> None:
        draw_page_number(self.c, self.page, self.total or self.page, page_width=PAGE_W)
        self.c.showPage()

    def new_page(self) -> None:
        if self.page:
            self._close_page()
        self.page += 1
        org, period = self.content["organisation"], self.content["period"]
        title = self.title if self.page == 1 else f"{self.title}（续）"
        draw_string(self.c, PAGE_W / 2, PAGE_H - 50, title, 17, align="center", bold=True, char_space=1.0)
        y = PAGE_H - 74
        draw_text_box(
            self.c,
            MARGIN,
            y - 4,
            WIDTH * 0.55,
            14,
            f"填报单位：{org['name']}（{org['code']}）",
            max_size=10,
            wrap=False,
            padding=0,
        )
        draw_string(
            self.c,
            PAGE_W - MARGIN,
            y,
            f"统计期间：{period['label_zh']}（{period['start']} 至 {period['end']}）",
            10,
            align="right",
        )
        draw_string(
            self.c, MARGIN, y - 16, f"报送截止：{cn_date(datetime.date.fromisoformat(period['due']))}", 9
        )
        if self.stamp:
            draw_string(self.c, PAGE_W - MARGIN, y - 16, self.stamp, 9, align="right")
        self.y = y - 28

    def heading(self, text: str) -> None:
        if self.y - 16 - HEAD_H - ROW_H < FOOT:
            self.new_page()
        draw_string(self.c, MARGIN, self.y - 12, text, 11, bold=True)
        self.y -= 18

    def table(
        self,
        widths: Sequence[float],
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        bold_last: bool = False,
    ) -> None:
        scale = WIDTH / sum(widths)
        cols = [w * scale for w in widths]
        remaining = list(rows)
        while True:
            fit = int((self.y - FOOT - HEAD_H) // ROW_H)
            if fit < 1 or (fit < len(remaining) and fit < 3):
                self.new_page()
                continue
            chunk, remaining = remaining[:fit], remaining[fit:]
            cells = [Cell(0, i, text, bold=True, size=9) for i, text in enumerate(head)]
            for r, values in enumerate(chunk, start=1):
                last = bold_last and not remaining and r == len(chunk)
                cells += [
                    Cell(r, i, text, size=9, align="left" if i == 0 else "center", bold=last)
                    for i, text in enumerate(values)
                ]
            self.y = (
                draw_grid(self.c, MARGIN, self.y, cols, [HEAD_H] + [ROW_H] * len(chunk), cells, size=9) - 10
            )
            if not remaining:
                return
            self.new_page()

    def paragraph(self, text: str, height: float = 40.0) -> None:
        if self.y - height < FOOT:
            self.new_page()
        fitted = draw_text_box(
            self.c, MARGIN, self.y - height, WIDTH, height, text, max_size=9, valign="top", padding=0
        )
        self.y -= min(height, fitted.leading * len(fitted.lines) + 4) + 6

    def signature(self) -> None:
        if self.y - SIGNATURE_H < FOOT - 10:
            self.new_page()
        c, y = self.c, self.y - 22
        quarter = WIDTH / 4
        draw_field_line(c, MARGIN, y, "填表人：", quarter - 20)
        draw_field_line(c, MARGIN + quarter, y, "审核人：", quarter - 20)
        draw_field_line(c, MARGIN + 2 * quarter, y, "单位负责人：", quarter - 20)
        draw_field_line(c, MARGIN, y - 32, "人社部门分管领导（签字）：", 2 * quarter - 20)
        draw_field_line(c, MARGIN, y - 64, "日期：", 2 * quarter - 20, "　　　　年　　月　　日")
        draw_seal_area(c, MARGIN + 3.5 * quarter, y - 36, label="（单位盖章）", radius=42)
        self.y = y - 90

    def end(self) -> None:
        self._close_page()


def _overall(flow: _Flow, content: dict[str, Any]) -> None:
    destroyed = content["destroyed"]
    overall = content["overall"]

    def destroyed_of(level: str | None) -> str:
        if not destroyed["available"]:
            return NOT_AVAILABLE
        if level is None:
            return str(destroyed["total"])
        return str(destroyed["by_level"].get(level, 0))

    def metric_cells(m: dict[str, Any]) -> list[str]:
        return [
            _n(m["enrolled"]),
            _n(m["sat"]),
            _n(m["qualified"]),
            rate_text(m["pass_rate"]),
            _n(m["issued"]),
            _n(m["reissued"]),
            _n(m["revoked"]),
        ]

    head = ["报名人数", "实考人数", "合格人数", "合格率", "发证数", "补发数", "撤销数"]
    flow.heading("一、按等级")
    rows = [
        [level_label(content, r["level"]), *metric_cells(r), destroyed_of(str(r["level"]))]
        for r in overall["by_level"]
    ]
    rows.append(["合计", *metric_cells(overall["total"]), destroyed_of(None)])
    flow.table([2.2] + [1] * 7 + [1.4], ["等级", *head, "销毁证书数"], rows, bold_last=True)

    flow.heading("二、按单位")
    unit_rows = [
        [f"{u['name']}{'（本级）' if u['own'] else ''}", *metric_cells(u["total"])]
        for u in overall["by_unit"]
    ]
    unit_rows.append(["合计", *metric_cells(overall["total"])])
    flow.table([3.6] + [1] * 7, ["单位", *head], unit_rows, bold_last=True)

    flow.heading("三、销毁证书流水码")
    if not destroyed["available"]:
        flow.paragraph(f"{NOT_AVAILABLE}：{destroyed['reason_zh']}", 16)
    elif not destroyed["rows"]:
        flow.paragraph("本期无销毁证书。", 16)
    else:
        serials = [
            [
                r["serial"],
                level_label(content, int(r["level"])),
                str(r.get("destroyed_on", "")),
                str(r.get("holder", "")),
                str(r.get("reason", "")),
            ]
            for r in destroyed["rows"]
        ]
        flow.table([2, 1.4, 1.4, 3, 3], ["流水码", "等级", "销毁日期", "销毁单位", "原因"], serials)
    flow.signature()


def _occupation(flow: _Flow, content: dict[str, Any]) -> None:
    rows = [
        [
            f"{r['code']} {r['name']}",
            level_label(content, r["level"]),
            _n(r["enrolled"]),
            _n(r["sat"]),
            _n(r["qualified"]),
            rate_text(r["pass_rate"]),
            _n(r["issued"]),
            _n(r["reissued"]),
            _n(r["revoked"]),
        ]
        for r in content["occupation"]["rows"]
    ]
    t = content["occupation"]["total"]
    rows.append(
        [
            "合计",
            "",
            _n(t["enrolled"]),
            _n(t["sat"]),
            _n(t["qualified"]),
            rate_text(t["pass_rate"]),
            _n(t["issued"]),
            _n(t["reissued"]),
            _n(t["revoked"]),
        ]
    )
    flow.table(
        [4.2, 1.6] + [1] * 7,
        ["职业（工种）", "等级", "报名人数", "实考人数", "合格人数", "合格率", "发证数", "补发数", "撤销数"],
        rows,
        bold_last=True,
    )
    flow.signature()


def _draw_all(c: Canvas, content: dict[str, Any], stamp: str, totals: Sequence[int]) -> list[int]:
    counts: list[int] = []
    for i, (title, body) in enumerate(((OVERALL_TITLE, _overall), (OCCUPATION_TITLE, _occupation))):
        flow = _Flow(c, content, title, stamp, totals[i] if totals else 0)
        body(flow, content)
        flow.end()
        counts.append(flow.page)
    return counts


def render_report_pdf(content: dict[str, Any], *, stamp: str = "") -> bytes:
    """Both forms of a report as one PDF. `stamp` is printed top right (e.g. "第 2 版 2026-03-04 报送")."""
    counted: list[int] = []
    # First pass: how many pages each form takes ("第 n 页 共 m 页").
    canvas_bytes(
        landscape(A4), title=OVERALL_TITLE, draw=lambda c: counted.extend(_draw_all(c, content, stamp, ()))
    )

    def final(c: Canvas) -> None:
        _draw_all(c, content, stamp, counted)

    org, period = content["organisation"], content["period"]
    return canvas_bytes(
        landscape(A4),
        title=f"{OVERALL_TITLE} {org['name']} {period['code']}",
        draw=final,
        subject=f"{org['code']} {period['code']}",
    )
