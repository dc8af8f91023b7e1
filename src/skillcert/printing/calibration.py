"""Printer calibration (R0.2): `Calibration`, applied to every printed page, and the calibration test page.

`Calibration` scales the whole page about the sheet's top-left corner and moves it (see `insert`);
`calibration_page` prints rulers, crosshairs at `CROSSHAIRS_MM` and both insert outlines, so a printer's
offsets can be measured with a ruler. `insert` re-exports these names.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from skillcert.core.pdf import draw_string, new_canvas
from skillcert.printing.insert_sheet import _BLACK, _LINE, INSERT_BOXES_MM, PAGE_H


@dataclass(frozen=True)
class Calibration:
    """Per-printer correction applied to the whole page (R0.2)."""

    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    scale: float = 1.0

    @classmethod
    def of(cls, printer: object | None) -> Calibration:
        if printer is None:
            return cls()
        return cls(
            float(Decimal(str(getattr(printer, "offset_x_mm", 0)))),
            float(Decimal(str(getattr(printer, "offset_y_mm", 0)))),
            float(Decimal(str(getattr(printer, "scale", 1)))),
        )

    def apply(self, c: Canvas) -> None:
        """Transform the canvas so that drawing in nominal page coordinates lands where this printer
        needs it: (x, y) mm from the top-left → (offset_x + s·x, offset_y + s·y) mm."""
        s = self.scale
        c.translate(self.offset_x_mm * mm, PAGE_H * (1 - s) - self.offset_y_mm * mm)
        c.scale(s, s)


def calibration_page(calibration: Calibration | None = None, *, printer_name: str = "") -> bytes:
    """A test sheet for measuring a printer's offsets (R0.2): rulers along the top and left edges
    (mm ticks, labels every 10 mm), crosshairs at known positions labelled with their nominal
    coordinates, and both insert outlines. Printed with `calibration` applied, so after entering the
    offsets the crosshairs should land on their nominal positions."""
    calibration = calibration or Calibration()
    buf = io.BytesIO()
    c = new_canvas(buf, A4, title="打印机校准页 Printer calibration page")
    c.saveState()
    calibration.apply(c)

    def pt(x_mm: float, y_mm: float) -> tuple[float, float]:
        return x_mm * mm, PAGE_H - y_mm * mm

    c.setLineWidth(0.25)
    # rulers inside the printable area: along y = 8 mm and x = 8 mm, labelled in sheet coordinates
    for x in range(10, 201):
        tick = 4.0 if x % 10 == 0 else (2.8 if x % 5 == 0 else 1.6)
        x0, y0 = pt(x, RULER_MM)
        c.line(x0, y0, x0, y0 - tick * mm)
        if x % 10 == 0:
            draw_string(c, x0, y0 - 6.5 * mm, str(x), 5, align="center")
    x0, y0 = pt(10, RULER_MM)
    c.line(x0, y0, pt(200, RULER_MM)[0], y0)
    for y in range(20, 288):
        tick = 4.0 if y % 10 == 0 else (2.8 if y % 5 == 0 else 1.6)
        x0, y0 = pt(RULER_MM, y)
        c.line(x0, y0, x0 + tick * mm, y0)
        if y % 10 == 0:
            draw_string(c, x0 + 5 * mm, y0 - 1.6, str(y), 5)
    x0, y0 = pt(RULER_MM, 20)
    c.line(x0, y0, x0, pt(RULER_MM, 287)[1])
    # insert outlines
    c.setStrokeColor(_LINE)
    c.setLineWidth(0.5)
    c.setDash(3, 2)
    for i, (left, top, w, h) in enumerate(INSERT_BOXES_MM, start=1):
        x0, y0 = pt(left, top + h)
        c.rect(x0, y0, w * mm, h * mm, stroke=1, fill=0)
        lx, ly = pt(left + 2, top + h - 2.5)
        draw_string(
            c, lx, ly, f"内页 {i} Insert {i}: x {left:g}–{left + w:g} mm, y {top:g}–{top + h:g} mm", 6
        )
    c.setDash()
    c.setStrokeColor(_BLACK)
    # crosshairs
    c.setLineWidth(0.3)
    for hx, hy in CROSSHAIRS_MM:
        cx, cy = pt(hx, hy)
        c.line(cx - 6 * mm, cy, cx + 6 * mm, cy)
        c.line(cx, cy - 6 * mm, cx, cy + 6 * mm)
        c.circle(cx, cy, 2 * mm, stroke=1, fill=0)
        draw_string(c, cx + 2.5 * mm, cy + 2.5 * mm, f"({hx:g}, {hy:g})", 6)
    # legend
    lx, ly = pt(30, 60)
    lines = [
        "打印机校准页 Printer calibration page" + (f" — {printer_name}" if printer_name else ""),
        f"当前校准 Current calibration: X {calibration.offset_x_mm:+.2f} mm, "
        f"Y {calibration.offset_y_mm:+.2f} mm, scale {calibration.scale:.4f}",
        "在要使用的防伪纸上打印本页，用尺量出十字中心到纸张左边缘、上边缘的实际距离，",
        "填入打印机校准（至少量左上、右下两个十字）。校准正确时，十字中心落在括号中的位置。",
        "Print this page on the security paper, measure each crosshair's centre from the sheet's left and",
        "top edges, and enter them in the printer's calibration (at least the top-left and bottom-right",
        "ones). When calibrated, each centre lands on the position in brackets.",
    ]
    for i, text in enumerate(lines):
        draw_string(c, lx, ly - i * 4.5 * mm, text, 9 if i == 0 else 7)
    c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()


RULER_MM = 8.0
#: Crosshair centres of the calibration page, mm from the sheet's top-left.
CROSSHAIRS_MM: tuple[tuple[float, float], ...] = (
    (30.0, 30.0),
    (180.0, 30.0),
    (105.0, 148.5),
    (30.0, 267.0),
    (180.0, 267.0),
)
