"""Bench: certificate inserts rendered per second (issue 6) against a bare reportlab loop.

    .venv/bin/python bench/print.py [--count 2000]

No database: the renderer is a pure function of frozen data. Setup (not measured) makes ``--count``
insert records as the print job builds them — distinct names, numbers, full ID numbers, serials, a
distinct 358 × 441 colour JPEG photo each, and a QR payload signed with SM2 (version 2, carrying the
serial). Then, back to back in this process:

(a) the real renderer, ``printing.insert.render_sheets`` over all records (two inserts per A4 sheet,
    the seal overprinted, calibration applied): inserts/s;
(b) the baseline: a bare reportlab loop drawing the same content on the same canvas settings — the
    same texts (Chinese labels with English, values), the same photo and seal images, the same QR
    modules (encoded the same way, drawn as one path of row runs), the frame and the grid lines —
    with plain ``drawString`` / ``drawImage`` / path calls (the seal picture loaded once), once with
    the QR as a path of row runs and once with the QR as a 1-bit picture; the faster of the two is the
    baseline, in inserts/s.

Both PDFs are checked to hold the same number of pages and every certificate number. The last line is
{"bench": "print", "value": v, "baseline": b, "unit": "inserts/s", "ratio": v/b, "goal": 0.7,
 "better": "higher"}
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

GOAL = 0.7
SURNAMES, GIVEN = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
LABELS = [
    ("姓名", "Name"),
    ("性别", "Sex"),
    ("出生日期", "Date of birth"),
    ("文化程度", "Education"),
    ("身份证件号码", "ID No."),
    ("证书编号", "Certificate No."),
    ("职业（工种）", "Occupation (type of work)"),
    ("等级", "Level"),
    ("理论知识考核成绩", "Theory score"),
    ("操作技能考核成绩", "Practical skills score"),
    ("评定成绩", "Evaluation result"),
    ("备注", "Remarks"),
]


def _log(message: str) -> None:
    print(message, flush=True)


def _photo(i: int) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (358, 441), (50 + i % 60, 120 + i % 40, 215))
    d = ImageDraw.Draw(im)
    d.ellipse((110, 90, 250, 260), fill=(236, 200 - i % 30, 170))
    d.ellipse((105, 70, 255, 160), fill=(30 + i % 50, 30, 30))
    d.rectangle((80, 300, 280, 441), fill=(40, 40, 60 + i % 100))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88, dpi=(350, 350))
    return out.getvalue()


def _records(count: int) -> list[Any]:
    from skillcert.esign import qr, sm2
    from skillcert.people.idnumber import check_character
    from skillcert.printing.insert import InsertData

    keys = sm2.generate_keypair()
    kid = sm2.key_id(keys.public_key)
    out = []
    for i in range(count):
        name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[i % 20]
        number = f"2610012003{4}{i + 1:05d}"
        serial = f"JS{i + 1:08d}"
        body = f"320102{1970 + i % 30}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        text = qr.make_payload(
            {
                "number": number,
                "name": name,
                "level": 4,
                "occupation_code": "6-18-01-01",
                "issued_on": "2026-11-25",
            },
            kid,
            keys.private_key,
            "https://cert.example.gov.cn/Q/",
            blank_serial=serial,
        )
        out.append(
            InsertData(
                number=number,
                name=name,
                gender="男" if i % 2 else "女",
                birth_date=f"{1970 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                education="大学专科",
                education_en="Junior college",
                id_number=body + check_character(body),
                occupation="车工",
                occupation_code="6-18-01-01",
                work_type="数控车工",
                level="4",
                level_name="四级/中级",
                level_name_en="Level 4 / Intermediate",
                theory=str(60 + i % 40),
                practical=str(60 + (i * 7) % 40),
                evaluation="合格",
                issued_on="2026-11-25",
                issuing_authority="江苏省人力资源和社会保障厅",
                qr_text=text,
                blank_serial=serial,
                photo_jpeg=_photo(i),
                remarks="补发" if i % 50 == 0 else "",
            )
        )
    return out


def _bare(records: list[Any], qr_as_image: bool = False) -> bytes:
    """The baseline: the same content drawn with plain reportlab calls, insert by insert. The QR is one
    path of row runs (the vector way, as the e-certificate draws it) or, with `qr_as_image`, a 1-bit
    picture of its modules scaled up (the cheap way)."""
    from reportlab.lib.colors import Color
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from skillcert.core.pdf import FONT_NAME, register_fonts
    from skillcert.esign.seal import seal_png
    from skillcert.printing.insert import INSERT_BOXES_MM, qr_modules

    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT_NAME)
    grey = Color(0.42, 0.42, 0.42)
    page_h = A4[1]
    seals: dict[str, Any] = {}  # the seal picture is loaded once per authority, as any loop would
    for start in range(0, len(records), 2):
        for slot, d in enumerate(records[start : start + 2]):
            left, top, w, h = INSERT_BOXES_MM[slot]
            x0, y0 = left * mm, page_h - (top + h) * mm

            def at(xm: float, ym: float, x0: float = x0, y0: float = y0, h: float = h) -> tuple[float, float]:
                return x0 + xm * mm, y0 + (h - ym) * mm

            c.setDash(3, 2)
            c.rect(x0, y0, w * mm, h * mm)
            c.setDash()
            c.setFont(FONT_NAME, 14)
            c.drawCentredString(*at(90, 9), "职业资格证书")
            c.setFont(FONT_NAME, 6.5)
            c.drawCentredString(*at(90, 13.2), "Vocational Qualification Certificate")
            for row in range(8):  # grid lines of the two tables
                c.line(
                    *at(42 if row < 4 else 10, 19 + row * 8 + (3 if row >= 4 else 0)), *at(172, 19 + row * 8)
                )
            for i, (zh, en) in enumerate(LABELS):
                c.setFont(FONT_NAME, 7.5)
                c.drawString(*at(43 + (i % 2) * 65, 23 + (i // 2) * 8), zh)
                c.setFillColor(grey)
                c.setFont(FONT_NAME, 5)
                c.drawString(*at(43 + (i % 2) * 65, 26 + (i // 2) * 8), en)
                c.setFillColor(Color(0, 0, 0))
            occupation = f"{d.occupation}（{d.occupation_code}） · {d.work_type}"
            values = [
                d.name, d.gender, "Male" if d.gender == "男" else "Female", d.birth_date, d.education,
                d.education_en, d.id_number, d.number, occupation, d.level_name, d.level_name_en,
                d.theory, d.practical, d.evaluation, "Pass", d.remarks or "—", d.issuing_authority,
                d.issued_on, "发证机关", "Issuing authority", "发证日期", "Date of issue", "流水码",
                f"Serial {d.blank_serial}", "扫码验证 Scan to verify",
            ]  # fmt: skip
            for i, text in enumerate(values):
                c.setFont(FONT_NAME, 9.5)
                c.drawString(*at(70 + (i % 2) * 60, 24 + (i // 2) * 7), text)
            c.drawImage(ImageReader(io.BytesIO(d.photo_jpeg)), *at(10, 51), 26 * mm, 32 * mm)
            modules = qr_modules(d.qr_text)
            n = len(modules)
            unit = 24 * mm / (n + 8)
            qx, qy = at(10, 113.5)
            if qr_as_image:
                from PIL import Image

                picture = Image.fromarray(~modules).convert("1")
                c.drawImage(ImageReader(picture), qx + 4 * unit, qy + 4 * unit, n * unit, n * unit)
            else:
                p = c.beginPath()
                for r, bits in enumerate(modules.tolist()):
                    col = 0
                    while col < n:
                        if bits[col]:
                            s = col
                            while col < n and bits[col]:
                                col += 1
                            p.rect(qx + (4 + s) * unit, qy + (n + 3 - r) * unit, (col - s) * unit, unit)
                        else:
                            col += 1
                c.drawPath(p, stroke=0, fill=1)
            if d.issuing_authority not in seals:
                png = seal_png(d.issuing_authority, 360, "证书专用章")
                seals[d.issuing_authority] = ImageReader(io.BytesIO(png))
            c.drawImage(seals[d.issuing_authority], *at(134, 120), 32 * mm, 32 * mm, mask="auto")
        c.showPage()
    c.save()
    return buf.getvalue()


def _check(pdf: bytes, records: list[Any]) -> None:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        run: Any = subprocess.run
        text = run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout
        info = run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == (len(records) + 1) // 2, pages
    missing = [r.number for r in records if r.number not in text]
    assert not missing, missing[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    import django

    django.setup()
    from skillcert.printing.insert import Calibration, render_sheets

    _log(f"preparing {args.count} insert records (photos, signed QR payloads)…")
    records = _records(args.count)
    render_sheets(records[:2])  # warm up: font subsetting tables, imports
    _bare(records[:2])

    t0 = time.perf_counter()
    pdf = render_sheets(records, Calibration(0.8, -0.5, 1.0))
    real = time.perf_counter() - t0
    _log(f"renderer: {args.count} inserts in {real:.2f} s, {len(pdf) / 1e6:.1f} MB")
    t0 = time.perf_counter()
    bare = _bare(records)
    base = time.perf_counter() - t0
    _log(f"bare reportlab, QR as a path: {args.count} inserts in {base:.2f} s, {len(bare) / 1e6:.1f} MB")
    t0 = time.perf_counter()
    bare_image = _bare(records, qr_as_image=True)
    base_image = time.perf_counter() - t0
    _log(
        f"bare reportlab, QR as an image: {args.count} inserts in {base_image:.2f} s, "
        f"{len(bare_image) / 1e6:.1f} MB"
    )
    for document in (pdf, bare, bare_image):
        _check(document, records)

    # the faster of the two bare loops is the baseline
    value, baseline = args.count / real, args.count / min(base, base_image)
    print(
        json.dumps(
            {
                "bench": "print",
                "value": round(value, 1),
                "baseline": round(baseline, 1),
                "unit": "inserts/s",
                "ratio": round(value / baseline, 3),
                "goal": GOAL,
                "better": "higher",
            }
        )
    )


if __name__ == "__main__":
    main()
