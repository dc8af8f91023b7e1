"""Test helpers: real certificates with photos through issuance, stock through the ledger, and PDF
inspection with poppler (pdftoppm / pdftotext -bbox)."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from skillcert.appraisal.models import Enrolment
from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.people.services import store_photo
from skillcert.publication.testing import publish

_offset = [0]


def photo_jpeg(seed: int = 0) -> bytes:
    """A 358 × 441 colour ID-style photo (blue background, a face), different per seed."""
    im = Image.new("RGB", (358, 441), (60 + seed % 40, 130, 215))
    d = ImageDraw.Draw(im)
    d.ellipse((110, 90, 250, 260), fill=(236, 200, 170))
    d.ellipse((105, 70, 255, 160), fill=(30 + seed % 50, 30, 30))
    d.rectangle((80, 300, 280, 441), fill=(40, 40, 60 + seed % 100))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88, dpi=(350, 350))
    return out.getvalue()


def issue_with_photos(
    demo: dict[str, Any], n: int, station: str = "ST-10012003", *, published: bool = False
) -> list[Certificate]:
    """`n` real level-4 certificates issued at a station, each person with a stored colour photo;
    `published` runs them through the real publication chain so the public lookup answers (R3.8)."""
    _offset[0] += n
    session = finished_session(
        demo, station, "nj003", "nj_admin", TURNER, passed=n, first_id=_offset[0] * 11 + 3000
    )
    for i, e in enumerate(Enrolment.objects.filter(session=session).select_related("person").order_by("pk")):
        photo = store_photo(photo_jpeg(i), source="card_reader")
        e.person.photo = photo
        e.person.save(update_fields=["photo"])
    issued = issue_certificates(session, actor=demo["users"]["nj_admin"])
    if published:
        publish(*issued)
    return list(Certificate.objects.filter(pk__in=[c.pk for c in issued]).order_by("number"))


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x0: float  # points from the top-left
    y0: float
    x1: float
    y1: float


def pdf_words(pdf: bytes) -> list[Word]:
    """Every word pdftotext finds, with its box (points, origin top-left), per page (1-based)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(pdf)
        html = subprocess.run(
            ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    words: list[Word] = []
    page = 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line
        )
        if m:
            import html as html_module

            words.append(
                Word(html_module.unescape(m.group(5)), page, *(float(m.group(i)) for i in range(1, 5)))
            )
    return words


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout


def pdf_pages_png(pdf: bytes, dpi: int = 100) -> list[Image.Image]:
    """Each page rendered by pdftoppm at `dpi`, as RGB images."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), f"{tmp}/p"], check=True)
        files = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        return [Image.open(f).convert("RGB") for f in files]


def decode_qr(image: Image.Image) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]
