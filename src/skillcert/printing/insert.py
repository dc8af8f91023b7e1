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
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

import numpy as np
import zxingcpp
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from skillcert.core.pdf import CJK_ASCENT, CJK_DESCENT, FONT_NAME, draw_string, new_canvas, string_width
from skillcert.esign import qr
from skillcert.esign.seal import seal_png

PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
PAGE_W, PAGE_H = A4
INSERT_W_MM, INSERT_H_MM = 180.0, 128.0
#: The two insert rectangles per sheet: (left, top, width, height) in mm from the sheet's top-left.
INSERT_BOXES_MM: tuple[tuple[float, float, float, float], ...] = (
    (15.0, 12.0, INSERT_W_MM, INSERT_H_MM),
    (15.0, 157.0, INSERT_W_MM, INSERT_H_MM),
)
INSERTS_PER_SHEET = len(INSERT_BOXES_MM)
PHOTO_MM = (26.0, 32.0)  # width, height (R0.3: 26 mm × 32 mm)
QR_MM = 24.0
SEAL_MM = 32.0
SEAL_LEGEND = "证书专用章"

TITLES: dict[str, tuple[str, str]] = {
    "qualification": ("职业资格证书", "Vocational Qualification Certificate"),
    "skill_level": ("职业技能等级证书", "Vocational Skill Level Certificate"),
}
GENDER_EN = {"男": "Male", "女": "Female"}
RESULT_EN = {"合格": "Pass", "良好": "Good", "优秀": "Excellent", "不合格": "Fail"}
NO_VALUE = "—"

_GREY = Color(0.42, 0.42, 0.42)
_LINE = Color(0.55, 0.55, 0.55)
_CUT = Color(0.6, 0.6, 0.6)
_BLACK = Color(0, 0, 0)
_RED = Color(0.78, 0.06, 0.18)


@dataclass(frozen=True)
class InsertData:
    """Everything one insert shows (R0.1). Built by ``printing.data.insert_data`` from the certificate's
    current view; `id_number` is the full number (the printed insert is the document itself) — never
    log an InsertData."""

    number: str
    name: str
    gender: str  # 男 / 女
    birth_date: str  # YYYY-MM-DD
    education: str
    id_number: str = field(repr=False)
    occupation: str
    occupation_code: str
    work_type: str
    level: str  # "1".."5"
    level_name: str  # 四级/中级
    level_name_en: str  # Level 4 / Intermediate
    theory: str
    practical: str
    evaluation: str  # 合格
    issued_on: str  # YYYY-MM-DD
    issuing_authority: str
    qr_text: str
    blank_serial: str
    photo_jpeg: bytes | None = field(default=None, repr=False)
    education_en: str = ""
    remarks: str = ""  # 补发 for a reissue (R1.7, R2.9)
    kind: str = "qualification"


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


def cn_date(iso: str) -> str:
    try:
        d = datetime.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or NO_VALUE
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------------------------------
# Layout inside an insert: mm from the insert's top-left corner.

_TITLE_Y = 9.0  # baseline of the Chinese title
_PHOTO = (10.0, 19.0)  # photo top-left
_UPPER = (42.0, 19.0, (24.0, 41.0, 24.0, 41.0), 8.0)  # x, top, column widths, row height
_LOWER = (10.0, 54.0, (30.0, 51.0, 30.0, 51.0), 8.0)
_QR = (10.0, 89.5)  # QR top-left
_AUTH_X = 96.0  # left edge of the authority block
_SEAL_CENTRE = (150.0, 104.0)

# (row, col, colspan, zh, en) of the labels; the value cell is the next column, spanning the rest.
_UPPER_LABELS = (
    (0, 0, "姓名", "Name"),
    (0, 2, "性别", "Sex"),
    (1, 0, "出生日期", "Date of birth"),
    (1, 2, "文化程度", "Education"),
    (2, 0, "身份证件号码", "ID No."),
    (3, 0, "证书编号", "Certificate No."),
)
_LOWER_LABELS = (
    (0, 0, "职业（工种）", "Occupation (type of work)"),
    (1, 0, "等级", "Level"),
    (2, 0, "理论知识考核成绩", "Theory score"),
    (2, 2, "操作技能考核成绩", "Practical skills score"),
    (3, 0, "评定成绩", "Evaluation result"),
    (3, 2, "备注", "Remarks"),
)
# Value cells: (grid, row, col, colspan)
_SPANS = {(2, 1): 3, (3, 1): 3}  # upper grid: ID and number span three columns
_LOWER_SPANS = {(0, 1): 3, (1, 1): 3}  # lower grid: occupation and level


def _cell(
    grid: tuple[float, float, tuple[float, ...], float], row: int, col: int, span: int = 1
) -> tuple[float, float, float, float]:
    """(left, top, width, height) in insert mm of a grid cell."""
    x, top, widths, height = grid
    return x + sum(widths[:col]), top + row * height, sum(widths[col : col + span]), height


class _Page:
    """Maps insert-local mm (from the insert's top-left) to reportlab points for one slot."""

    def __init__(self, slot: int) -> None:
        left, top, _w, _h = INSERT_BOXES_MM[slot]
        self.left, self.top = left, top

    def x(self, mm_x: float) -> float:
        return (self.left + mm_x) * mm

    def y(self, mm_y: float) -> float:
        return PAGE_H - (self.top + mm_y) * mm


def _local(mm_x: float, mm_y: float) -> tuple[float, float]:
    """Insert-local mm → points inside a form drawn with its origin at the insert's bottom-left."""
    return mm_x * mm, (INSERT_H_MM - mm_y) * mm


def _label(c: Canvas, box: tuple[float, float, float, float], zh: str, en: str) -> None:
    """A bilingual label cell: the Chinese on top, the English in small grey type under it."""
    left, top, width, height = box
    size = 7.5
    while size > 5 and string_width(zh, size) > (width - 2) * mm:
        size -= 0.25
    en_size = 5.0
    while en_size > 3.5 and string_width(en, en_size) > (width - 2) * mm:
        en_size -= 0.25
    x, centre = _local(left + 1.2, top + height / 2)
    gap = 1.3
    block_top = centre + (size + gap + en_size) / 2
    zh_base = block_top - CJK_ASCENT * size
    draw_string(c, x, zh_base, zh, size)
    c.setFillColor(_GREY)
    draw_string(c, x, zh_base - CJK_DESCENT * size - gap - CJK_ASCENT * en_size, en, en_size)
    c.setFillColor(_BLACK)


def _static_insert(c: Canvas, kind: str) -> None:
    """Everything that is the same on every insert of this kind, drawn in insert-local points."""
    w, h = INSERT_W_MM * mm, INSERT_H_MM * mm
    c.saveState()
    # the cut line
    c.setStrokeColor(_CUT)
    c.setLineWidth(0.3)
    c.setDash(3, 2)
    c.rect(0, 0, w, h, stroke=1, fill=0)
    c.setDash()
    # title
    title_zh, title_en = TITLES.get(kind, TITLES["qualification"])
    draw_string(c, w / 2, h - _TITLE_Y * mm, title_zh, 14, align="center", char_space=3, bold=True)
    c.setFillColor(_GREY)
    draw_string(c, w / 2, h - (_TITLE_Y + 4.2) * mm, title_en, 6.5, align="center")
    c.setFillColor(_BLACK)
    # photo frame
    px, py = _PHOTO
    c.setStrokeColor(_LINE)
    c.setLineWidth(0.4)
    x0, y0 = _local(px, py + PHOTO_MM[1])
    c.rect(x0, y0, PHOTO_MM[0] * mm, PHOTO_MM[1] * mm, stroke=1, fill=0)
    # grids
    for grid, labels, spans in ((_UPPER, _UPPER_LABELS, _SPANS), (_LOWER, _LOWER_LABELS, _LOWER_SPANS)):
        gx, gtop, widths, rh = grid
        rows = 4
        gx0, gy0 = _local(gx, gtop + rows * rh)
        c.setLineWidth(0.6)
        c.rect(gx0, gy0, sum(widths) * mm, rows * rh * mm, stroke=1, fill=0)
        c.setLineWidth(0.3)
        for r in range(rows):
            _lx, row_top = _local(gx, gtop + r * rh)
            if r:
                c.line(gx0, row_top, gx0 + sum(widths) * mm, row_top)
            cuts = (1,) if spans.get((r, 1)) == 3 else (1, 2, 3)
            for col in cuts:
                vx, _vy = _local(gx + sum(widths[:col]), 0)
                c.line(vx, row_top, vx, row_top - rh * mm)
        for r, col, zh, en in labels:
            _label(c, _cell(grid, r, col), zh, en)
    # foot
    qx, qy = _QR
    c.setFillColor(_GREY)
    qcx, qcy = _local(qx + QR_MM / 2, qy + QR_MM + 2.6)
    draw_string(c, qcx, qcy, "扫码验证 Scan to verify", 5.5, align="center")
    c.setFillColor(_BLACK)
    for y_mm, zh, en in ((92.0, "发证机关", "Issuing authority"), (108.0, "发证日期", "Date of issue")):
        lx, ly = _local(_AUTH_X, y_mm)
        lw = draw_string(c, lx, ly, zh, 8)
        c.setFillColor(_GREY)
        draw_string(c, lx + lw + 1.5 * mm, ly, en, 5.5)
        c.setFillColor(_BLACK)
    c.restoreState()


class _Texts:
    """The variable texts of one insert, written as one PDF text object (one BT … ET) instead of one
    object per string: the same glyphs, a fraction of the drawing calls."""

    def __init__(self) -> None:
        self.items: list[tuple[float, float, str, float, Color]] = []

    def add(self, x: float, y: float, text: str, size: float, colour: Color = _BLACK) -> float:
        self.items.append((x, y, text, size, colour))
        return string_width(text, size)

    def draw(self, c: Canvas) -> None:
        t = c.beginText()
        size: float | None = None
        colour: Color | None = None
        for x, y, text, item_size, item_colour in self.items:
            if item_size != size:
                t.setFont(FONT_NAME, item_size)
                size = item_size
            if item_colour is not colour:
                t.setFillColor(item_colour)
                colour = item_colour
            t.setTextOrigin(x, y)
            t.textOut(text)
        c.drawText(t)


def _fit_value(
    texts: _Texts,
    box: tuple[float, float, float, float],
    zh: str,
    en: str = "",
    *,
    size: float = 9.5,
    colour: Color = _BLACK,
) -> None:
    """A value in a cell: the Chinese, then the English smaller and grey on the same baseline, shrunk
    to fit the cell's width; left-aligned, vertically centred."""
    left, top, width, height = box
    room = (width - 2.4) * mm
    zh = zh or NO_VALUE
    gap = 1.2 * mm if en else 0.0

    def total(s: float) -> float:
        return string_width(zh, s) + (gap + string_width(en, s * 0.68) if en else 0.0)

    while size > 4.5 and total(size) > room:
        size -= 0.25
    if total(size) > room and en:  # drop the English before clipping the value itself
        en, gap = "", 0.0
    x, centre = _local(left + 1.2, top + height / 2)
    y = centre - (CJK_ASCENT - CJK_DESCENT) / 2 * size
    w = texts.add(x, y, zh, size, colour)
    if en:
        texts.add(x + w + gap, y, en, size * 0.68, _GREY if colour is _BLACK else colour)


def qr_modules(text: str) -> np.ndarray:
    """The QR symbol of `text` as a square boolean array of dark modules (no quiet zone): error
    correction level M, the smallest version that fits (≤ 10, docs/formats/qr-payload.md §6), the mask
    chosen by the ISO/IEC 18004 penalty rules. Encoded with zxing-cpp (C++): ~4 ms a code where segno,
    in pure Python, takes ~65 ms — most of a 2,000-insert job (docs/printing.md)."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=qr.QR_ERROR)
    pixels = np.asarray(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=False))
    size = pixels.shape[0]
    if pixels.shape != (size, size) or (size - 17) % 4 or not 1 <= (size - 17) // 4 <= qr.MAX_QR_VERSION:
        raise ValueError(f"QR symbol of {size} modules exceeds version {qr.MAX_QR_VERSION}")
    return pixels < 128


def _draw_qr(c: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR as vector modules (crisp at any printer resolution), 4-module quiet zone included.

    Each run of dark modules in a row is one rectangle, written in module units under a scaling
    transform, so the operators are short integers (reportlab's path objects format every float)."""
    dark = qr_modules(text)
    n = dark.shape[0]
    module = size / (n + 8)
    padded = np.zeros((n, n + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _rows, ends = np.nonzero(edges == -1)
    ops = [
        f"{a} {n - 1 - r} {b - a} 1 re"
        for r, a, b in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True)
    ]
    c.saveState()
    c.translate(x + 4 * module, y + 4 * module)
    c.scale(module, module)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()


class _JpegReader(ImageReader):
    """A JPEG photo passed through into the PDF as it is (DCTDecode, no re-encoding). reportlab names an
    image XObject by a digest of ``getRGBData()``, which would decode every photo just to hash it; the
    JPEG bytes identify the picture as well, so they stand in for the decoded pixels there. (The pixels
    are not otherwise needed: a JPEG source is embedded from its bytes.)"""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._jpeg = data
        self._dataA = None  # no alpha channel (reportlab sets this while decoding, which is skipped)
        if self.jpeg_fh() is None:
            raise ValueError("not a JPEG image")

    def getRGBData(self) -> bytes:
        return self._jpeg


class _Images:
    """Pictures of one document: each photo embedded once, the seal once as a form XObject."""

    def __init__(self, c: Canvas) -> None:
        self.c = c
        self.seals: dict[str, str] = {}

    def photo(self, jpeg: bytes, x: float, y: float) -> None:
        """The photo scaled into the photo frame (bottom-left at x, y), keeping its proportions."""
        try:
            image: ImageReader = _JpegReader(jpeg)
        except ValueError:  # not a JPEG (an old PNG upload): reportlab re-encodes it losslessly
            image = ImageReader(io.BytesIO(jpeg))
        iw, ih = image.getSize()
        w, h = PHOTO_MM[0] * mm - 1, PHOTO_MM[1] * mm - 1
        scale = min(w / iw, h / ih)
        dw, dh = iw * scale, ih * scale
        self.c.drawImage(image, x + 0.5 + (w - dw) / 2, y + 0.5 + (h - dh) / 2, dw, dh)

    def seal(self, authority: str, x: float, y: float) -> None:
        name = self.seals.get(authority)
        if name is None:
            name = f"Seal{len(self.seals)}"
            self.c.beginForm(name)
            png = ImageReader(io.BytesIO(seal_png(authority, 360, SEAL_LEGEND)))
            self.c.drawImage(png, 0, 0, SEAL_MM * mm, SEAL_MM * mm, mask="auto")
            self.c.endForm()
            self.seals[authority] = name
        self.c.saveState()
        self.c.translate(x, y)
        self.c.doForm(name)
        self.c.restoreState()


def _variable_insert(c: Canvas, d: InsertData, images: _Images) -> None:
    """What differs per insert, drawn in insert-local points (origin at the insert's bottom-left)."""
    texts = _Texts()
    # photo
    px, py = _PHOTO
    x0, y0 = _local(px, py + PHOTO_MM[1])
    drawn = False
    if d.photo_jpeg:
        try:
            images.photo(d.photo_jpeg, x0, y0)
            drawn = True
        except (OSError, ValueError):  # an unreadable stored photo must not stop a 2,000-insert job
            drawn = False
    if not drawn:
        label = "照片 Photo"
        texts.add(x0 + (PHOTO_MM[0] * mm - string_width(label, 7)) / 2, y0 + PHOTO_MM[1] * mm / 2, label, 7)
    # holder grid
    u = _UPPER
    _fit_value(texts, _cell(u, 0, 1), d.name, size=11)
    _fit_value(texts, _cell(u, 0, 3), d.gender, GENDER_EN.get(d.gender, ""))
    _fit_value(texts, _cell(u, 1, 1), cn_date(d.birth_date), d.birth_date)
    _fit_value(texts, _cell(u, 1, 3), d.education, d.education_en)
    _fit_value(texts, _cell(u, 2, 1, 3), d.id_number, size=10.5)
    _fit_value(texts, _cell(u, 3, 1, 3), d.number, size=10.5)
    # qualification grid
    lo = _LOWER
    occupation = d.occupation + (f"（{d.occupation_code}）" if d.occupation_code else "")
    if d.work_type and d.work_type != d.occupation:
        occupation += f" · {d.work_type}"
    _fit_value(texts, _cell(lo, 0, 1, 3), occupation)
    _fit_value(texts, _cell(lo, 1, 1, 3), d.level_name, d.level_name_en)
    _fit_value(texts, _cell(lo, 2, 1), d.theory)
    _fit_value(texts, _cell(lo, 2, 3), d.practical)
    _fit_value(texts, _cell(lo, 3, 1), d.evaluation, RESULT_EN.get(d.evaluation, ""))
    if d.remarks:
        remark_en = "Reissued" if "补发" in d.remarks else ""
        _fit_value(texts, _cell(lo, 3, 3), d.remarks, remark_en, size=10.5, colour=_RED)
    else:
        _fit_value(texts, _cell(lo, 3, 3), "")
    # the serial next to the QR
    qx, qy = _QR
    sx, sy = _local(qx + QR_MM + 2.0, qy + QR_MM - 0.6)
    texts.add(sx, sy + 7.5, "流水码", 5.5, _GREY)
    texts.add(sx, sy, f"Serial {d.blank_serial}", 5.5, _GREY)
    # authority and date
    ax, ay = _local(_AUTH_X, 99.0)
    size = 10.0
    room = (INSERT_W_MM - 6 - _AUTH_X) * mm
    while size > 5 and string_width(d.issuing_authority, size) > room:
        size -= 0.25
    texts.add(ax, ay, d.issuing_authority or NO_VALUE, size)
    dx, dy = _local(_AUTH_X, 115.0)
    w = texts.add(dx, dy, cn_date(d.issued_on), 10)
    texts.add(dx + w + 1.5 * mm, dy, d.issued_on, 6.5, _GREY)
    texts.draw(c)
    # the QR, then the seal overprinted on the authority and date
    qx0, qy0 = _local(qx, qy + QR_MM)
    _draw_qr(c, d.qr_text, qx0, qy0, QR_MM * mm)
    if d.issuing_authority:
        scx, scy = _local(*_SEAL_CENTRE)
        images.seal(d.issuing_authority, scx - SEAL_MM * mm / 2, scy - SEAL_MM * mm / 2)


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


__all__ = [
    "CROSSHAIRS_MM",
    "INSERT_BOXES_MM",
    "Calibration",
    "InsertData",
    "calibration_page",
    "render_sheets",
]
