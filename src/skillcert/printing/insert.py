"""The certificate insert (粘贴内页) as PDF: two inserts on an A4 sheet (R0.1, R0.2, R0.5, X5).

A pure function of frozen data: :func:`render_sheets` takes :class:`InsertData` records (everything
the insert shows, already looked up — no database here) and a :class:`Calibration`, and returns PDF
bytes. The same input gives the same bytes (``invariant=1``, fixed drawing order, no clock).

Page geometry, in millimetres from the **top-left** corner of the A4 sheet (x to the right, y down),
the way a person measures a printed sheet with a ruler:

* insert 1 (upper): x 15–195, y 12–140 (180 × 128 mm);
* insert 2 (lower): x 15–195, y 157–285.

Inside an insert (mm from the insert's top-left): title at the top; the colour photo (26 × 32 mm,
R0.3's e-photo size) at the left; to its right the holder grid (name, gender, birth date, education,
ID number, certificate number); below, the qualification grid (occupation/工种, level, theory score,
practical score, evaluation result, remarks — 补发 for a reissue, R1.7); at the foot the signed QR
(24 mm, carrying the blank serial, docs/formats/qr-payload.md §2a) with the serial printed under it,
and the issuing authority and issue date with the authority's seal overprinted (R0.2: no hand-stamped
red seal). Every label is Chinese with the English alongside; fixed vocabularies (gender, level,
result) carry the English in the value too.

The insert frame is printed as a thin grey cut line. All static furniture (frame, grid, labels) is
drawn once per document as a form XObject and placed by reference, and so is each distinct seal and
photo image: a 2,000-insert job stays small and fast.

Calibration (per printer): the whole page is scaled by ``scale`` about the sheet's top-left corner and
moved ``offset_x_mm`` right and ``offset_y_mm`` down, i.e. a point drawn at (x, y) mm lands at
(offset_x + scale·x, offset_y + scale·y) mm. :func:`calibration_page` prints rulers, crosshairs at
known positions and the two insert outlines so the offsets can be measured.

Modules: this one renders the sheets; the geometry, vocabularies and `InsertData` are in
``insert_sheet``, the drawing of one insert in ``insert_drawing``, the QR, photo and seal in
``insert_images``, and `Calibration` with the calibration page in ``calibration``. Every name callers
use is importable from here as before.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from itertools import islice

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from skillcert.core.pdf import FONT_NAME, new_canvas
from skillcert.printing.calibration import (  # noqa: F401  (re-exported)
    CROSSHAIRS_MM,
    RULER_MM,
    Calibration,
    calibration_page,
)
from skillcert.printing.insert_drawing import _static_insert, _variable_insert
from skillcert.printing.insert_images import _Images, qr_modules  # noqa: F401  (qr_modules re-exported)
from skillcert.printing.insert_sheet import (  # noqa: F401  (re-exported)
    GENDER_EN,
    INSERT_BOXES_MM,
    INSERT_H_MM,
    INSERT_W_MM,
    INSERTS_PER_SHEET,
    NO_VALUE,
    PAGE_H,
    PAGE_H_MM,
    PAGE_W,
    PAGE_W_MM,
    PHOTO_MM,
    QR_MM,
    RESULT_EN,
    SEAL_LEGEND,
    SEAL_MM,
    TITLES,
    InsertData,
    cn_date,
)


class _Page:
    """Maps insert-local mm (from the insert's top-left) to reportlab points for one slot."""

    def __init__(self, slot: int) -> None:
        left, top, _w, _h = INSERT_BOXES_MM[slot]
        self.left, self.top = left, top

    def x(self, mm_x: float) -> float:
        return (self.left + mm_x) * mm

    def y(self, mm_y: float) -> float:
        return PAGE_H - (self.top + mm_y) * mm


def render_sheets(
    inserts: Iterable[InsertData],
    calibration: Calibration | None = None,
    *,
    title: str = "证书粘贴内页",
    on_insert: Callable[[int], None] | None = None,
) -> bytes:
    """The PDF of `inserts` two to an A4 sheet, in order (upper slot first); an odd last one is alone
    on its sheet, in the upper slot. `inserts` may be a lazy iterable (records are built as the pages
    are drawn); `on_insert(i)` is called after each insert is drawn (job progress)."""
    calibration = calibration or Calibration()
    buf = io.BytesIO()
    c = new_canvas(buf, A4, title=title, subject="Certificate inserts (粘贴内页), two per A4 sheet")
    images = _Images(c)
    statics: set[str] = set()
    stream = iter(inserts)
    index = 0
    while sheet := list(islice(stream, INSERTS_PER_SHEET)):
        c.saveState()
        calibration.apply(c)
        for slot, data in enumerate(sheet):
            form = f"Static{data.kind}"
            if form not in statics:
                c.beginForm(form)
                _static_insert(c, data.kind)
                c.endForm()
                statics.add(form)
            page = _Page(slot)
            c.saveState()
            c.translate(page.x(0), page.y(INSERT_H_MM))
            c.doForm(form)
            c.setFont(FONT_NAME, 10)
            _variable_insert(c, data, images)
            c.restoreState()
            if on_insert is not None:
                on_insert(index)
            index += 1
        c.restoreState()
        c.showPage()
    if not index:
        raise ValueError("nothing to print")
    c.save()
    return buf.getvalue()


__all__ = [
    "CROSSHAIRS_MM",
    "INSERT_BOXES_MM",
    "Calibration",
    "InsertData",
    "calibration_page",
    "render_sheets",
]
