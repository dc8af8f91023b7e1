"""One layout, two renderers: the e-certificate page as a list of positioned drawing items (issue 5;
R2.1, R2.5, R2.6, R2.9, R2.10).

:func:`build_layout` turns a canonical record (the certificate's frozen data) into a :class:`Layout`
once; ``ecert_pdf.render_layout_pdf`` draws it with reportlab and ``esign.ofd.writer`` writes it as an
OFD (GB/T 33190) page. Both renderers only place what the layout says, so the PDF and the OFD of one
certificate show the same text at the same places.

Coordinates are PDF points (1/72 inch) with the origin at the bottom-left of the A4 page. A
:class:`Text` is already aligned: ``x`` is the left end of its baseline ``y``; ``advances`` holds the
advance of each character (code point) in points including ``char_space``, so a renderer that places
characters one by one (OFD ``DeltaX``) needs no font metrics of its own.

Page content (top down): a coloured double border (colour by level, R2.5), the title by kind, the
certificate number, the holder block (photo right), the occupation block, the annotations
(自主评审, scope of use, extra lines), and at the foot the QR code (left) and the issuing authority,
the issue date and the seal (right). A reissue (R2.9) carries a boxed "补发 REISSUED" mark.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from skillcert.core.pdf import CJK_ASCENT, FONT_NAME, fit_text, register_fonts, string_width
from skillcert.esign import canonical, qr, sm2
from skillcert.esign.seal import seal_png

DATA_FILE = "certificate-data.json"
SIGNATURE_FILE = "certificate-signature.json"
SIGNATURE_ALG = "SM2-SM3"

TITLES: dict[str, tuple[str, str]] = {
    "qualification": ("职业资格证书", "Vocational Qualification Certificate"),
    "skill_level": ("职业技能等级证书", "Vocational Skill Level Certificate"),
    "score": ("成绩证明", "Certificate of Examination Results"),
}

#: Border colour by level (template choice beyond R2.5's 初级 red / 中级 green).
LEVEL_COLOURS: dict[str, str] = {
    "5": "#C8102E",  # 五级/初级工 — red
    "4": "#1E7B34",  # 四级/中级工 — green
    "3": "#1F4E9C",  # 三级/高级工 — blue
    "2": "#C77A00",  # 二级/技师 — gold/orange
    "1": "#6A2C8E",  # 一级/高级技师 — purple
}

LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "5": ("五级/初级工", "Level 5 / Junior"),
    "4": ("四级/中级工", "Level 4 / Intermediate"),
    "3": ("三级/高级工", "Level 3 / Senior"),
    "2": ("二级/技师", "Level 2 / Technician"),
    "1": ("一级/高级技师", "Level 1 / Senior Technician"),
}

SELF_EVALUATED = "企业自主评审 Self-evaluated by the enterprise"
REISSUE_MARK = "补发"
NO_VALUE = "—"
BLACK = "#000000"
GREY = "#595959"  # 0.35 grey
WHITE = "#FFFFFF"
REISSUE_RED = "#C8102E"

PAGE_W, PAGE_H = A4
QR_SIZE = 32 * mm
SEAL_SIZE = 42 * mm
QUIET_ZONE = 4

Align = Literal["left", "center", "right"]


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text: baseline from (x, y), left-aligned, in the embedded CJK font."""

    x: float
    y: float
    text: str
    size: float
    colour: str = BLACK
    bold: bool = False
    char_space: float = 0.0
    advances: tuple[float, ...] = ()

    @property
    def width(self) -> float:
        return sum(self.advances) - (self.char_space if self.advances else 0.0)


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle (x, y = bottom-left), stroked and/or filled; rounded when ``radius`` > 0."""

    x: float
    y: float
    w: float
    h: float
    stroke: str | None = BLACK
    fill: str | None = None
    line_width: float = 1.0
    radius: float = 0.0


@dataclass(frozen=True, slots=True)
class Picture:
    """A raster image scaled into the box (x, y = bottom-left). ``name`` is ``photo`` or ``seal``."""

    x: float
    y: float
    w: float
    h: float
    data: bytes
    format: Literal["JPEG", "PNG"]
    name: str


@dataclass(frozen=True, slots=True)
class QRCode:
    """A QR code drawn as black vector modules on a white square (quiet zone included)."""

    x: float
    y: float
    size: float
    matrix: tuple[tuple[bool, ...], ...]
    text: str

    @property
    def module(self) -> float:
        """The side of one module (points)."""
        return self.size / (len(self.matrix) + 2 * QUIET_ZONE)

    def module_runs(self) -> list[tuple[int, int, int]]:
        """Horizontal runs of dark modules as (column, row, length) in module units, counted from the
        top-left corner of the square (quiet zone included), rows downwards."""
        out = []
        n = len(self.matrix)
        for row, bits in enumerate(self.matrix):
            col = 0
            while col < n:
                if bits[col]:
                    start = col
                    while col < n and bits[col]:
                        col += 1
                    out.append((QUIET_ZONE + start, QUIET_ZONE + row, col - start))
                else:
                    col += 1
        return out

    def runs(self) -> list[tuple[float, float, float, float]]:
        """The dark runs as (x, y, w, h) rectangles in points, bottom-left origin."""
        m = self.module
        top = self.y + self.size
        return [(self.x + c * m, top - (r + 1) * m, n * m, m) for c, r, n in self.module_runs()]


Item = Text | Box | Picture | QRCode


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: str
    description: str


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    items: tuple[Item, ...]
    title: str
    subject: str
    keywords: str
    attachments: tuple[Attachment, ...] = ()
    seal: Picture | None = None  # the seal item (also in items), where an OFD stamp annotation goes
    record: dict[str, Any] = field(default_factory=dict)


def signature_file_bytes(signature: bytes, key_id: str) -> bytes:
    """The signature file embedded next to the canonical record (PDF and OFD alike)."""
    obj = {
        "alg": SIGNATURE_ALG,
        "key_id": key_id,
        "signature": signature.hex(),
        "signer_id": sm2.SM2_USER_ID.decode("ascii"),
        "v": 1,
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii")


def border_colour(level: str) -> str:
    return LEVEL_COLOURS.get(str(level), "#333333")


# --- text helpers (the same metrics as core/pdf.py) ----------------------------------------------------

_advance_cache: dict[tuple[str, float], float] = {}


def _advance(ch: str, size: float) -> float:
    key = (ch, size)
    value = _advance_cache.get(key)
    if value is None:
        value = float(pdfmetrics.stringWidth(ch, FONT_NAME, size))
        if len(_advance_cache) < 200_000:
            _advance_cache[key] = value
    return value


def text(
    x: float,
    y: float,
    value: str,
    size: float,
    *,
    align: Align = "left",
    colour: str = BLACK,
    bold: bool = False,
    char_space: float = 0.0,
) -> Text:
    """A line placed like core.pdf.draw_string: `x` is the left edge, centre or right edge per `align`."""
    register_fonts()
    advances = tuple(_advance(ch, size) + char_space for ch in value)
    width = sum(advances) - (char_space if advances else 0.0)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    return Text(x, y, value, size, colour, bold, char_space, advances)


def text_box(
    x: float,
    y: float,
    width: float,
    height: float,
    value: str,
    *,
    max_size: float = 10.5,
    min_size: float = 5.0,
    align: Align = "left",
    padding: float = 0.0,
    wrap: bool = False,
    colour: str = BLACK,
) -> list[Text]:
    """Lines fitted into a box, vertically centred, placed like core.pdf.draw_text_box."""
    inner_w = max(width - 2 * padding, 1.0)
    inner_h = max(height - 2 * padding, 1.0)
    fitted = fit_text(value, inner_w, inner_h, max_size=max_size, min_size=min_size, wrap=wrap)
    size = fitted.size
    block = size + (len(fitted.lines) - 1) * fitted.leading
    baseline = y + height / 2 + block / 2 - size * CJK_ASCENT
    anchor = x + width / 2 if align == "center" else x + width - padding if align == "right" else x + padding
    out = []
    for line in fitted.lines:
        if line:
            out.append(text(anchor, baseline, line, size, align=align, colour=colour))
        baseline -= fitted.leading
    return out


def _label(x: float, y: float, zh: str, en: str) -> list[Text]:
    """A field label: Chinese, and the English in small grey type after it."""
    first = text(x, y, zh, 11)
    return [first, text(x + string_width(zh, 11) + 4, y, en, 7.5, colour=GREY)]


def _field(x: float, y: float, zh: str, en: str, value: str, *, value_x: float, width: float) -> list[Item]:
    return [
        *_label(x, y, zh, en),
        *text_box(value_x, y - 4, width, 16, value or NO_VALUE, max_size=13),
    ]


def photo_items(x: float, y: float, w: float, h: float, jpeg: bytes | None) -> list[Item]:
    """A framed photo scaled to fit (proportions kept, centred), or the 照片 placeholder."""
    items: list[Item] = [Box(x, y, w, h, stroke=BLACK, line_width=0.5)]
    size = None
    if jpeg:
        try:
            with Image.open(io.BytesIO(jpeg)) as image:
                if image.format == "JPEG":
                    size = image.size
        except Exception:  # a broken upload must not stop the batch; the box shows the placeholder
            size = None
    if size:
        iw, ih = size
        scale = min((w - 1) / iw, (h - 1) / ih)
        pw, ph = iw * scale, ih * scale
        items.append(Picture(x + (w - pw) / 2, y + (h - ph) / 2, pw, ph, bytes(jpeg or b""), "JPEG", "photo"))
    else:
        items.append(text(x + w / 2, y + h / 2 + 2, "照片", 11, align="center"))
        items.append(text(x + w / 2, y + h / 2 - 12, "（一寸免冠）", 7.5, align="center"))
    return items


def annotation_lines(record: Mapping[str, Any], extra: Sequence[str]) -> list[str]:
    lines: list[str] = []
    if record.get("self_evaluated"):
        lines.append(SELF_EVALUATED)
    if record.get("scope_of_use"):
        lines.append(f"使用范围 Scope of use：{record['scope_of_use']}")
    for line in extra:
        line = line.strip()
        if line and not any(line in existing for existing in lines):
            lines.append(line)
    return lines


SCORE_ROWS = (
    ("theory", "理论知识考试", "Theory examination"),
    ("practical", "操作技能考核", "Practical skills assessment"),
    ("comprehensive", "综合评审", "Comprehensive review"),
)


def score_table(
    rec: Mapping[str, Any], x: float, top: float, width: float, colour: str
) -> tuple[list[Item], float]:
    """A bordered table of the scores and the result (score reports, R2.10); returns the items and the
    y of the next line below it."""
    row_h = 7.5 * mm
    col = width * 0.6
    rows = [("科目", "Subject", "成绩", "Score")]
    rows += [(zh, en, rec[key], "") for key, zh, en in SCORE_ROWS if rec.get(key)]
    rows.append(("评定结果", "Result", rec.get("evaluation") or NO_VALUE, ""))
    items: list[Item] = [Box(x, top - row_h, width, row_h, stroke=None, fill="#F2F2F2")]
    for i, (zh, en, value, value_en) in enumerate(rows):
        bottom = top - (i + 1) * row_h
        items.append(Box(x, bottom, col, row_h, stroke=colour, line_width=0.6))
        items.append(Box(x + col, bottom, width - col, row_h, stroke=colour, line_width=0.6))
        baseline = bottom + row_h / 2 - 3.5
        items.append(text(x + 3 * mm, baseline, zh, 11))
        items.append(text(x + 3 * mm + string_width(zh, 11) + 4, baseline, en, 7.5, colour=GREY))
        items.append(text(x + col + 3 * mm, baseline, value, 12 if i else 11))
        if value_en:
            items.append(
                text(x + col + 3 * mm + string_width(value, 11) + 4, baseline, value_en, 7.5, colour=GREY)
            )
    return items, top - len(rows) * row_h - 8 * mm


def _reissue_mark(rec: Mapping[str, Any]) -> list[Item]:
    x, y, w, h = PAGE_W - 62 * mm, PAGE_H - 44 * mm, 36 * mm, 16 * mm
    items: list[Item] = [Box(x, y, w, h, stroke=REISSUE_RED, line_width=2, radius=2 * mm)]
    items.append(
        text(
            x + w / 2,
            y + h - 8.5 * mm,
            REISSUE_MARK,
            18,
            align="center",
            bold=True,
            char_space=4,
            colour=REISSUE_RED,
        )
    )
    items.append(text(x + w / 2, y + 2.2 * mm, "REISSUED", 8, align="center", colour=REISSUE_RED))
    if rec.get("reissued_on"):
        items.append(
            text(
                x + w / 2,
                y - 4.5 * mm,
                f"补发日期 {rec['reissued_on']}",
                8,
                align="center",
                colour=REISSUE_RED,
            )
        )
    return items


def build_layout(
    record: Mapping[str, Any],
    *,
    photo_jpeg: bytes | None,
    qr_text: str,
    signature: bytes,
    key_id: str,
    annotations: Sequence[str] = (),
) -> Layout:
    """The page of `record` (a canonical record or anything canonical_record accepts), signed by
    `signature` (64 bytes r||s over canonical.signed_message) with the key `key_id`."""
    register_fonts()
    if len(signature) != sm2.SIGNATURE_LENGTH:
        raise ValueError("signature must be 64 bytes r||s")
    signature_file = signature_file_bytes(signature, key_id)
    rec = canonical.canonical_record(record)
    data = canonical.canonical_bytes(rec)
    title_zh, title_en = TITLES[rec["kind"]]
    level = rec["level"]
    colour = border_colour(level)
    items: list[Item] = [
        Box(10 * mm, 10 * mm, PAGE_W - 20 * mm, PAGE_H - 20 * mm, stroke=colour, line_width=9),
        Box(15 * mm, 15 * mm, PAGE_W - 30 * mm, PAGE_H - 30 * mm, stroke=colour, line_width=1),
        text(
            PAGE_W / 2, PAGE_H - 52 * mm, title_zh, 32, align="center", bold=True, char_space=8, colour=colour
        ),
        text(PAGE_W / 2, PAGE_H - 61 * mm, title_en, 13, align="center"),
        text(PAGE_W / 2, PAGE_H - 72 * mm, f"证书编号 Certificate No.：{rec['number']}", 12, align="center"),
    ]
    if rec.get("reissue"):
        items += _reissue_mark(rec)

    left = 28 * mm
    value_x = 75 * mm
    photo_w, photo_h = 30 * mm, 40 * mm
    photo_x, photo_top = PAGE_W - 28 * mm - photo_w, PAGE_H - 82 * mm
    items += photo_items(photo_x, photo_top - photo_h, photo_w, photo_h, photo_jpeg)
    value_w = photo_x - value_x - 6 * mm
    y = PAGE_H - 90 * mm
    line = 11.5 * mm
    holder = [
        ("姓名", "Name", rec["name"]),
        ("性别", "Gender", rec.get("gender", "")),
        ("出生日期", "Date of birth", rec.get("birth_date", "")),
        ("证件号码", "ID No.", rec.get("id_number_masked", "")),
    ]
    for zh, en, value in holder:
        items += _field(left, y, zh, en, value, value_x=value_x, width=value_w)
        y -= line

    full_w = PAGE_W - 28 * mm - value_x
    level_zh, level_en = LEVEL_NAMES[level]
    occupation = rec["occupation"] + f"（{rec['occupation_code']}"
    occupation += f"，{rec['occupation_edition']}版）" if rec.get("occupation_edition") else "）"
    scores = [
        f"{zh} {rec[key]}"
        for key, zh in (("theory", "理论知识"), ("practical", "操作技能"), ("comprehensive", "综合评审"))
        if rec.get(key)
    ]
    body = [
        ("职业", "Occupation", occupation),
        ("工种", "Work type", rec.get("work_type", "")),
        ("等级", "Level", f"{rec.get('level_name') or level_zh}  {level_en}"),
    ]
    if rec["kind"] != "score":
        body += [("成绩", "Scores", "　".join(scores)), ("评定结果", "Result", rec.get("evaluation", ""))]
    y -= 3 * mm
    for zh, en, value in body:
        items += _field(left, y, zh, en, value, value_x=value_x, width=full_w)
        y -= line
    if rec["kind"] == "score":  # score reports (R2.10): the scores as a table
        table, y = score_table(rec, left, y + 4 * mm, PAGE_W - 2 * left, colour)
        items += table

    y -= 2 * mm
    for note in annotation_lines(rec, annotations):
        items += text_box(left, y - 4, PAGE_W - 2 * left, 15, note, max_size=11.5, colour=colour)
        y -= 7 * mm

    # foot: QR left, authority + date + seal right
    qr_x, qr_y = 28 * mm, 34 * mm
    code = qr.make_qr(qr_text)
    matrix = tuple(tuple(bool(b) for b in row) for row in code.matrix)
    items.append(Box(qr_x, qr_y, QR_SIZE, QR_SIZE, stroke=None, fill=WHITE))
    items.append(QRCode(qr_x, qr_y, QR_SIZE, matrix, qr_text))
    items.append(text(qr_x + QR_SIZE / 2, qr_y - 5 * mm, "扫码验证 Scan to verify", 8, align="center"))

    right = PAGE_W - 30 * mm
    auth_y = 62 * mm
    items += _label(right - 95 * mm, auth_y + 12 * mm, "发证机关", "Issuing authority")
    items += text_box(
        right - 95 * mm, auth_y - 4, 95 * mm, 18, rec["issuing_authority"], max_size=13, align="right"
    )
    items += _label(right - 95 * mm, auth_y - 12 * mm, "发证日期", "Date of issue")
    items.append(text(right, auth_y - 20 * mm, rec["issued_on"], 13, align="right"))
    seal = Picture(
        right - 38 * mm - SEAL_SIZE / 2,
        auth_y - SEAL_SIZE / 2,
        SEAL_SIZE,
        SEAL_SIZE,
        seal_png(rec["issuing_authority"]),
        "PNG",
        "seal",
    )
    items.append(seal)

    items.append(
        text(
            PAGE_W / 2,
            20 * mm,
            f"电子证照标识 Licence ID：{rec['licence_id']}    签名密钥 Key ID：{key_id}",
            7,
            align="center",
            colour=GREY,
        )
    )
    return Layout(
        width=PAGE_W,
        height=PAGE_H,
        items=tuple(items),
        title=f"{title_zh} {rec['number']}",
        subject=f"{title_en} {rec['number']}",
        keywords=f"skillcert e-certificate; key {key_id}; licence {rec['licence_id']}",
        attachments=(
            Attachment(
                DATA_FILE,
                data,
                "application/json",
                "canonical certificate data (docs/formats/certificate-data.md)",
            ),
            Attachment(SIGNATURE_FILE, signature_file, "application/json", "SM2-SM3 signature"),
        ),
        seal=seal,
        record=rec,
    )
