"""Candidate photos: the e-photo upload check (R0.3) and the ID-card reader's chip photo.

R0.3 ranks the photo sources: the second-generation ID-card reader first, then an uploaded e-photo, then a
live capture at the station. An uploaded e-photo must be

* a JPEG file (a JPEG that Pillow reports as MPO - phone photos with a multi-picture index - counts as JPEG),
* 358 × 441 px (width × height),
* 350 dpi, i.e. printed 26 mm wide × 32 mm high (the requirement writes "32 mm × 26 mm"),
* in colour, on a blue or red background, frontal and bareheaded.

`check_photo` measures all of this and raises one `ValidationFailed` that lists *every* failure, each a
`FieldError` with a stable code and a Chinese and an English message naming the measured value and the
required one (X6). The failures always come in this order:

    people.photo.too_large      file over 2 MB, or over 4 megapixels (a decompression bomb) - alone
    people.photo.unreadable     not an image, or a damaged / truncated one - alone
    people.photo.format         not JPEG (names the format found, e.g. PNG)
    people.photo.size           not 358×441 px
    people.photo.orientation    an EXIF orientation tag asks viewers to rotate or mirror the picture
    people.photo.dpi            resolution metadata missing, or not 350 dpi
    people.photo.greyscale      a black-and-white picture
    people.photo.background     background white or another colour, or not uniform
    people.photo.face           (only with face_check=True) no face or several faces

Thresholds (all measured on the decoded pixels, as stored; EXIF rotation is not applied because the PDF
renderer does not apply it either - hence the orientation check):

* Size limits, checked before anything is decoded: at most `MAX_PHOTO_BYTES` (2 MiB) of raw bytes and at
  most `MAX_PHOTO_PIXELS` (4 megapixels; the spec photo has 0.16) as declared in the header. The pixel
  limit is enforced here rather than by lowering Pillow's process-wide `Image.MAX_IMAGE_PIXELS`, which
  would also break the PDF renderer and every other Pillow user in the process; Pillow's own
  `DecompressionBombError` / `DecompressionBombWarning` (if warnings are errors) map to too_large too.
* DPI: both axes within 350 ± 1 (138 dots/cm, the nearest whole metric density, is 350.5 dpi). The JFIF
  density is used when its unit is dots per inch or per cm; otherwise the EXIF X/YResolution. A JFIF
  header with unit 0 (aspect ratio only) and no EXIF resolution means "missing" - Pillow would report
  72 dpi for some of these files, which is not what the file says.
* Colour: a pixel is coloured when max(R,G,B) − min(R,G,B) ≥ `COLOUR_MIN_CHROMA` (24 of 255; JPEG
  chroma noise in a grey picture stays below 5). The photo is colour when ≥ `COLOUR_MIN_SHARE` (2 %) of
  its pixels are coloured, so a grey picture saved as RGB is caught too.
* Background: the border band where an ID photo shows only background, above the shoulders - the top
  `BAND_TOP` (6 %) of the rows across the full width, and the outer `BAND_SIDE` (8 %) of the columns on
  the left and right from there down to `BAND_SIDE_BOTTOM` (45 %) of the height. Each band pixel is
  classified in HSV (H in degrees, S and V in 0…1):

      white   V ≥ 0.80 and S ≤ 0.15
      blue    185° ≤ H ≤ 250°, S ≥ 0.30, V ≥ 0.30   (ID-photo blue RGB(67,142,219) is H 210°, S 0.69, V 0.86)
      red     H ≥ 340° or H ≤ 15°, S ≥ 0.45, V ≥ 0.35   (RGB(255,0,0) is H 0°; RGB(220,30,50) is H 354°)
      other   anything else

  The background is the class of the most frequent pixels if they make up ≥ `BACKGROUND_MIN_SHARE` (80 %)
  of the band, otherwise "other" (not uniform). Blue and red pass. `background_rgb` is the band's mean.
* Faces (optional): OpenCV's Haar cascade `haarcascade_frontalface_default.xml` on the histogram-equalised
  grey picture, scale factor 1.1, 5 neighbours, faces at least a fifth of the shorter side. Exactly one
  face passes. OpenCV (`opencv-python-headless` 4.x; OpenCV 5 dropped the cascades) is not a dependency:
  when it cannot be imported, or ships no cascade, the check is skipped - `PhotoFacts.faces` is None and
  no error is raised - so a caller that asked for `face_check=True` sees `faces is None` and knows the face
  was not checked (`face_check_available()` tells in advance). "Bareheaded" is not checked automatically.

`card_reader_photo` takes the reader bridge's base64 chip photo (102 × 126, JPEG or BMP - the bridge decodes
the chip's WLT data), checks it and re-encodes it as JPEG; R0.3 ranks the card reader first, so this photo
is exempt from the upload spec.

This module imports nothing from Django, so it can be used (and tested) without settings or a database.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import io
import logging
import threading
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from PIL import Image

from skillcert.core.errors import FieldError, ValidationFailed

__all__ = [
    "CARD_PHOTO_SIZE",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS",
    "REQUIRED_DPI",
    "REQUIRED_SIZE",
    "Background",
    "PhotoFacts",
    "card_reader_photo",
    "check_photo",
    "face_check_available",
    "inspect_photo",
]

logger = logging.getLogger(__name__)

Background = Literal["blue", "red", "white", "other"]

REQUIRED_FORMAT = "JPEG"
REQUIRED_SIZE = (358, 441)  # width, height in px
REQUIRED_DPI = 350
DPI_TOLERANCE = 1.0
ACCEPTED_BACKGROUNDS: frozenset[str] = frozenset({"blue", "red"})

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_PIXELS = 4_000_000

COLOUR_MIN_CHROMA = 24
COLOUR_MIN_SHARE = 0.02

BAND_TOP = 0.06
BAND_SIDE = 0.08
BAND_SIDE_BOTTOM = 0.45
BACKGROUND_MIN_SHARE = 0.80

CARD_PHOTO_SIZE = (102, 126)
CARD_JPEG_QUALITY = 95
MAX_CARD_PHOTO_BYTES = 512 * 1024  # a 24-bit 102×126 BMP is 38,862 bytes
WLT_BYTES = 1024  # the chip's raw, still-encoded photo

# Formats Pillow may try when identifying an upload: enough to name what people upload instead of a JPEG,
# without exposing the rarer decoders (EPS would even start Ghostscript).
_OPEN_FORMATS = ("JPEG", "PNG", "BMP", "GIF", "TIFF", "WEBP", "AVIF")
_CARD_FORMATS = ("JPEG", "BMP", "PNG")

_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_IMAGE_NAMES = frozenset(name for _, name in _IMAGE_MAGIC)
_BACKGROUND_ZH = {"blue": "蓝色", "red": "红色", "white": "白色", "other": "其他颜色"}
_CLASSES: tuple[Background, ...] = ("blue", "red", "white", "other")

_ORIENTATION_TAG = 0x0112
_RESOLUTION_UNIT_TAG = 0x0128
_X_RESOLUTION_TAG = 0x011A
_Y_RESOLUTION_TAG = 0x011B


@dataclass(frozen=True)
class PhotoFacts:
    """What was measured in one photo.

    `readable` is False when the pixels could not be decoded (not an image, damaged, too large); then
    `background`, `background_rgb`, `background_share` and `colour` are placeholders ("other", (0, 0, 0),
    0.0, False), and `format` / `width` / `height` / `mode` hold whatever the header gave (None / 0 / "").
    `faces` is None unless a face check ran (face_check=True and OpenCV available).
    """

    format: str | None
    width: int
    height: int
    dpi: tuple[float, float] | None
    mode: str
    background: Background
    background_rgb: tuple[int, int, int]
    colour: bool
    sha256: str
    faces: int | None
    readable: bool = True
    background_share: float = 0.0  # share of the border band in the dominant colour class, 0…1


@dataclass
class _Inspection:
    facts: PhotoFacts
    fatal: tuple[str, str, str] | None = None  # (code, zh, en) when nothing further could be measured
    colour_share: float = 0.0
    background_class: Background = "other"  # the dominant class, even when it is under 80 %
    orientation: int | None = None


# --- public API -----------------------------------------------------------------------------------------


def inspect_photo(data: bytes, *, face_check: bool = False) -> PhotoFacts:
    """Measure a photo without judging it. Never raises on bad input: garbage gives `readable=False`."""
    return _inspect(bytes(data), face_check=face_check).facts


def check_photo(
    data: bytes, *, field: str = "photo", record: str | None = None, face_check: bool = False
) -> PhotoFacts:
    """Check an uploaded e-photo against R0.3; return its facts, or raise `ValidationFailed` listing every
    failure (X6) in the order given in the module docstring."""
    inspection = _inspect(bytes(data), face_check=face_check)
    problems = [inspection.fatal] if inspection.fatal else _judge(inspection)
    if problems:
        raise ValidationFailed.of(
            [FieldError(field, code, zh, en, record) for code, zh, en in problems], record
        )
    return inspection.facts


def face_check_available() -> bool:
    """Whether `face_check=True` will actually count faces (OpenCV with its Haar cascade is installed)."""
    return _face_cascade() is not None


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


# --- measuring ------------------------------------------------------------------------------------------


def _available(formats: tuple[str, ...]) -> list[str]:
    Image.init()
    return [f for f in formats if f in Image.OPEN]


def _unreadable_facts(
    digest: str, fmt: str | None = None, width: int = 0, height: int = 0, mode: str = ""
) -> PhotoFacts:
    return PhotoFacts(
        format=fmt,
        width=width,
        height=height,
        dpi=None,
        mode=mode,
        background="other",
        background_rgb=(0, 0, 0),
        colour=False,
        sha256=digest,
        faces=None,
        readable=False,
    )


def _too_many_pixels(width: int, height: int) -> tuple[str, str, str]:
    rw, rh = REQUIRED_SIZE
    mp = width * height / 1_000_000
    return (
        "people.photo.too_large",
        f"照片为 {width}×{height} 像素（{mp:.1f} 百万像素），超过上限 {MAX_PHOTO_PIXELS / 1e6:.0f} 百万像素，"
        f"未予解析；应为 {rw}×{rh} 像素（宽×高）",
        f"The photo is {width}×{height} px ({mp:.1f} megapixels), over the limit of "
        f"{MAX_PHOTO_PIXELS / 1e6:.0f} megapixels, and was not decoded; "
        f"it must be {rw}×{rh} px (width × height)",
    )


def _sniff(data: bytes) -> str | None:
    """Name a few common non-image or unsupported files, so "unreadable" can say what the file is."""
    for magic, name in _IMAGE_MAGIC:
        if data.startswith(magic):
            return name
    if data.startswith(b"%PDF"):
        return "PDF"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIC"
        if brand in (b"avif", b"avis"):
            return "AVIF"
        return "MP4/MOV"
    if data.startswith(b"PK\x03\x04"):
        return "ZIP/Office"
    if data.startswith((b"\xd0\xcf\x11\xe0",)):
        return "Office (doc/xls)"
    return None


def _inspect(data: bytes, *, face_check: bool) -> _Inspection:
    digest = hashlib.sha256(data).hexdigest()
    size = len(data)
    if size > MAX_PHOTO_BYTES:
        return _Inspection(
            _unreadable_facts(digest),
            fatal=(
                "people.photo.too_large",
                f"照片文件为 {size / 1024 / 1024:.1f} MB（{size:,} 字节），不得超过 "
                f"{MAX_PHOTO_BYTES // 1024 // 1024} MB（{MAX_PHOTO_BYTES:,} 字节）",
                f"The photo file is {size / 1024 / 1024:.1f} MB ({size:,} bytes); it must not exceed "
                f"{MAX_PHOTO_BYTES // 1024 // 1024} MB ({MAX_PHOTO_BYTES:,} bytes)",
            ),
        )
    if size == 0:
        return _Inspection(
            _unreadable_facts(digest),
            fatal=("people.photo.unreadable", "照片文件为空（0 字节）", "The photo file is empty (0 bytes)"),
        )
    try:
        im = Image.open(io.BytesIO(data), formats=_available(_OPEN_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        logger.info("photo rejected as a decompression bomb: %s", exc)
        return _Inspection(
            _unreadable_facts(digest),
            fatal=(
                "people.photo.too_large",
                f"照片像素数超过上限 {MAX_PHOTO_PIXELS / 1e6:.0f} 百万像素，未予解析；应为 "
                f"{REQUIRED_SIZE[0]}×{REQUIRED_SIZE[1]} 像素（宽×高）",
                f"The photo has more than {MAX_PHOTO_PIXELS / 1e6:.0f} megapixels and was not decoded; "
                f"it must be {REQUIRED_SIZE[0]}×{REQUIRED_SIZE[1]} px (width × height)",
            ),
        )
    except Exception:
        kind = _sniff(data)
        if kind in _IMAGE_NAMES:
            zh = f"文件开头是 {kind} 图片，但已损坏或不完整，无法读取（{size:,} 字节）；应为完整的 JPEG 照片"
            en = (
                f"The file starts as a {kind} image but is damaged or incomplete and cannot be read "
                f"({size:,} bytes); it must be a complete JPEG photo"
            )
        elif kind:
            zh = f"文件是 {kind} 文件，不是可读取的图片；应为 JPEG 照片"
            en = f"The file is a {kind} file, not a readable image; it must be a JPEG photo"
        else:
            zh = f"文件不是可识别的图片（{size:,} 字节）；应为 JPEG 照片"
            en = f"The file is not a recognisable image ({size:,} bytes); it must be a JPEG photo"
        return _Inspection(_unreadable_facts(digest), fatal=("people.photo.unreadable", zh, en))

    with im:
        fmt = "JPEG" if im.format == "MPO" else (im.format or "unknown")
        width, height = im.size
        mode = im.mode
        if width * height > MAX_PHOTO_PIXELS:
            return _Inspection(
                _unreadable_facts(digest, fmt, width, height, mode), fatal=_too_many_pixels(width, height)
            )
        dpi = _read_dpi(im)
        orientation = _read_orientation(im)
        try:
            im.load()
            rgb = _to_rgb(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return _Inspection(
                _unreadable_facts(digest, fmt, width, height, mode), fatal=_too_many_pixels(width, height)
            )
        except Exception as exc:
            reason = str(exc).strip() or type(exc).__name__
            return _Inspection(
                _unreadable_facts(digest, fmt, width, height, mode),
                fatal=(
                    "people.photo.unreadable",
                    f"{fmt} 图片已损坏或不完整，无法解码（文件可能被截断；{width}×{height} 像素，"
                    f"{size:,} 字节）",
                    f"The {fmt} image is damaged or incomplete (the file may be truncated; "
                    f"{width}×{height} px, {size:,} bytes): {reason}",
                ),
            )

    pixels = np.asarray(rgb, dtype=np.uint8)
    chroma = pixels.max(axis=2).astype(np.int16) - pixels.min(axis=2).astype(np.int16)
    colour_share = float(np.mean(chroma >= COLOUR_MIN_CHROMA)) if chroma.size else 0.0
    colour = colour_share >= COLOUR_MIN_SHARE and mode not in ("1", "L", "LA", "I", "I;16", "F")
    background, dominant, share, mean_rgb = _background(pixels)
    faces = _count_faces(pixels) if face_check else None
    facts = PhotoFacts(
        format=fmt,
        width=width,
        height=height,
        dpi=dpi,
        mode=mode,
        background=background,
        background_rgb=mean_rgb,
        colour=colour,
        sha256=digest,
        faces=faces,
        readable=True,
        background_share=round(share, 4),
    )
    return _Inspection(facts, colour_share=colour_share, background_class=dominant, orientation=orientation)


def _to_rgb(im: Image.Image) -> Image.Image:
    """RGB pixels; transparent parts are laid on white (only non-JPEG files have any)."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(base, rgba).convert("RGB")
    return im.convert("RGB")


def _positive_pair(x: Any, y: Any) -> tuple[float, float] | None:
    try:
        fx, fy = float(x), float(y)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not (fx > 0 and fy > 0) or fx != fx or fy != fy:
        return None
    return round(fx, 2), round(fy, 2)


def _read_dpi(im: Image.Image) -> tuple[float, float] | None:
    """The resolution the file declares, or None when it declares none (see the module docstring)."""
    if im.format in ("JPEG", "MPO"):
        unit = im.info.get("jfif_unit")
        density = im.info.get("jfif_density")
        if unit in (1, 2) and density:
            factor = 1.0 if unit == 1 else 2.54
            pair = _positive_pair(density[0] * factor, density[1] * factor)
            if pair:
                return pair
        try:
            exif = im.getexif()
            if _X_RESOLUTION_TAG not in exif:
                return None
            exif_unit = exif.get(_RESOLUTION_UNIT_TAG, 2)  # TIFF default: inches
            if exif_unit not in (2, 3):
                return None
            factor = 1.0 if exif_unit == 2 else 2.54
            x = float(exif[_X_RESOLUTION_TAG]) * factor
            y = float(exif.get(_Y_RESOLUTION_TAG, exif[_X_RESOLUTION_TAG])) * factor
            return _positive_pair(x, y)
        except Exception:
            return None
    dpi = im.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2:
        return _positive_pair(dpi[0], dpi[1])
    return None


def _read_orientation(im: Image.Image) -> int | None:
    try:
        value = im.getexif().get(_ORIENTATION_TAG)
    except Exception:
        return None
    return value if isinstance(value, int) else None


def _classify(px: np.ndarray) -> np.ndarray:
    """Class index into `_CLASSES` for each pixel of an (N, 3) uint8 array (rules in the module docstring)."""
    f = px.astype(np.float32)
    r, g, b = f[:, 0], f[:, 1], f[:, 2]
    mx = f.max(axis=1)
    mn = f.min(axis=1)
    delta = mx - mn
    v = mx / 255.0
    s = np.where(mx > 0, delta / np.maximum(mx, 1.0), 0.0)
    d = np.where(delta == 0, 1.0, delta)
    hue = (
        np.where(mx == r, ((g - b) / d) % 6.0, np.where(mx == g, (b - r) / d + 2.0, (r - g) / d + 4.0)) * 60.0
    )
    white = (v >= 0.80) & (s <= 0.15)
    blue = ~white & (hue >= 185.0) & (hue <= 250.0) & (s >= 0.30) & (v >= 0.30)
    red = ~white & ((hue >= 340.0) | (hue <= 15.0)) & (s >= 0.45) & (v >= 0.35)
    out = np.full(px.shape[0], 3, dtype=np.int8)
    out[blue] = 0
    out[red] = 1
    out[white] = 2
    return out


def _border_band(pixels: np.ndarray) -> np.ndarray:
    """The (N, 3) pixels of the top band and the upper side bands."""
    h, w = pixels.shape[:2]
    top = max(1, round(h * BAND_TOP))
    side = max(1, round(w * BAND_SIDE))
    bottom = max(top, round(h * BAND_SIDE_BOTTOM))
    parts = [pixels[:top, :, :].reshape(-1, 3)]
    if bottom > top and w > 2 * side:
        parts.append(pixels[top:bottom, :side, :].reshape(-1, 3))
        parts.append(pixels[top:bottom, w - side :, :].reshape(-1, 3))
    return np.concatenate(parts)


def _background(pixels: np.ndarray) -> tuple[Background, Background, float, tuple[int, int, int]]:
    """(background, dominant class, its share of the band, mean RGB of the band)."""
    band = _border_band(pixels)
    if band.size == 0:
        return "other", "other", 0.0, (0, 0, 0)
    counts = np.bincount(_classify(band), minlength=len(_CLASSES))
    best = int(np.argmax(counts))
    share = float(counts[best]) / float(band.shape[0])
    mean = band.mean(axis=0)
    mean_rgb = (round(float(mean[0])), round(float(mean[1])), round(float(mean[2])))
    dominant = _CLASSES[best]
    return (dominant if share >= BACKGROUND_MIN_SHARE else "other"), dominant, share, mean_rgb


# --- faces (optional OpenCV) ----------------------------------------------------------------------------

_FACE_LOCK = threading.Lock()  # a CascadeClassifier is not safe to share between threads


@functools.lru_cache(maxsize=1)
def _face_cascade() -> Any:
    """OpenCV's frontal-face Haar cascade, or None when OpenCV or the cascade file is not installed."""
    try:
        import cv2

        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            logger.warning("OpenCV has no frontal-face cascade at %s; photo face check skipped", path)
            return None
        return cascade
    except Exception as exc:  # ImportError, or an OpenCV without cv2.data (5.x)
        logger.info("photo face check unavailable: %s", exc)
        return None


def _count_faces(pixels: np.ndarray) -> int | None:
    """Frontal faces found in an (H, W, 3) RGB array, or None when the check cannot run."""
    cascade = _face_cascade()
    if cascade is None:
        return None
    import cv2

    grey = cv2.equalizeHist(cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY))
    smallest = max(24, min(grey.shape[:2]) // 5)
    with _FACE_LOCK:
        found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest))
    return len(found)


# --- judging --------------------------------------------------------------------------------------------


def _mm(px: int, dpi: float) -> float:
    return px / dpi * 25.4


def _fmt_dpi(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _colour_name(rgb: tuple[int, int, int]) -> tuple[str, str]:
    """A rough name for a mean colour, only to make the background message concrete."""
    r, g, b = (c / 255.0 for c in rgb)
    mx, mn = max(r, g, b), min(r, g, b)
    if mx - mn < 0.12 or mx < 0.15:
        if mx < 0.2:
            return "黑色", "black"
        return ("浅灰色", "light grey") if mx >= 0.8 else ("灰色", "grey")
    d = mx - mn
    if mx == r:
        hue = 60.0 * (((g - b) / d) % 6.0)
    elif mx == g:
        hue = 60.0 * ((b - r) / d + 2.0)
    else:
        hue = 60.0 * ((r - g) / d + 4.0)
    for limit, zh, en in (
        (15, "红色", "red"),
        (45, "橙色", "orange"),
        (70, "黄色", "yellow"),
        (165, "绿色", "green"),
        (185, "青色", "cyan"),
        (250, "蓝色", "blue"),
        (290, "紫色", "purple"),
        (340, "粉红色", "pink"),
        (360, "红色", "red"),
    ):
        if hue <= limit:
            if en in ("blue", "red"):  # a blue or red that the background rules do not accept
                return ("暗" + zh, "dark " + en) if mx < 0.35 else ("浅" + zh, "pale " + en)
            return zh, en
    return "红色", "red"  # pragma: no cover


def _judge(ins: _Inspection) -> list[tuple[str, str, str]]:
    f = ins.facts
    rw, rh = REQUIRED_SIZE
    out: list[tuple[str, str, str]] = []

    if f.format != REQUIRED_FORMAT:
        out.append(
            (
                "people.photo.format",
                f"照片格式为 {f.format}，应为 JPEG（.jpg）",
                f"The photo is a {f.format} file; it must be JPEG (.jpg)",
            )
        )

    if (f.width, f.height) != REQUIRED_SIZE:
        hint_zh = hint_en = ""
        if (f.height, f.width) == REQUIRED_SIZE:
            hint_zh, hint_en = "（横竖颠倒，应为竖幅）", " (it is landscape; it must be portrait)"
        out.append(
            (
                "people.photo.size",
                f"照片尺寸为 {f.width}×{f.height} 像素，应为 {rw}×{rh} 像素（宽×高）{hint_zh}",
                f"The photo is {f.width}×{f.height} px; it must be {rw}×{rh} px (width × height){hint_en}",
            )
        )

    if ins.orientation not in (None, 1):
        out.append(
            (
                "people.photo.orientation",
                f"照片带有 EXIF 方向标记 {ins.orientation}（看图软件会旋转或翻转显示，打印时不会），"
                "应将照片转正后去掉方向标记重新保存",
                f"The photo carries EXIF orientation {ins.orientation} (viewers rotate or mirror it, "
                "printing does not); it must be saved upright without an orientation tag",
            )
        )

    req_mm_w, req_mm_h = _mm(rw, REQUIRED_DPI), _mm(rh, REQUIRED_DPI)
    required_zh = f"应为 {REQUIRED_DPI} dpi（打印尺寸 {req_mm_w:.0f}×{req_mm_h:.0f} 毫米，宽×高）"
    required_en = (
        f"it must be {REQUIRED_DPI} dpi (printed {req_mm_w:.0f} × {req_mm_h:.0f} mm, width × height)"
    )
    if f.dpi is None:
        out.append(
            (
                "people.photo.dpi",
                f"照片缺少分辨率（DPI）信息，{required_zh}",
                f"The photo has no resolution (DPI) metadata; {required_en}",
            )
        )
    elif any(abs(d - REQUIRED_DPI) > DPI_TOLERANCE for d in f.dpi):
        dx, dy = f.dpi
        shown = _fmt_dpi(dx) if _fmt_dpi(dx) == _fmt_dpi(dy) else f"{_fmt_dpi(dx)}×{_fmt_dpi(dy)}"
        mw, mh = _mm(f.width, dx), _mm(f.height, dy)
        out.append(
            (
                "people.photo.dpi",
                f"照片分辨率为 {shown} dpi（按此打印为 {mw:.1f}×{mh:.1f} 毫米），{required_zh}",
                f"The photo is {shown} dpi (printed {mw:.1f} × {mh:.1f} mm); {required_en}",
            )
        )

    if not f.colour:
        pct = ins.colour_share * 100
        out.append(
            (
                "people.photo.greyscale",
                f"照片为黑白（灰度）照片（模式 {f.mode}，彩色像素仅占 {pct:.1f}%），应为彩色照片",
                f"The photo is greyscale (mode {f.mode}, only {pct:.1f} % of pixels in colour); "
                "it must be in colour",
            )
        )

    if f.background not in ACCEPTED_BACKGROUNDS:
        r, g, b = f.background_rgb
        rgb = f"RGB({r},{g},{b})"
        if f.background == "other" and f.background_share < BACKGROUND_MIN_SHARE:
            dom = ins.background_class
            pct = f.background_share * 100
            need = BACKGROUND_MIN_SHARE * 100
            zh = (
                f"照片背景颜色不均匀（边缘区域占比最多的是{_BACKGROUND_ZH[dom]}，仅占 {pct:.0f}%，应至少 "
                f"{need:.0f}%；平均颜色 {rgb}），应为单一的蓝色或红色背景"
            )
            en = (
                f"The photo background is not uniform (the most common colour along the border, {dom}, "
                f"covers only {pct:.0f} %, at least {need:.0f} % is needed; average {rgb}); "
                "it must be plain blue or red"
            )
        elif f.background == "white":
            zh = f"照片背景为白色（边缘平均颜色 {rgb}），应为蓝色或红色"
            en = f"The photo background is white (border average {rgb}); it must be blue or red"
        else:
            name_zh, name_en = _colour_name(f.background_rgb)
            zh = f"照片背景为其他颜色（{name_zh}，边缘平均颜色 {rgb}），应为蓝色或红色"
            en = (
                f"The photo background is another colour ({name_en}, border average {rgb}); "
                "it must be blue or red"
            )
        out.append(("people.photo.background", zh, en))

    if f.faces is not None and f.faces != 1:
        if f.faces == 0:
            zh = "照片中未检测到正面人脸，应为本人免冠正面照"
            en = (
                "No frontal face was found in the photo; "
                "it must show the person's bareheaded face from the front"
            )
        else:
            zh = f"照片中检测到 {f.faces} 张人脸，应只有本人 1 张"
            en = f"The photo shows {f.faces} faces; it must show exactly 1 (the person's own)"
        out.append(("people.photo.face", zh, en))

    return out
