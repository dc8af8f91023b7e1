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

The module holds the public API, the inspection that drives the measuring and the optional face check;
the requirements and `PhotoFacts` are in `photo_spec`, the measuring helpers in `photo_measure`, the
judging in `photo_judge` and the chip photo in `card_photo` (its names are re-exported here).

This module imports nothing from Django, so it can be used (and tested) without settings or a database.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import threading
from typing import Any

import numpy as np
from PIL import Image

from skillcert.core.errors import FieldError, ValidationFailed
from skillcert.people.card_photo import (  # noqa: F401  (re-exported)
    CARD_JPEG_QUALITY,
    CARD_PHOTO_SIZE,
    MAX_CARD_PHOTO_BYTES,
    WLT_BYTES,
    card_reader_photo,
)
from skillcert.people.photo_judge import _judge
from skillcert.people.photo_measure import (
    _IMAGE_NAMES,
    _OPEN_FORMATS,
    _available,
    _background,
    _read_dpi,
    _read_orientation,
    _sniff,
    _to_rgb,
    _too_many_pixels,
    _unreadable_facts,
)
from skillcert.people.photo_spec import (  # noqa: F401  (re-exported)
    ACCEPTED_BACKGROUNDS,
    BACKGROUND_MIN_SHARE,
    BAND_SIDE,
    BAND_SIDE_BOTTOM,
    BAND_TOP,
    COLOUR_MIN_CHROMA,
    COLOUR_MIN_SHARE,
    DPI_TOLERANCE,
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    REQUIRED_DPI,
    REQUIRED_FORMAT,
    REQUIRED_SIZE,
    Background,
    PhotoFacts,
    _Inspection,
)

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


# --- measuring ------------------------------------------------------------------------------------------


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
