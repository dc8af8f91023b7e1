"""The certificate insert's sheet and content: A4 geometry, fixed vocabularies, `InsertData`, `cn_date`.

The page and insert geometry in millimetres from the sheet's top-left (two inserts per A4 sheet; the photo,
QR and seal sizes), the titles and the English of fixed vocabularies, the colours of the drawing, and
`InsertData`, the frozen record of everything one insert shows. No drawing here (see `insert`); `insert`
re-exports the public names.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4

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


def cn_date(iso: str) -> str:
    try:
        d = datetime.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or NO_VALUE
    return f"{d.year}年{d.month}月{d.day}日"
