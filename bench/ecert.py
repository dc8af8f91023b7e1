"""Bench: complete e-certificate bundles per second on one core (issue 5; R2.1, R2.6).

    .venv/bin/python bench/ecert.py [--count 200] [--profile out.prof]

No database. ``--count`` distinct certificates (different numbers and names, so the font subsets
differ), one issuer key, one photo. Back to back in this process, pinned to one CPU:

(a) the work: per certificate a complete bundle — canonical record and its SM2 signature, the signed QR
    payload, the layout, the PDF (reportlab, embedded font subset, attachments) and the sealed OFD
    (GB/T 33190 package, font subset, SM3 CheckValues, GB/T 38540 SES signature, ZIP): bundles/s;
(b) the baseline: the bare library calls for the same content — three gmalglib SM2 signatures (record,
    QR payload, OFD seal), segno making the QR code, a bare reportlab canvas drawing the same text,
    boxes, QR modules and images with the same embedded font, and zipfile writing the same OFD files
    (prepared beforehand): bundles/s.

The last line printed is one JSON object:
{"bench": "ecert", "value": v, "baseline": b, "unit": "bundles/s", "ratio": v/b, "goal": 0.6,
 "better": "higher"}
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import sys
import time
import zipfile
from typing import Any

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")

GOAL = 0.6
NAME_CHARS = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
SIGNED_AT = datetime.datetime(2025, 6, 30, 8, 0, tzinfo=datetime.UTC)
BASE_URL = "HTTPS://VERIFY.SKILLCERT.EXAMPLE/Q/"


def _log(message: str) -> None:
    print(message, flush=True)


def _sources(count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        name = NAME_CHARS[i % len(NAME_CHARS)] + NAME_CHARS[(i * 7 + 3) % len(NAME_CHARS)]
        name += NAME_CHARS[(i * 13 + 5) % len(NAME_CHARS)] if i % 3 else ""
        out.append(
            {
                "number": f"16310000005{i:05d}",
                "kind": "qualification",
                "licence_id": f"ZYZG-12100000MB0000000X-16310000005{i:05d}",
                "name": name,
                "gender": "男" if i % 2 else "女",
                "birth_date": f"19{70 + i % 30}-0{1 + i % 9}-1{i % 10}",
                "document_type": "resident_id",
                "id_number_masked": "110***********1234",
                "id_commitment": f"{i:064x}",
                "occupation_code": "6-18-01-01",
                "occupation_edition": "2022",
                "occupation": "车工",
                "work_type": "车工",
                "level": str(1 + i % 5),
                "theory": f"{60 + i % 40}.0",
                "practical": f"{60 + (i * 3) % 40}.5",
                "evaluation": "合格",
                "issued_on": "2025-06-30",
                "issuing_authority": "江苏省职业技能鉴定中心",
                "issuing_authority_uscc": "12320000MB0000000X",
            }
        )
    return out


def _photo(i: int) -> bytes:
    """A distinct ID-photo-sized JPEG per certificate (as in reality: no two photos alike)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 420), (120 + i % 100, 150, 200 - i % 90))
    ImageDraw.Draw(image).ellipse((60 + i % 20, 60, 240, 300), fill=(230, 200, 180))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _bundle(source: dict[str, Any], photo: bytes, keys: Any, signer: Any) -> tuple[bytes, bytes]:
    from skillcert.esign import canonical, ecert_layout, ecert_ofd, ecert_pdf, qr, sm2

    key_id = signer.key_id
    record = canonical.canonical_record(source)
    signature = sm2.sign(keys.private_key, canonical.signed_message(record))
    qr_text = qr.make_payload(record, key_id, keys.private_key, BASE_URL)
    layout = ecert_layout.build_layout(
        record, photo_jpeg=photo, qr_text=qr_text, signature=signature, key_id=key_id
    )
    pdf = ecert_pdf.render_layout_pdf(layout)
    ofd = ecert_ofd.render_layout_ofd(layout, signer=signer, signed_at=SIGNED_AT)
    return pdf, ofd


def _measure_work(
    sources: list[dict[str, Any]], photos: list[bytes], keys: Any, signer: Any
) -> tuple[int, float]:
    started = time.perf_counter()
    for source, photo in zip(sources, photos, strict=True):
        _bundle(source, photo, keys, signer)
    return len(sources), time.perf_counter() - started


def _prepare_baseline(
    sources: list[dict[str, Any]], photos: list[bytes], keys: Any, signer: Any
) -> list[dict[str, Any]]:
    """What the bare calls need, computed outside the timing: the layout items, the QR text, the
    messages to sign and the OFD files."""
    from skillcert.esign import canonical, ecert_layout, ecert_ofd, qr, sm2
    from skillcert.esign.ofd import writer

    prepared = []
    for source, photo in zip(sources, photos, strict=True):
        record = canonical.canonical_record(source)
        message = canonical.signed_message(record)
        signature = sm2.sign(keys.private_key, message)
        qr_text = qr.make_payload(record, signer.key_id, keys.private_key, BASE_URL)
        layout = ecert_layout.build_layout(
            record, photo_jpeg=photo, qr_text=qr_text, signature=signature, key_id=signer.key_id
        )
        files = writer.read_package(ecert_ofd.render_layout_ofd(layout, signer=signer, signed_at=SIGNED_AT))
        prepared.append({"message": message, "qr_text": qr_text, "layout": layout, "files": files})
    return prepared


def _bare_one(item: dict[str, Any], keys: Any) -> None:
    import segno
    from gmalglib.sm2 import SM2
    from reportlab.lib.colors import HexColor
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from skillcert.core.pdf import FONT_NAME
    from skillcert.esign.ecert_layout import Box, Picture, QRCode, Text

    signer = SM2(sk=keys.private_key, uid=b"1234567812345678")
    for _ in range(3):  # record, QR payload, OFD seal
        signer.sign(item["message"])
    code = segno.make_qr(item["qr_text"], error="m", boost_error=False)
    matrix = list(code.matrix)
    layout = item["layout"]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(layout.width, layout.height), invariant=1, pageCompression=1)
    for it in layout.items:
        if isinstance(it, Text):
            c.setFillColor(HexColor(it.colour))
            c.setFont(FONT_NAME, it.size)
            c.drawString(it.x, it.y, it.text)
        elif isinstance(it, Box):
            if it.stroke:
                c.setStrokeColor(HexColor(it.stroke))
                c.setLineWidth(it.line_width)
            c.rect(it.x, it.y, it.w, it.h, stroke=int(bool(it.stroke)), fill=int(bool(it.fill)))
        elif isinstance(it, QRCode):
            n = len(matrix)
            module = it.size / (n + 8)
            p = c.beginPath()
            for row, bits in enumerate(matrix):
                for col, bit in enumerate(bits):
                    if bit:
                        p.rect(it.x + (4 + col) * module, it.y + it.size - (5 + row) * module, module, module)
            c.drawPath(p, stroke=0, fill=1)
        elif isinstance(it, Picture):
            c.drawImage(ImageReader(io.BytesIO(it.data)), it.x, it.y, it.w, it.h, mask="auto")
    c.showPage()
    c.save()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in item["files"].items():
            stored = name.endswith((".jpg", ".png", ".dat"))
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)),
                data,
                compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                compresslevel=None if stored else 6,
            )


def _measure_baseline(prepared: list[dict[str, Any]], keys: Any) -> tuple[int, float]:
    started = time.perf_counter()
    for item in prepared:
        _bare_one(item, keys)
    return len(prepared), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--profile", default="", help="write a cProfile of (a) to this file")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    import django

    django.setup()
    from skillcert.core.pdf import register_fonts
    from skillcert.esign import sm2
    from skillcert.esign.ofd.signing import Signer

    register_fonts()
    keys = sm2.generate_keypair()
    signer = Signer(sm2.key_id(keys.public_key), keys.public_key, lambda m: sm2.sign(keys.private_key, m))
    sources = _sources(args.count)
    photos = [_photo(i) for i in range(args.count)]
    _log(f"warm-up (fonts, seal picture, seal) and baseline preparation for {args.count} certificates")
    pdf, ofd = _bundle(_sources(1)[0], _photo(10_000), keys, signer)
    _log(f"  one bundle: PDF {len(pdf):,} bytes, OFD {len(ofd):,} bytes")
    prepared = _prepare_baseline(sources, photos, keys, signer)

    _log("(a) complete bundles: record + signature, QR payload, layout, PDF, sealed OFD")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        done, work_s = profiler.runcall(_measure_work, sources, photos, keys, signer)
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    else:
        done, work_s = _measure_work(sources, photos, keys, signer)
    value = done / work_s
    _log(f"  {done} bundles in {work_s:.3f}s: {value:,.1f} bundles/s")

    _log("(b) baseline: bare gmalglib ×3, segno, reportlab canvas, zipfile for the same content")
    done_b, base_s = _measure_baseline(prepared, keys)
    baseline = done_b / base_s
    _log(f"  {done_b} in {base_s:.3f}s: {baseline:,.1f} bundles/s")

    ratio = value / baseline
    _log(f"ratio {ratio:.3f} (goal ≥ {GOAL})")
    print(
        json.dumps(
            {
                "bench": "ecert",
                "value": round(value, 2),
                "baseline": round(baseline, 2),
                "unit": "bundles/s",
                "ratio": round(ratio, 4),
                "goal": GOAL,
                "better": "higher",
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
