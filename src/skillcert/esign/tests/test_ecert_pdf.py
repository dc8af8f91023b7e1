"""The e-certificate PDF (issue 5 item 4; R2.1, R2.5, R2.9, R2.10). No database."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from skillcert.esign import canonical, ecert_pdf, qr, sm2
from skillcert.esign.seal import seal_png

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "var" / "screenshots" / "ecert"
BASE_URL = "https://VERIFY.EXAMPLE.CN/Q/"

SOURCE: dict[str, Any] = {
    "number": "1631000000500001",
    "kind": "qualification",
    "licence_id": "ZYZG-12100000MB0000000X-1631000000500001",
    "name": "吉𠮷祥",
    "gender": "男",
    "birth_date": "1990-01-02",
    "education": "大学本科",
    "document_type": "resident_id",
    "id_number_masked": "110***********1234",
    "id_number": "11010519491231002X",
    "id_salt": bytes(range(16)),
    "occupation_code": "6-18-01-01",
    "occupation_edition": "2022",
    "occupation": "车工",
    "work_type": "车工",
    "level": 5,
    "level_name": "五级/初级工",
    "theory": "85",
    "practical": 72.5,
    "evaluation": "合格",
    "issued_on": "2025-06-30",
    "issuing_authority": "北京市职业技能鉴定指导中心",
    "issuing_authority_uscc": "12110000MB0000000X",
    "self_evaluated": True,
    "scope_of_use": "限本企业内部使用",
}

KEYS = sm2.generate_keypair()
KEY_ID = sm2.key_id(KEYS.public_key)


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 420), (120, 150, 200)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def _render(**changes: Any) -> tuple[bytes, dict[str, Any], str]:
    record = canonical.canonical_record({**SOURCE, **changes})
    signature = canonical.sign_record(record, KEYS.private_key)
    qr_text = qr.make_payload(record, KEY_ID, KEYS.private_key, BASE_URL)
    pdf = ecert_pdf.render_ecertificate(
        record, photo_jpeg=_photo(), qr_text=qr_text, signature=signature, key_id=KEY_ID
    )
    return pdf, record, qr_text


@pytest.fixture(scope="module")
def level5() -> tuple[bytes, dict[str, Any], str]:
    return _render()


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _png(pdf: bytes, dpi: int = 200) -> Image.Image:
    out = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    return Image.open(io.BytesIO(out)).convert("RGB")


def _pages(pdf: bytes) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    return pages, size


def test_text_content(level5: tuple[bytes, dict[str, Any], str]) -> None:
    """R2.5: certificate name, number, holder identity, what was passed, issuer, annotations."""
    text = _text(level5[0])
    for needle in (
        "职业资格证书",
        "1631000000500001",
        "吉𠮷祥",
        "110***********1234",
        "五级/初级工",
        "2025-06-30",
        "北京市职业技能鉴定指导中心",
        "车工",
        "6-18-01-01",
        "理论知识 85.0",
        "操作技能 72.5",
        "合格",
        "自主评审",
        "限本企业内部使用",
        "Certificate No.",
        "Issuing authority",
    ):
        assert needle in text, needle
    assert "补发" not in text
    assert "11010519491231002X" not in text  # X7: never the full ID number


def test_one_a4_page_and_qr_decodes(level5: tuple[bytes, dict[str, Any], str]) -> None:
    pdf, _, qr_text = level5
    pages, size = _pages(pdf)
    assert pages == 1
    assert "595.276 x 841.89" in size  # A4
    image = _png(pdf, 200)
    assert image.size == (1654, 2339)
    results = zxingcpp.read_barcodes(image)
    texts = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert texts == [qr_text]
    assert qr.verify_payload(texts[0], {KEY_ID: KEYS.public_key}).state == "valid"


def test_embedded_signed_data_verifies(level5: tuple[bytes, dict[str, Any], str]) -> None:
    """R2.1: the PDF carries the original signed data, which verifies; one changed byte does not."""
    pdf, record, _ = level5
    data, signature, key_id = ecert_pdf.extract_signed_data(pdf)
    assert data == canonical.canonical_bytes(record)
    assert key_id == KEY_ID
    assert canonical.verify_record(canonical.parse_canonical(data), KEYS.public_key, signature)
    tampered = data.replace("吉𠮷祥".encode(), "吉吉祥".encode())
    assert tampered != data
    assert not canonical.verify_record(canonical.parse_canonical(tampered), KEYS.public_key, signature)
    # one flipped byte in the digits of the number
    flipped = bytearray(data)
    pos = data.index(b"1631000000500001") + 3
    flipped[pos] ^= 0x01
    assert not canonical.verify_record(canonical.parse_canonical(bytes(flipped)), KEYS.public_key, signature)
    bad_sig = bytes([signature[0] ^ 1]) + signature[1:]
    assert not canonical.verify_record(canonical.parse_canonical(data), KEYS.public_key, bad_sig)


def test_no_signed_data_is_an_error() -> None:
    with pytest.raises(ValueError):
        ecert_pdf.extract_signed_data(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF")


def _edge_colour(image: Image.Image) -> tuple[int, int, int]:
    # the broad band is drawn on the 10 mm inset (9 pt wide); sample mid-left at 200 dpi
    x = round(10 / 25.4 * 200)
    y = image.size[1] // 2
    px = image.getpixel((x, y))
    assert isinstance(px, tuple)
    return px[0], px[1], px[2]


def test_border_colour_by_level(level5: tuple[bytes, dict[str, Any], str]) -> None:
    """R2.5: 初级 red, 中级 green."""
    r, g, b = _edge_colour(_png(level5[0]))
    assert r > 150 and g < 60 and b < 80, (r, g, b)
    pdf4, _, _ = _render(level=4, level_name="四级/中级工")
    r, g, b = _edge_colour(_png(pdf4))
    assert g > 90 and r < 60 and b < 80, (r, g, b)
    assert "四级/中级工" in _text(pdf4)
    assert ecert_pdf.LEVEL_COLOURS["3"] != ecert_pdf.LEVEL_COLOURS["2"] != ecert_pdf.LEVEL_COLOURS["1"]


def test_reissue_mark() -> None:
    """R2.9: reissues are marked 补发."""
    pdf, _, _ = _render(reissue=True, reissued_on="2026-03-01")
    text = _text(pdf)
    assert "补发" in text and "REISSUED" in text and "2026-03-01" in text


def test_score_certificate_title() -> None:
    """R2.10: score reports are issued like certificates."""
    pdf, _, _ = _render(kind="score", comprehensive="78")
    text = _text(pdf)
    assert "成绩证明" in text and "职业资格证书" not in text
    # the scores as a table: subject and score on one row
    rows = {line.split()[0]: line.split()[-1] for line in text.splitlines() if line.strip()}
    assert rows["科目"] == "Score" and rows["理论知识考试"] == "85.0" and rows["操作技能考核"] == "72.5"
    assert rows["综合评审"] == "78.0" and rows["评定结果"] == "合格"


def test_missing_photo_and_extra_annotations() -> None:
    record = canonical.canonical_record({**SOURCE, "self_evaluated": False, "scope_of_use": ""})
    signature = canonical.sign_record(record, KEYS.private_key)
    pdf = ecert_pdf.render_ecertificate(
        record,
        photo_jpeg=None,
        qr_text=qr.make_payload(record, KEY_ID, KEYS.private_key, BASE_URL),
        signature=signature,
        key_id=KEY_ID,
        annotations=("自主评审", "使用范围：民营企业工程技术岗位"),
    )
    text = _text(pdf)
    assert "照片" in text and "自主评审" in text and "民营企业工程技术岗位" in text


def test_deterministic() -> None:
    record = canonical.canonical_record(SOURCE)
    signature = canonical.sign_record(record, KEYS.private_key)
    args: dict[str, Any] = {"photo_jpeg": _photo(), "qr_text": "HTTPS://X.CN/Q/ABC", "signature": signature}
    one = ecert_pdf.render_ecertificate(record, key_id=KEY_ID, **args)
    two = ecert_pdf.render_ecertificate(dict(SOURCE), key_id=KEY_ID, **args)
    assert one == two
    seal_png.cache_clear()
    assert seal_png("某某单位") == seal_png.__wrapped__("某某单位")


def test_seal_image() -> None:
    png = seal_png("北京市职业技能鉴定指导中心", 240)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGBA" and image.size == (240, 240)
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0  # transparent corner
    px = image.getpixel((120, 120 - 20))  # inside the star
    assert isinstance(px, tuple)
    assert px[3] > 200 and px[0] > 150 and px[1] < 80


def test_screenshots() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, changes in (
        ("level5", {}),
        ("level4", {"level": 4, "level_name": "四级/中级工", "self_evaluated": False}),
        ("reissue", {"level": 3, "level_name": "三级/高级工", "reissue": True, "reissued_on": "2026-03-01"}),
    ):
        pdf, _, _ = _render(**changes)
        _png(pdf, 110).save(SHOTS / f"{name}.png")
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000


def test_photo_and_seal_are_drawn(level5: tuple[bytes, dict[str, Any], str]) -> None:
    """The photo (blue test JPEG) and the red seal appear on the rendered page, not only in the file."""
    image = _png(level5[0], 100)

    def px(x_mm: float, y_mm_from_top: float) -> tuple[int, int, int]:
        p = image.getpixel((round(x_mm / 25.4 * 100), round(y_mm_from_top / 25.4 * 100)))
        assert isinstance(p, tuple)
        return p[0], p[1], p[2]

    r, g, b = px(210 - 28 - 15, 82 + 20)  # centre of the photo box
    assert b > 150 and r < 150, (r, g, b)
    seal_centre = (210 - 30 - 38, 297 - 62)
    r, g, b = px(seal_centre[0], seal_centre[1] - 2)  # the star
    assert r > 150 and g < 90, (r, g, b)
