"""The e-certificate as a one-page A4 PDF (issue 5 item 4; R2.1, R2.3, R2.5, R2.9, R2.10).

Layout (top down): a coloured double border (colour by level, below), the title by kind, the
certificate number, the holder block (photo on the right; name, gender, birth date, masked ID number),
the occupation block (occupation with its code, 工种, level, scores, evaluation), the annotations
(自主评审, scope of use, extra lines), and at the foot the QR code (left, 32 mm) and the issuing
authority with the issue date and the seal overprinted (right). A reissue (R2.9) carries a boxed
"补发 REISSUED" mark at the top right and the reissue date. Labels are Chinese with English alongside.

Titles by ``record["kind"]``: ``qualification`` → 职业资格证书, ``skill_level`` → 职业技能等级证书,
``score`` → 成绩证明 (score reports are issued like certificates, R2.10).

Border colour by level — R2.5 fixes 初级 red and 中级 green and leaves the others to the template; this
template's choice is :data:`LEVEL_COLOURS`: 5 初级 red, 4 中级 green, 3 高级 blue, 2 技师 gold/orange,
1 高级技师 purple.

**Signed data inside the PDF (R2.1).** The picture is not what is verified. The document carries two
embedded files (catalog ``/Names /EmbeddedFiles``, each a ``/Filespec`` with an ``/EF`` stream):

* ``certificate-data.json`` — exactly ``canonical.canonical_bytes(record)``
  (docs/formats/certificate-data.md §4);
* ``certificate-signature.json`` — ``{"alg":"SM2-SM3","key_id":…,"signature":<128 hex, r||s>,
  "signer_id":"1234567812345678","v":1}`` (keys sorted, no whitespace).

:func:`extract_signed_data` reads them back from a PDF as written here (classic cross-reference
table, no object streams). A converted or re-saved copy that no longer has them cannot be verified,
which is what R2.1 asks. The output is deterministic (``invariant=1``; the same input gives the same
bytes).
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
    PDFZCompress,
)
from reportlab.pdfgen.canvas import Canvas

from skillcert.core.pdf import draw_photo, draw_string, draw_text_box, new_canvas
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

PAGE_W, PAGE_H = A4
QR_SIZE = 32 * mm
SEAL_SIZE = 42 * mm
_GREY = Color(0.35, 0.35, 0.35)


def border_colour(level: str) -> str:
    return LEVEL_COLOURS.get(str(level), "#333333")


def _label(c: Canvas, x: float, y: float, zh: str, en: str) -> None:
    """A field label: Chinese, and the English in small grey type after it."""
    w = draw_string(c, x, y, zh, 11)
    c.saveState()
    c.setFillColor(_GREY)
    draw_string(c, x + w + 4, y, en, 7.5)
    c.restoreState()


def _field(
    c: Canvas, x: float, y: float, zh: str, en: str, value: str, *, value_x: float, width: float
) -> None:
    _label(c, x, y, zh, en)
    draw_text_box(c, value_x, y - 4, width, 16, value or NO_VALUE, max_size=13, wrap=False, padding=0)


def _draw_qr(c: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (crisp at any resolution), quiet zone of 4 modules included."""
    code = qr.make_qr(text)
    matrix = list(code.matrix)
    n = len(matrix)
    module = size / (n + 8)
    c.saveState()
    c.setFillColor(Color(1, 1, 1))
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(Color(0, 0, 0))
    p = c.beginPath()
    for row, bits in enumerate(matrix):
        col = 0
        while col < n:
            if bits[col]:
                start = col
                while col < n and bits[col]:
                    col += 1
                p.rect(
                    x + (4 + start) * module,
                    y + size - (4 + row + 1) * module,
                    (col - start) * module,
                    module,
                )
            else:
                col += 1
    c.drawPath(p, stroke=0, fill=1)
    c.restoreState()


def _embed_file(c: Canvas, name: str, data: bytes, mime: str, description: str) -> PDFDictionary:
    doc = c._doc
    stream = PDFStream(
        PDFDictionary(
            {
                "Type": PDFName("EmbeddedFile"),
                "Subtype": PDFName(mime),
                "Params": PDFDictionary({"Size": len(data)}),
            }
        ),
        data,
        filters=[PDFZCompress],
    )
    spec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(name),
            "UF": PDFString(name),
            "Desc": PDFString(description),
            "AFRelationship": PDFName("Data"),
            "EF": PDFDictionary({"F": doc.Reference(stream), "UF": doc.Reference(stream)}),
        }
    )
    return spec


def _attach(c: Canvas, files: Sequence[tuple[str, bytes, str, str]]) -> None:
    doc = c._doc
    names: list[Any] = []
    specs = []
    for name, data, mime, description in sorted(files):
        spec = doc.Reference(_embed_file(c, name, data, mime, description))
        names += [PDFString(name), spec]
        specs.append(spec)
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": PDFArray(names)})})
    doc.Catalog.AF = PDFArray(specs)  # PDF 2.0 / PDF/A-3 associated files
    if "AF" not in doc.Catalog.__NoDefault__:
        doc.Catalog.__NoDefault__ = [*doc.Catalog.__NoDefault__, "AF"]


def signature_file_bytes(signature: bytes, key_id: str) -> bytes:
    obj = {
        "alg": SIGNATURE_ALG,
        "key_id": key_id,
        "signature": signature.hex(),
        "signer_id": sm2.SM2_USER_ID.decode("ascii"),
        "v": 1,
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii")


def _annotation_lines(record: Mapping[str, Any], extra: Sequence[str]) -> list[str]:
    lines: list[str] = []
    if record.get("self_evaluated"):
        lines.append(SELF_EVALUATED)
    if record.get("scope_of_use"):
        lines.append(f"使用范围 Scope of use：{record['scope_of_use']}")
    for text in extra:
        text = text.strip()
        if text and not any(text in line for line in lines):
            lines.append(text)
    return lines


def render_ecertificate(
    record: Mapping[str, Any],
    *,
    photo_jpeg: bytes | None,
    qr_text: str,
    signature: bytes,
    key_id: str,
    annotations: Sequence[str] = (),
) -> bytes:
    """The e-certificate PDF of `record` (a canonical record or anything canonical_record accepts)."""
    rec = canonical.canonical_record(record)
    data = canonical.canonical_bytes(rec)
    if len(signature) != sm2.SIGNATURE_LENGTH:
        raise ValueError("signature must be 64 bytes r||s")
    title_zh, title_en = TITLES[rec["kind"]]
    level = rec["level"]
    colour = HexColor(border_colour(level))

    buf = io.BytesIO()
    c = new_canvas(buf, A4, title=f"{title_zh} {rec['number']}", subject=f"{title_en} {rec['number']}")
    c.setKeywords(f"skillcert e-certificate; key {key_id}; licence {rec['licence_id']}")

    # border: a broad band and a thin inner rule in the level's colour
    c.saveState()
    c.setStrokeColor(colour)
    c.setLineWidth(9)
    c.rect(10 * mm, 10 * mm, PAGE_W - 20 * mm, PAGE_H - 20 * mm, stroke=1, fill=0)
    c.setLineWidth(1)
    c.rect(15 * mm, 15 * mm, PAGE_W - 30 * mm, PAGE_H - 30 * mm, stroke=1, fill=0)
    c.restoreState()

    # title
    c.saveState()
    c.setFillColor(colour)
    c.setStrokeColor(colour)
    draw_string(c, PAGE_W / 2, PAGE_H - 52 * mm, title_zh, 32, align="center", bold=True, char_space=8)
    c.restoreState()
    draw_string(c, PAGE_W / 2, PAGE_H - 61 * mm, title_en, 13, align="center")
    draw_string(
        c, PAGE_W / 2, PAGE_H - 72 * mm, f"证书编号 Certificate No.：{rec['number']}", 12, align="center"
    )

    if rec.get("reissue"):
        _reissue_mark(c, rec)

    left = 28 * mm
    value_x = 75 * mm
    # holder block, photo at the right
    photo_w, photo_h = 30 * mm, 40 * mm
    photo_x, photo_top = PAGE_W - 28 * mm - photo_w, PAGE_H - 82 * mm
    draw_photo(c, photo_x, photo_top - photo_h, photo_w, photo_h, photo_jpeg)
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
        _field(c, left, y, zh, en, value, value_x=value_x, width=value_w)
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
        ("成绩", "Scores", "　".join(scores)),
        ("评定结果", "Result", rec.get("evaluation", "")),
    ]
    y -= 3 * mm
    for zh, en, value in body:
        _field(c, left, y, zh, en, value, value_x=value_x, width=full_w)
        y -= line

    # annotations
    lines = _annotation_lines(rec, annotations)
    y -= 2 * mm
    for text in lines:
        c.saveState()
        c.setFillColor(colour)
        draw_text_box(c, left, y - 4, PAGE_W - 2 * left, 15, text, max_size=11.5, wrap=False, padding=0)
        c.restoreState()
        y -= 7 * mm

    # foot: QR left, authority + date + seal right
    qr_x, qr_y = 28 * mm, 34 * mm
    _draw_qr(c, qr_text, qr_x, qr_y, QR_SIZE)
    draw_string(c, qr_x + QR_SIZE / 2, qr_y - 5 * mm, "扫码验证 Scan to verify", 8, align="center")

    right = PAGE_W - 30 * mm
    auth_y = 62 * mm
    _label(c, right - 95 * mm, auth_y + 12 * mm, "发证机关", "Issuing authority")
    draw_text_box(
        c,
        right - 95 * mm,
        auth_y - 4,
        95 * mm,
        18,
        rec["issuing_authority"],
        max_size=13,
        wrap=False,
        padding=0,
        align="right",
    )
    _label(c, right - 95 * mm, auth_y - 12 * mm, "发证日期", "Date of issue")
    draw_string(c, right, auth_y - 20 * mm, rec["issued_on"], 13, align="right")
    seal = ImageReader(io.BytesIO(seal_png(rec["issuing_authority"])))
    c.drawImage(
        seal, right - 38 * mm - SEAL_SIZE / 2, auth_y - SEAL_SIZE / 2, SEAL_SIZE, SEAL_SIZE, mask="auto"
    )

    # small print: licence identifier and signing key
    c.saveState()
    c.setFillColor(_GREY)
    draw_string(
        c,
        PAGE_W / 2,
        20 * mm,
        f"电子证照标识 Licence ID：{rec['licence_id']}    签名密钥 Key ID：{key_id}",
        7,
        align="center",
    )
    c.restoreState()

    _attach(
        c,
        [
            (
                DATA_FILE,
                data,
                "application/json",
                "canonical certificate data (docs/formats/certificate-data.md)",
            ),
            (
                SIGNATURE_FILE,
                signature_file_bytes(signature, key_id),
                "application/json",
                "SM2-SM3 signature",
            ),
        ],
    )
    c.showPage()
    c.save()
    return buf.getvalue()


def _reissue_mark(c: Canvas, rec: Mapping[str, Any]) -> None:
    x, y, w, h = PAGE_W - 62 * mm, PAGE_H - 44 * mm, 36 * mm, 16 * mm
    red = HexColor("#C8102E")
    c.saveState()
    c.setStrokeColor(red)
    c.setFillColor(red)
    c.setLineWidth(2)
    c.roundRect(x, y, w, h, 2 * mm, stroke=1, fill=0)
    draw_string(c, x + w / 2, y + h - 8.5 * mm, REISSUE_MARK, 18, align="center", bold=True, char_space=4)
    draw_string(c, x + w / 2, y + 2.2 * mm, "REISSUED", 8, align="center")
    if rec.get("reissued_on"):
        draw_string(c, x + w / 2, y - 4.5 * mm, f"补发日期 {rec['reissued_on']}", 8, align="center")
    c.restoreState()


# --- reading the signed data back --------------------------------------------------------------------

_OBJ = re.compile(rb"(\d+) 0 obj\b(.*?)\bendobj", re.DOTALL)
_REF = r"/%s\s+(\d+)\s+0\s+R"


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJ.finditer(pdf)}


def _stream(obj: bytes) -> bytes:
    head, sep, rest = obj.partition(b"stream")
    if not sep:
        raise ValueError("embedded file is not a stream")
    length = re.search(rb"/Length\s+(\d+)", head)
    if length is None:
        raise ValueError("embedded file stream without a direct /Length")
    rest = rest[2:] if rest.startswith(b"\r\n") else rest[1:]
    raw = rest[: int(length.group(1))]
    filters = re.findall(rb"/(\w+Decode)", head)
    if filters == [b"FlateDecode"]:
        return zlib.decompress(raw)
    if filters:
        raise ValueError("unsupported stream filter")
    return raw


def _embedded(pdf: bytes) -> dict[str, bytes]:
    objects = _objects(pdf)
    files: dict[str, bytes] = {}
    for body in objects.values():
        if b"/Type /Filespec" not in body:
            continue
        name = re.search(rb"/F\s+\(([^()\\]*)\)", body)
        ef = re.search((_REF % "EF\\s*<<\\s*/F").encode(), body)
        if name is None or ef is None:
            continue
        key = name.group(1).decode("latin-1")
        if key in files:
            raise ValueError(f"duplicate embedded file {key}")
        stream = objects.get(int(ef.group(1)))
        if stream is None:
            raise ValueError("dangling embedded file reference")
        files[key] = _stream(stream)
    return files


def extract_signed_data(pdf_bytes: bytes) -> tuple[bytes, bytes, str]:
    """(canonical bytes, 64-byte signature, key id) from an e-certificate PDF written by
    :func:`render_ecertificate`. Raises ValueError when they are missing or malformed; the caller
    checks the signature (``canonical.verify_record(canonical.parse_canonical(data), key, sig)``)."""
    files = _embedded(pdf_bytes)
    if DATA_FILE not in files or SIGNATURE_FILE not in files:
        raise ValueError("the PDF carries no signed certificate data")
    try:
        meta = json.loads(files[SIGNATURE_FILE].decode("ascii"))
        if meta.get("alg") != SIGNATURE_ALG or meta.get("v") != 1:
            raise ValueError("unknown signature format")
        signature = bytes.fromhex(str(meta["signature"]))
        key_id = str(meta["key_id"])
    except (UnicodeDecodeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError("malformed signature file") from exc
    if len(signature) != sm2.SIGNATURE_LENGTH:
        raise ValueError("signature must be 64 bytes")
    return files[DATA_FILE], signature, key_id


__all__ = [
    "LEVEL_COLOURS",
    "TITLES",
    "border_colour",
    "extract_signed_data",
    "render_ecertificate",
    "signature_file_bytes",
]
