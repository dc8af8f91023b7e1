"""The R0.3 upload requirements for a candidate's e-photo and the record of what was measured.

The required format, size and resolution, the size limits, and the thresholds of the colour and
background checks (each explained in the `photos` module docstring), with `PhotoFacts` (what was measured
in one photo) and the internal `_Inspection`. No Django; `photos` re-exports the public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
