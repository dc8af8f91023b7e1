"""Drawing one certificate insert: its layout, the static furniture and the per-certificate values.

The layout inside an insert (mm from the insert's top-left: title, photo frame, holder and qualification
grids, QR, authority block, seal), `_static_insert` (the frame, grids and labels, drawn once per document as
a form XObject) and `_variable_insert` (the values of one `InsertData`, written as one text object, then the
QR and the seal). Used by `insert.render_sheets`.
"""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from skillcert.core.pdf import CJK_ASCENT, CJK_DESCENT, FONT_NAME, draw_string, string_width
from skillcert.printing.insert_images import _draw_qr, _Images
from skillcert.printing.insert_sheet import (
    _BLACK,
    _CUT,
    _GREY,
    _LINE,
    _RED,
    GENDER_EN,
    INSERT_H_MM,
    INSERT_W_MM,
    NO_VALUE,
    PHOTO_MM,
    QR_MM,
    RESULT_EN,
    SEAL_MM,
    TITLES,
    InsertData,
    cn_date,
)

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
