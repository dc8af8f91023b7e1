"""Measuring a photo: identifying the file, and reading resolution, orientation, colours and background.

Helpers of `photos._inspect`: the image formats Pillow may open, naming a file that is not a readable
image, the facts of an unreadable upload, the DPI and EXIF orientation the file declares, and the HSV
classification of the border band that decides the background colour (rules in the `photos` module
docstring). No Django, no judging: what fails R0.3 is decided in `photo_judge`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from skillcert.people.photo_spec import (
    BACKGROUND_MIN_SHARE,
    BAND_SIDE,
    BAND_SIDE_BOTTOM,
    BAND_TOP,
    MAX_PHOTO_PIXELS,
    REQUIRED_SIZE,
    Background,
    PhotoFacts,
)

# Formats Pillow may try when identifying an upload: enough to name what people upload instead of a JPEG,
# without exposing the rarer decoders (EPS would even start Ghostscript).
_OPEN_FORMATS = ("JPEG", "PNG", "BMP", "GIF", "TIFF", "WEBP", "AVIF")

_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_IMAGE_NAMES = frozenset(name for _, name in _IMAGE_MAGIC)
_CLASSES: tuple[Background, ...] = ("blue", "red", "white", "other")

_ORIENTATION_TAG = 0x0112
_RESOLUTION_UNIT_TAG = 0x0128
_X_RESOLUTION_TAG = 0x011A
_Y_RESOLUTION_TAG = 0x011B


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
