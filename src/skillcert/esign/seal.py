"""The seal image printed on e-certificates (issue 5 item 4; R2.3, R2.5).

An official-style round red seal: a red ring, a five-pointed star in the centre, the issuing
authority's name along the upper arc and a horizontal line ("电子证照专用章") under the star. Drawn
with Pillow in the project font (``core/fonts/LXGWWenKai-Regular.ttf``) on a transparent background.

The picture is only the visible mark; the legal effect lies in the SM2 signature over the certificate
data (R2.1), which the e-certificate carries alongside. The output is deterministic: the same
arguments give the same PNG bytes (no timestamps or text chunks are written).
"""

from __future__ import annotations

import functools
import io
import math

from PIL import Image, ImageDraw, ImageFont

from skillcert.core.pdf import FONT_FILE

SEAL_RED = (214, 32, 38, 255)
DEFAULT_LEGEND = "电子证照专用章"
_SUPERSAMPLE = 2  # drawn at twice the size and scaled down, for smooth edges


def _star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _glyph(ch: str, font: ImageFont.FreeTypeFont, box: int) -> Image.Image:
    """One character centred on a transparent square `box` pixels wide."""
    tile = Image.new("RGBA", (box, box), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((box / 2, box / 2), ch, font=font, fill=SEAL_RED, anchor="mm")
    return tile


@functools.lru_cache(maxsize=64)
def seal_png(authority_name: str, size_px: int = 480, legend: str = DEFAULT_LEGEND) -> bytes:
    """A round red seal of `authority_name`, `size_px` square, as RGBA PNG bytes (deterministic)."""
    if size_px < 64:
        raise ValueError("seal size must be at least 64 px")
    s = size_px * _SUPERSAMPLE
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c = s / 2
    ring = s * 0.035
    draw.ellipse((ring / 2, ring / 2, s - ring / 2, s - ring / 2), outline=SEAL_RED, width=round(ring))

    # the star
    draw.polygon(_star_points(c, c, s * 0.15), fill=SEAL_RED)

    # the authority's name along the upper arc, each character upright, its foot towards the centre
    name = authority_name.strip() or "—"
    n = len(name)
    span = min(215.0, max(100.0, n * 20.0))  # degrees of arc covered by the name
    step = span / max(n - 1, 1)
    # as large as fits: at most 0.12 of the seal, and no wider than the arc between two characters
    char_px = min(s * 0.12, 2 * math.pi * (s * 0.36) * step / 360 * 0.92)
    font = ImageFont.truetype(str(FONT_FILE), round(char_px))
    text_radius = s / 2 - ring - char_px * 0.68
    box = round(char_px * 1.5)
    for i, ch in enumerate(name):
        theta = -span / 2 + step * i if n > 1 else 0.0  # degrees clockwise from the top
        glyph = _glyph(ch, font, box).rotate(-theta, resample=Image.Resampling.BICUBIC)
        x = c + text_radius * math.sin(math.radians(theta))
        y = c - text_radius * math.cos(math.radians(theta))
        img.alpha_composite(glyph, (round(x - box / 2), round(y - box / 2)))

    # the legend under the star
    if legend:
        legend_px = min(s * 0.08, s * 0.46 / max(len(legend), 1))
        legend_font = ImageFont.truetype(str(FONT_FILE), round(legend_px))
        draw.text((c, c + s * 0.235), legend, font=legend_font, fill=SEAL_RED, anchor="mm")

    img = img.resize((size_px, size_px), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
