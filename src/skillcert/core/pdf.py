"""Shared PDF plumbing: the embedded CJK font and small drawing helpers for paper-like forms.

Every PDF the project prints (appraisal forms, certificate inserts, reports) goes through here so that

* the CJK font is registered once per process and always embedded (a subset of
  ``core/fonts/LXGWWenKai-Regular.ttf``, a glyf-outline TrueType font; see ``core/fonts/README.md``);
* ``reportlab.rl_config.useA85 = 0`` is set (ASCII85 encoding made rendering 5-7x slower here);
* output is deterministic: :func:`new_canvas` sets ``invariant=1`` (fixed creation date and document
  ID), so the same input gives byte-identical files, which keeps archives and tests stable.

Coordinates are reportlab's: points (1/72 inch), origin at the bottom-left of the page. Boxes are given
as ``(x, y, width, height)`` with ``(x, y)`` their bottom-left corner; tables are placed by their top
edge because forms are laid out from the top down.

There is only one font face. "Bold" is drawn with text render mode 2 (fill and stroke), which thickens
the strokes the way a bold face would and still extracts as plain text.
"""

from __future__ import annotations

import datetime
import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_NAME = "SkillcertCJK"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "LXGWWenKai-Regular.ttf"

#: Height of an ideograph above the baseline as a fraction of the font size (the ideographic em box
#: runs from about -0.12 to 0.88). Used to centre text vertically by its visible extent.
CJK_ASCENT = 0.88
CJK_DESCENT = 0.12

#: One-inch (一寸) ID photo: 25 mm x 35 mm, in points.
PHOTO_1_INCH = (25 / 25.4 * 72, 35 / 25.4 * 72)

Align = Literal["left", "center", "right"]
VAlign = Literal["top", "middle", "bottom"]

_lock = threading.Lock()
_font: TTFont | None = None


def register_fonts() -> str:
    """Register the embedded CJK font as :data:`FONT_NAME` (once per process) and return the name.

    Idempotent and thread-safe. Also sets ``rl_config.useA85 = 0`` (binary streams; much faster than
    the ASCII85 default and smaller) and installs :func:`to_unicode_cmap` (see there).
    """
    global _font
    rl_config.useA85 = 0
    if _font is not None:
        return FONT_NAME
    with _lock:
        if _font is None:
            ttfonts.makeToUnicodeCMap = to_unicode_cmap
            font = TTFont(FONT_NAME, str(FONT_FILE))
            pdfmetrics.registerFont(font)
            _font = font
    return FONT_NAME


def to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """The ToUnicode CMap of one embedded font subset, with characters beyond the BMP done right.

    reportlab's own ``makeToUnicodeCMap`` writes every code point as ``<%04X>``, so U+20BB7 (𠮷, found
    in real names) becomes the malformed ``<20BB7>`` and copies or searches as U+20BB. The PDF
    specification wants the UTF-16BE code units (``<D842DFB7>``), as written here. The glyphs drawn are
    the same either way; only text extraction (search, copy, pdftotext) differs.
    """
    entries = [
        f"<{code:02X}> <{chr(value).encode('utf-16-be', 'surrogatepass').hex().upper()}>"
        for code, value in enumerate(subset)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` the embedded font cannot draw (they would print as empty boxes, "tofu")."""
    register_fonts()
    assert _font is not None
    cmap = _font.face.charToGlyph
    return {ch for ch in text if ch not in "\n\r\t" and ord(ch) not in cmap}


def string_width(text: str, size: float) -> float:
    """Width of `text` in points at `size` in the embedded font."""
    register_fonts()
    return float(pdfmetrics.stringWidth(text, FONT_NAME, size))


def new_canvas(
    out: BinaryIO,
    pagesize: tuple[float, float],
    *,
    title: str,
    subject: str = "",
    author: str = "skillcert",
) -> Canvas:
    """A canvas writing to `out` with the CJK font as its initial font and deterministic output.

    ``invariant=1`` fixes the creation date and the document ID, so identical drawing calls produce
    byte-identical PDFs. Call ``canvas.save()`` when done.
    """
    register_fonts()
    options: dict[str, Any] = {
        "pagesize": pagesize,
        "invariant": 1,
        "pageCompression": 1,
        "initialFontName": FONT_NAME,  # so no base-14 font (unembedded Helvetica) is ever referenced
        "initialFontSize": 10,
        "lang": "zh-CN",
    }
    c = Canvas(out, **options)
    c.setTitle(title)
    c.setSubject(subject)
    c.setAuthor(author)
    c.setCreator("skillcert")
    return c


def canvas_bytes(
    pagesize: tuple[float, float], *, title: str, draw: Callable[[Canvas], None], subject: str = ""
) -> bytes:
    """Create a canvas, call ``draw(canvas)`` and return the saved PDF bytes."""
    buf = io.BytesIO()
    c = new_canvas(buf, pagesize, title=title, subject=subject)
    draw(c)
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# Text


def draw_string(
    c: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    align: Align = "left",
    bold: bool = False,
    char_space: float = 0.0,
    word_space: float = 0.0,
) -> float:
    """Draw one line with its baseline at `y`; `x` is the left edge, centre or right edge per `align`.

    Returns the drawn width. `char_space` adds that many points between characters (spaced titles);
    `word_space` widens each space (a single space between a digit and a Chinese character is
    otherwise too narrow for text extraction to see it).
    """
    register_fonts()
    width = string_width(text, size) + char_space * max(len(text) - 1, 0) + word_space * text.count(" ")
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    c.saveState()
    t = c.beginText(x, y)
    t.setFont(FONT_NAME, size)
    if char_space:
        t.setCharSpace(char_space)
    if word_space:
        t.setWordSpace(word_space)
    if bold:
        t.setTextRenderMode(2)
        c.setLineWidth(size * 0.035)
    t.textOut(text)
    c.drawText(t)
    c.restoreState()
    return width


# A Latin "word" (kept together when wrapping), or any other single character.
_UNIT = re.compile(r"[A-Za-z0-9@#$%&*+\-_./:'’]+|\s|.", re.DOTALL)
# Characters that must not start a line (closing punctuation) or end one (opening punctuation).
_NO_START = set("，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")


def wrap_text(text: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` points at `size`.

    Chinese wraps between any two characters; Latin words and numbers stay whole unless longer than a
    line. Closing punctuation never starts a line and opening punctuation never ends one. Explicit
    newlines are kept. Empty text gives one empty line.
    """
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        units: list[str] = []
        for unit in _UNIT.findall(paragraph):
            if len(unit) > 1 and string_width(unit, size) > width:
                units.extend(unit)  # longer than a line: break it anywhere (long numbers, e-mail)
            else:
                units.append(unit)
        current: list[str] = []
        current_width = 0.0
        for unit in units:
            unit_width = string_width(unit, size)
            if current and current_width + unit_width > width:
                carry: list[str] = []
                # Keep closing punctuation off the start of the next line, and opening punctuation off
                # the end of this one, by carrying the neighbouring unit over.
                if unit[0] in _NO_START and len(current) > 1:
                    carry = [current.pop()]
                while len(current) > 1 and current[-1][-1] in _NO_END:
                    carry.insert(0, current.pop())
                lines.append("".join(current).rstrip())
                while carry and carry[0].isspace():
                    carry.pop(0)
                current = carry
                current_width = string_width("".join(current), size)
                if not current and unit.isspace():
                    continue
            current.append(unit)
            current_width += unit_width
        lines.append("".join(current).rstrip())
    return lines


@dataclass(frozen=True)
class FittedText:
    """Text laid out to fit a box: the font size chosen and the lines at that size."""

    size: float
    lines: list[str]
    leading: float
    truncated: bool = False


def fit_text(
    text: str,
    width: float,
    height: float,
    *,
    max_size: float = 10.5,
    min_size: float = 5.0,
    leading: float = 1.2,
    wrap: bool = True,
    step: float = 0.25,
) -> FittedText:
    """Find the largest size from `max_size` down to `min_size` at which `text` fits `width` x `height`.

    With `wrap` the text may take several lines; without, it must fit on one (explicit newlines still
    break). If it does not fit even at `min_size`, the lines that fit are kept and the last one is
    ended with "…" (`truncated` is then true) so the box is never overrun.
    """
    size = max_size
    while True:
        lines = wrap_text(text, size, width) if wrap else text.split("\n")
        block = size + (len(lines) - 1) * size * leading
        widest = max((string_width(line, size) for line in lines), default=0.0)
        if (widest <= width and block <= height + 0.01) or size <= min_size:
            break
        size = max(round(size - step, 2), min_size)
    if widest <= width and block <= height + 0.01:
        return FittedText(size, lines, size * leading)
    # Truncate at the minimum size.
    room = max(1, int((height - size) // (size * leading)) + 1)
    kept = lines[:room]
    last = kept[-1] if kept else ""
    if len(lines) > room or string_width(last, size) > width:
        while last and string_width(last + "…", size) > width:
            last = last[:-1]
        kept[-1] = last + "…"
    kept = [line if string_width(line, size) <= width else _clip(line, size, width) for line in kept]
    return FittedText(size, kept, size * leading, truncated=True)


def _clip(line: str, size: float, width: float) -> str:
    while line and string_width(line + "…", size) > width:
        line = line[:-1]
    return line + "…"


def draw_text_box(
    c: Canvas,
    x: float,
    y: float,
    width: float,
    height: float,
    text: str,
    *,
    max_size: float = 10.5,
    min_size: float = 5.0,
    align: Align = "left",
    valign: VAlign = "middle",
    padding: float = 2.0,
    leading: float = 1.2,
    wrap: bool = True,
    bold: bool = False,
) -> FittedText:
    """Draw `text` inside the box, wrapped and shrunk (down to `min_size`) so that it fits.

    `padding` is kept clear on every side. Returns the layout used (size, lines, whether truncated).
    """
    inner_w = max(width - 2 * padding, 1.0)
    inner_h = max(height - 2 * padding, 1.0)
    fitted = fit_text(
        text, inner_w, inner_h, max_size=max_size, min_size=min_size, leading=leading, wrap=wrap
    )
    size = fitted.size
    block = size + (len(fitted.lines) - 1) * fitted.leading
    if valign == "top":
        top = y + height - padding
    elif valign == "bottom":
        top = y + padding + block
    else:
        top = y + height / 2 + block / 2
    baseline = top - size * CJK_ASCENT
    if align == "center":
        anchor = x + width / 2
    elif align == "right":
        anchor = x + width - padding
    else:
        anchor = x + padding
    for line in fitted.lines:
        if line:
            draw_string(c, anchor, baseline, line, size, align=align, bold=bold)
        baseline -= fitted.leading
    return fitted


# --------------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class Cell:
    """One cell of a :func:`draw_grid` table, at (`row`, `col`) spanning `rowspan` x `colspan`."""

    row: int
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    align: Align = "center"
    valign: VAlign = "middle"
    size: float | None = None  # largest font size; the grid's default when None
    bold: bool = False
    wrap: bool = True
    border: bool = True


def cell_rect(
    x: float,
    top: float,
    col_widths: Sequence[float],
    row_heights: Sequence[float],
    row: int,
    col: int,
    rowspan: int = 1,
    colspan: int = 1,
) -> tuple[float, float, float, float]:
    """The `(x, y, width, height)` box of a (possibly spanning) cell of a grid placed at `x`, `top`."""
    left = x + sum(col_widths[:col])
    width = sum(col_widths[col : col + colspan])
    cell_top = top - sum(row_heights[:row])
    height = sum(row_heights[row : row + rowspan])
    return left, cell_top - height, width, height


def draw_grid(
    c: Canvas,
    x: float,
    top: float,
    col_widths: Sequence[float],
    row_heights: Sequence[float],
    cells: Sequence[Cell],
    *,
    size: float = 10.5,
    min_size: float = 5.0,
    padding: float = 2.5,
    line_width: float = 0.5,
    outer_line_width: float = 1.0,
) -> float:
    """Draw a bordered table: each cell boxed, its text wrapped and shrunk to fit; returns the bottom y.

    Cells are placed explicitly (with spans), so irregular form grids ("label | value | label | value"
    with a photo spanning rows) are as easy as regular tables. Positions not covered by a cell are left
    blank and unboxed; a cell with `border=False` is not boxed either. The outer frame is drawn heavier,
    as on printed forms. Draw pictures into a cell with :func:`cell_rect` and :func:`draw_photo`.
    """
    total_w = sum(col_widths)
    total_h = sum(row_heights)
    c.saveState()
    c.setLineWidth(line_width)
    for cell in cells:
        bx, by, bw, bh = cell_rect(
            x, top, col_widths, row_heights, cell.row, cell.col, cell.rowspan, cell.colspan
        )
        if cell.border:
            c.rect(bx, by, bw, bh, stroke=1, fill=0)
        if cell.text:
            draw_text_box(
                c,
                bx,
                by,
                bw,
                bh,
                cell.text,
                max_size=cell.size or size,
                min_size=min(min_size, cell.size or size),
                align=cell.align,
                valign=cell.valign,
                padding=padding,
                wrap=cell.wrap,
                bold=cell.bold,
            )
    if outer_line_width:
        c.setLineWidth(outer_line_width)
        c.rect(x, top - total_h, total_w, total_h, stroke=1, fill=0)
    c.restoreState()
    return top - total_h


def table_cells(rows: Sequence[Sequence[str]], *, first_row: int = 0, **style: Any) -> list[Cell]:
    """Cells for a plain rectangular table (one string per cell), starting at grid row `first_row`."""
    return [
        Cell(first_row + r, col, text, **style)
        for r, values in enumerate(rows)
        for col, text in enumerate(values)
    ]


T = TypeVar("T")


def paginate(items: Sequence[T], per_page: int, last_page: int | None = None) -> list[list[T]]:
    """Split `items` into pages of `per_page`; the last page holds at most `last_page` items.

    `last_page` leaves room on the final page for a closing block (totals, signature boxes); if the
    remainder does not fit, one more page is added. Always at least one (possibly empty) page.
    """
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    last_cap = per_page if last_page is None else max(0, min(last_page, per_page))
    pages = [list(items[i : i + per_page]) for i in range(0, len(items), per_page)] or [[]]
    if len(pages[-1]) > last_cap:
        tail = pages.pop()
        pages.append(tail[: len(tail) - last_cap])
        pages.append(tail[len(tail) - last_cap :])
    return pages


# --------------------------------------------------------------------------------------------------
# Form furniture


def page_label(page: int, total: int) -> str:
    """The page number line of Chinese forms: "第 1 页 共 3 页"."""
    return f"第 {page} 页 共 {total} 页"


def draw_page_number(
    c: Canvas, page: int, total: int, *, page_width: float, y: float = 20.0, size: float = 9.0
) -> None:
    """Centre "第 n 页 共 m 页" at the foot of the current page (`page_width` wide)."""
    draw_string(c, page_width / 2, y, page_label(page, total), size, align="center", word_space=size / 6)


def cn_date(value: datetime.date | None, *, blank: str = "　　　　年　　月　　日") -> str:
    """A date as written on forms ("2026年6月12日"); `blank` (room to fill in by hand) when None."""
    if value is None:
        return blank
    return f"{value.year}年{value.month}月{value.day}日"


def draw_field_line(
    c: Canvas,
    x: float,
    y: float,
    label: str,
    width: float,
    value: str = "",
    *,
    size: float = 10.5,
    underline: bool = True,
) -> float:
    """Draw "label：" followed by an underlined space `width` points wide in all, holding `value`.

    For signature and date lines ("填表人：______"). `y` is the baseline. Returns the right edge x.
    """
    label_w = draw_string(c, x, y, label, size)
    line_x = x + label_w + 1
    room = max(x + width - line_x, 1.0)
    if value:
        draw_text_box(
            c, line_x, y - size * CJK_DESCENT - 1, room, size + 2, value, max_size=size, wrap=False, padding=1
        )
    if underline:
        c.saveState()
        c.setLineWidth(0.5)
        c.line(line_x, y - size * CJK_DESCENT - 1, x + width, y - size * CJK_DESCENT - 1)
        c.restoreState()
    return x + width


def draw_seal_area(c: Canvas, cx: float, cy: float, *, label: str = "（盖章）", radius: float = 0.0) -> None:
    """Mark where the unit's seal goes: the label centred at (`cx`, `cy`), and, when `radius` is set, a
    light dashed circle the size of an official seal (42 mm across is ``radius=59.5``)."""
    if radius:
        c.saveState()
        c.setLineWidth(0.4)
        c.setDash(2, 2)
        c.setStrokeGray(0.6)
        c.circle(cx, cy, radius, stroke=1, fill=0)
        c.restoreState()
    draw_string(c, cx, cy - 3.5, label, 10, align="center")


def draw_photo(
    c: Canvas,
    x: float,
    y: float,
    width: float = PHOTO_1_INCH[0],
    height: float = PHOTO_1_INCH[1],
    jpeg: bytes | None = None,
    *,
    placeholder: str = "照片",
    hint: str = "（一寸免冠）",
) -> bool:
    """A framed photo box at (`x`, `y`) (bottom-left), 25 x 35 mm by default.

    With `jpeg` the picture is scaled to fit inside the frame, keeping its proportions, centred. Without
    it (or if the bytes cannot be read as an image) the box shows `placeholder` and `hint` for a paper
    photo to be glued on. Returns whether a picture was drawn.
    """
    c.saveState()
    c.setLineWidth(0.5)
    c.rect(x, y, width, height, stroke=1, fill=0)
    drawn = False
    if jpeg:
        try:
            image = ImageReader(io.BytesIO(jpeg))
            iw, ih = image.getSize()
            scale = min((width - 1) / iw, (height - 1) / ih)
            w, h = iw * scale, ih * scale
            c.drawImage(image, x + (width - w) / 2, y + (height - h) / 2, w, h)
            drawn = True
        except Exception:  # a broken upload must not stop the whole batch; the box shows the placeholder
            drawn = False
    if not drawn:
        draw_string(c, x + width / 2, y + height / 2 + 2, placeholder, 11, align="center")
        if hint:
            draw_string(c, x + width / 2, y + height / 2 - 12, hint, 7.5, align="center")
    c.restoreState()
    return drawn
