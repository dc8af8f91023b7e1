"""The pictures on an insert: the signed QR as vector modules, the holder's photo and the authority's seal.

`qr_modules` encodes the QR (zxing-cpp), `_draw_qr` draws it; `_Images` embeds each photo once (a JPEG
passed through as it is, `_JpegReader`) and each seal once as a form XObject. Used by `insert_drawing`;
`insert` re-exports `qr_modules`.
"""

from __future__ import annotations

import io

import numpy as np
import zxingcpp
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from skillcert.esign import qr
from skillcert.esign.seal import seal_png
from skillcert.printing.insert_sheet import PHOTO_MM, SEAL_LEGEND, SEAL_MM


def qr_modules(text: str) -> np.ndarray:
    """The QR symbol of `text` as a square boolean array of dark modules (no quiet zone): error
    correction level M, the smallest version that fits (≤ 10, docs/formats/qr-payload.md §6), the mask
    chosen by the ISO/IEC 18004 penalty rules. Encoded with zxing-cpp (C++): ~4 ms a code where segno,
    in pure Python, takes ~65 ms — most of a 2,000-insert job (docs/printing.md)."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=qr.QR_ERROR)
    pixels = np.asarray(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=False))
    size = pixels.shape[0]
    if pixels.shape != (size, size) or (size - 17) % 4 or not 1 <= (size - 17) // 4 <= qr.MAX_QR_VERSION:
        raise ValueError(f"QR symbol of {size} modules exceeds version {qr.MAX_QR_VERSION}")
    return pixels < 128


def _draw_qr(c: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR as vector modules (crisp at any printer resolution), 4-module quiet zone included.

    Each run of dark modules in a row is one rectangle, written in module units under a scaling
    transform, so the operators are short integers (reportlab's path objects format every float)."""
    dark = qr_modules(text)
    n = dark.shape[0]
    module = size / (n + 8)
    padded = np.zeros((n, n + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _rows, ends = np.nonzero(edges == -1)
    ops = [
        f"{a} {n - 1 - r} {b - a} 1 re"
        for r, a, b in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True)
    ]
    c.saveState()
    c.translate(x + 4 * module, y + 4 * module)
    c.scale(module, module)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()


class _JpegReader(ImageReader):
    """A JPEG photo passed through into the PDF as it is (DCTDecode, no re-encoding). reportlab names an
    image XObject by a digest of ``getRGBData()``, which would decode every photo just to hash it; the
    JPEG bytes identify the picture as well, so they stand in for the decoded pixels there. (The pixels
    are not otherwise needed: a JPEG source is embedded from its bytes.)"""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._jpeg = data
        self._dataA = None  # no alpha channel (reportlab sets this while decoding, which is skipped)
        if self.jpeg_fh() is None:
            raise ValueError("not a JPEG image")

    def getRGBData(self) -> bytes:
        return self._jpeg


class _Images:
    """Pictures of one document: each photo embedded once, the seal once as a form XObject."""

    def __init__(self, c: Canvas) -> None:
        self.c = c
        self.seals: dict[str, str] = {}

    def photo(self, jpeg: bytes, x: float, y: float) -> None:
        """The photo scaled into the photo frame (bottom-left at x, y), keeping its proportions."""
        try:
            image: ImageReader = _JpegReader(jpeg)
        except ValueError:  # not a JPEG (an old PNG upload): reportlab re-encodes it losslessly
            image = ImageReader(io.BytesIO(jpeg))
        iw, ih = image.getSize()
        w, h = PHOTO_MM[0] * mm - 1, PHOTO_MM[1] * mm - 1
        scale = min(w / iw, h / ih)
        dw, dh = iw * scale, ih * scale
        self.c.drawImage(image, x + 0.5 + (w - dw) / 2, y + 0.5 + (h - dh) / 2, dw, dh)

    def seal(self, authority: str, x: float, y: float) -> None:
        name = self.seals.get(authority)
        if name is None:
            name = f"Seal{len(self.seals)}"
            self.c.beginForm(name)
            png = ImageReader(io.BytesIO(seal_png(authority, 360, SEAL_LEGEND)))
            self.c.drawImage(png, 0, 0, SEAL_MM * mm, SEAL_MM * mm, mask="auto")
            self.c.endForm()
            self.seals[authority] = name
        self.c.saveState()
        self.c.translate(x, y)
        self.c.doForm(name)
        self.c.restoreState()
