"""The ID-card reader's chip photo: the bridge's base64 102 × 126 JPEG or BMP, checked and re-encoded as JPEG.

R0.3 ranks the second-generation ID-card reader first among the photo sources, so this photo is exempt
from the upload spec (`photos.check_photo`); `card_reader_photo` only checks that it is a readable image of
the chip's size. No Django; `photos` re-exports `card_reader_photo` and `CARD_PHOTO_SIZE`.
"""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image

from skillcert.core.errors import FieldError, ValidationFailed
from skillcert.people.photo_measure import _available

CARD_PHOTO_SIZE = (102, 126)
CARD_JPEG_QUALITY = 95
MAX_CARD_PHOTO_BYTES = 512 * 1024  # a 24-bit 102×126 BMP is 38,862 bytes
WLT_BYTES = 1024  # the chip's raw, still-encoded photo

_CARD_FORMATS = ("JPEG", "BMP", "PNG")


def card_reader_photo(data_b64: str, *, record: str | None = None, field: str = "photo") -> bytes:
    """Decode the ID-card reader bridge's chip photo (base64 of a 102×126 JPEG or BMP) and return it as a
    102×126 JPEG (quality 95, no chroma subsampling). Raises `ValidationFailed` with
    `people.photo.card_unreadable` (bad base64, not an image, damaged) or `people.photo.card_size`."""

    def fail(code: str, zh: str, en: str) -> ValidationFailed:
        return ValidationFailed.of([FieldError(field, code, zh, en, record)], record)

    unreadable = "people.photo.card_unreadable"
    text = (data_b64 or "").strip()
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]  # a data URL: data:image/bmp;base64,...
    text = "".join(text.split())  # bridges may wrap base64 in lines
    if not text:
        raise fail(unreadable, "身份证照片数据为空", "The ID-card photo data is empty")
    if len(text) > MAX_CARD_PHOTO_BYTES * 4 // 3 + 4:
        raise fail(
            unreadable,
            f"身份证照片数据过大（{len(text):,} 个字符），不是读卡器返回的芯片照片",
            f"The ID-card photo data is too large ({len(text):,} characters) to be a chip photo",
        )
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise fail(
            unreadable, "身份证照片数据不是有效的 Base64 编码", "The ID-card photo data is not valid base64"
        ) from exc

    size: tuple[int, int] | None = None
    try:
        with Image.open(io.BytesIO(raw), formats=_available(_CARD_FORMATS)) as im:
            size = im.size
            if size == CARD_PHOTO_SIZE:  # checked before decoding: no decompression bomb gets this far
                im.load()
                rgb = im.convert("RGB")
    except Exception as exc:
        if len(raw) == WLT_BYTES:
            zh = "身份证照片是未解码的 WLT 数据（1024 字节），应由读卡器程序解码为 BMP 或 JPEG"
            en = (
                "The ID-card photo is undecoded WLT data (1024 bytes); "
                "the reader bridge must decode it to BMP or JPEG"
            )
        elif size is not None:
            zh = f"身份证照片已损坏或不完整（{size[0]}×{size[1]} 像素，{len(raw):,} 字节）"
            en = f"The ID-card photo is damaged or incomplete ({size[0]}×{size[1]} px, {len(raw):,} bytes)"
        else:
            zh = f"身份证照片不是可读取的 JPEG 或 BMP 图片（{len(raw):,} 字节）"
            en = f"The ID-card photo is not a readable JPEG or BMP image ({len(raw):,} bytes)"
        raise fail(unreadable, zh, en) from exc
    if size != CARD_PHOTO_SIZE:
        w, h = size
        cw, ch = CARD_PHOTO_SIZE
        raise fail(
            "people.photo.card_size",
            f"身份证照片尺寸为 {w}×{h} 像素，应为 {cw}×{ch} 像素（宽×高）",
            f"The ID-card photo is {w}×{h} px; it must be {cw}×{ch} px (width × height)",
        )
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=CARD_JPEG_QUALITY, subsampling=0)
    return out.getvalue()
