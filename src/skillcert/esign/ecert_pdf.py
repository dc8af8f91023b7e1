"""The e-certificate as a one-page A4 PDF (issue 5 item 4; R2.1, R2.3, R2.5, R2.9, R2.10).

The page is described once by ``ecert_layout.build_layout`` (also rendered as OFD by
``esign.ofd``); :func:`render_layout_pdf` draws that description with reportlab.

Layout (top down): a coloured double border (colour by level, below), the title by kind, the
certificate number, the holder block (photo on the right; name, gender, birth date, masked ID number),
the occupation block (occupation with its code, 工种, level, scores, evaluation), the annotations
(自主评审, scope of use, extra lines), and at the foot the QR code (left, 32 mm) and the issuing
authority with the issue date and the seal overprinted (right). A reissue (R2.9) carries a boxed
"补发 REISSUED" mark at the top right and the reissue date. Labels are Chinese with English alongside.

Titles by ``record["kind"]``: ``qualification`` → 职业资格证书, ``skill_level`` → 职业技能等级证书,
``score`` → 成绩证明 (score reports are issued like certificates, R2.10).

Border colour by level — R2.5 fixes 初级 red and 中级 green and leaves the others to the template; this
template's choice is :data:`LEVEL_COLOURS`: 5 初级 red, 4 中级 green, 3 高级 blue, 2 技师 gold/orange,
1 高级技师 purple.

**Signed data inside the PDF (R2.1).** The picture is not what is verified. The document carries two
embedded files (catalog ``/Names /EmbeddedFiles``, each a ``/Filespec`` with an ``/EF`` stream):

* ``certificate-data.json`` — exactly ``canonical.canonical_bytes(record)``
  (docs/formats/certificate-data.md §4);
* ``certificate-signature.json`` — ``{"alg":"SM2-SM3","key_id":…,"signature":<128 hex, r||s>,
  "signer_id":"1234567812345678","v":1}`` (keys sorted, no whitespace).

:func:`extract_signed_data` reads them back from a PDF as written here (classic cross-reference
table, no object streams). A converted or re-saved copy that no longer has them cannot be verified,
which is what R2.1 asks. The output is deterministic (``invariant=1``; the same input gives the same
bytes).
"""

from __future__ import annotations

import bisect
import copy
import functools
import hashlib
import io
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
    PDFZCompress,
)
from reportlab.pdfgen.canvas import Canvas

from skillcert.core.pdf import FONT_NAME, new_canvas
from skillcert.esign import sm2
from skillcert.esign.ecert_layout import (
    DATA_FILE,
    LEVEL_COLOURS,
    SIGNATURE_ALG,
    SIGNATURE_FILE,
    TITLES,
    Attachment,
    Box,
    Layout,
    Picture,
    QRCode,
    Text,
    border_colour,
    build_layout,
    signature_file_bytes,
)

_colours: dict[str, HexColor] = {}


def _colour(value: str) -> HexColor:
    colour = _colours.get(value)
    if colour is None:
        colour = _colours[value] = HexColor(value)
    return colour


def _embed_file(c: Canvas, name: str, data: bytes, mime: str, description: str) -> PDFDictionary:
    doc = c._doc
    stream = PDFStream(
        PDFDictionary(
            {
                "Type": PDFName("EmbeddedFile"),
                "Subtype": PDFName(mime),
                "Params": PDFDictionary({"Size": len(data)}),
            }
        ),
        data,
        filters=[PDFZCompress],
    )
    spec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(name),
            "UF": PDFString(name),
            "Desc": PDFString(description),
            "AFRelationship": PDFName("Data"),
            "EF": PDFDictionary({"F": doc.Reference(stream), "UF": doc.Reference(stream)}),
        }
    )
    return spec


def _attach(c: Canvas, files: Sequence[Attachment]) -> None:
    doc = c._doc
    names: list[Any] = []
    specs = []
    for a in sorted(files, key=lambda a: (a.name, a.data, a.mime, a.description)):
        spec = doc.Reference(_embed_file(c, a.name, a.data, a.mime, a.description))
        names += [PDFString(a.name), spec]
        specs.append(spec)
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": PDFArray(names)})})
    doc.Catalog.AF = PDFArray(specs)  # PDF 2.0 / PDF/A-3 associated files
    if "AF" not in doc.Catalog.__NoDefault__:
        doc.Catalog.__NoDefault__ = [*doc.Catalog.__NoDefault__, "AF"]


def _draw_text(c: Canvas, item: Text) -> None:
    c.saveState()
    colour = _colour(item.colour)
    c.setFillColor(colour)
    t = c.beginText(item.x, item.y)
    t.setFont(FONT_NAME, item.size)
    if item.char_space:
        t.setCharSpace(item.char_space)
    if item.bold:
        c.setStrokeColor(colour)
        t.setTextRenderMode(2)
        c.setLineWidth(item.size * 0.035)
    t.textOut(item.text)
    c.drawText(t)
    c.restoreState()


def _draw_box(c: Canvas, item: Box) -> None:
    c.saveState()
    if item.stroke:
        c.setStrokeColor(_colour(item.stroke))
        c.setLineWidth(item.line_width)
    if item.fill:
        c.setFillColor(_colour(item.fill))
    stroke, fill = int(item.stroke is not None), int(item.fill is not None)
    if item.radius:
        c.roundRect(item.x, item.y, item.w, item.h, item.radius, stroke=stroke, fill=fill)
    else:
        c.rect(item.x, item.y, item.w, item.h, stroke=stroke, fill=fill)
    c.restoreState()


def _draw_qr(c: Canvas, item: QRCode) -> None:
    """The QR code as vector squares (crisp at any resolution): one filled path in module units under
    a transform (integers only, so the content stream stays small and quick to write)."""
    c.saveState()
    c.setFillColor(_colour("#000000"))
    m = item.module
    c.transform(m, 0, 0, -m, item.x, item.y + item.size)
    c._code.append(" ".join(f"{col} {row} {n} 1 re" for col, row, n in item.module_runs()) + " f")
    c.restoreState()


@functools.lru_cache(maxsize=64)
def _image_template(data: bytes, png: bool) -> pdfdoc.PDFImageXObject:
    """The PDF image object of a picture, built once per process (decoding and compressing the seal PNG
    on every page was the slowest part of the PDF); each document gets a shallow copy."""
    name = "I" + hashlib.sha256(data).hexdigest()[:24]
    obj = pdfdoc.PDFImageXObject(name, ImageReader(io.BytesIO(data)), mask="auto" if png else None)
    obj.name = name
    return obj


def _draw_picture(c: Canvas, item: Picture) -> None:
    template = _image_template(item.data, item.format == "PNG")
    doc = c._doc
    reg_name = doc.getXObjectName(template.name)
    if doc.idToObject.get(reg_name) is None:
        obj = copy.copy(template)
        smask = getattr(template, "_smask", None)
        if hasattr(obj, "_smask"):
            del obj._smask
        c._setXObjects(obj)
        doc.Reference(obj, reg_name)
        doc.addForm(template.name, obj)
        if smask is not None:
            mask = copy.copy(smask)
            c._setXObjects(mask)
            obj.smask = doc.Reference(mask, doc.getXObjectName(mask.name))
    c._currentPageHasImages = 1
    c.saveState()
    c.translate(item.x, item.y)
    c.scale(item.w, item.h)
    c._code.append(f"/{reg_name} Do")
    c.restoreState()
    c._formsinuse.append(template.name)  # puts the image into the page's /XObject resources


def render_layout_pdf(layout: Layout) -> bytes:
    """Draw a :class:`~skillcert.esign.ecert_layout.Layout` as a one-page PDF with its attachments."""
    buf = io.BytesIO()
    c = new_canvas(buf, (layout.width, layout.height), title=layout.title, subject=layout.subject)
    c.setKeywords(layout.keywords)
    for item in layout.items:
        if isinstance(item, Text):
            _draw_text(c, item)
        elif isinstance(item, Box):
            _draw_box(c, item)
        elif isinstance(item, QRCode):
            _draw_qr(c, item)
        elif isinstance(item, Picture):
            _draw_picture(c, item)
    _attach(c, layout.attachments)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_ecertificate(
    record: Mapping[str, Any],
    *,
    photo_jpeg: bytes | None,
    qr_text: str,
    signature: bytes,
    key_id: str,
    annotations: Sequence[str] = (),
) -> bytes:
    """The e-certificate PDF of `record` (a canonical record or anything canonical_record accepts)."""
    layout = build_layout(
        record,
        photo_jpeg=photo_jpeg,
        qr_text=qr_text,
        signature=signature,
        key_id=key_id,
        annotations=annotations,
    )
    return render_layout_pdf(layout)


# --- reading the signed data back --------------------------------------------------------------------

_OBJ_HEAD = re.compile(rb"(\d+) 0 obj\b")
_OBJ_END = re.compile(rb"\bendobj")
_REF = r"/%s\s+(\d+)\s+0\s+R"
# The embedded files are the signed record and its signature: a few kilobytes. A stream that inflates to
# more is not ours — and unbounded, 5 MB of deflated zeros would inflate to 5 GB (issue 13 sweep).
MAX_EMBEDDED_BYTES = 1024 * 1024


def _objects(pdf: bytes) -> dict[int, bytes]:
    r"""Each ``N 0 obj … endobj`` body, as ``re.finditer(rb"(\d+) 0 obj\b(.*?)\bendobj", DOTALL)`` would
    find them, in linear time: that lazy pattern rescans to the end of the file from every header
    without an ``endobj`` — quadratic, 20 s for 160 KB of "1 0 obj " on the public upload check."""
    ends = [m.start() for m in _OBJ_END.finditer(pdf)]
    objects: dict[int, bytes] = {}
    resume = 0
    for head in _OBJ_HEAD.finditer(pdf):
        if head.start() < resume:
            continue  # inside the body of the object before
        i = bisect.bisect_left(ends, head.end())
        if i == len(ends):
            break  # no endobj after this header: nor after any later one
        objects[int(head.group(1))] = pdf[head.end() : ends[i]]
        resume = ends[i] + len(b"endobj")
    return objects


def _inflate(raw: bytes) -> bytes:
    inflater = zlib.decompressobj()
    data = inflater.decompress(raw, MAX_EMBEDDED_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError("embedded file larger than expected")
    data += inflater.flush()
    if not inflater.eof:  # as zlib.decompress: a cut stream is an error, not a shorter file
        raise ValueError("embedded file stream is incomplete")
    return data


def _stream(obj: bytes) -> bytes:
    head, sep, rest = obj.partition(b"stream")
    if not sep:
        raise ValueError("embedded file is not a stream")
    length = re.search(rb"/Length\s+(\d+)", head)
    if length is None:
        raise ValueError("embedded file stream without a direct /Length")
    rest = rest[2:] if rest.startswith(b"\r\n") else rest[1:]
    raw = rest[: int(length.group(1))]
    filters = re.findall(rb"/(\w+Decode)", head)
    if filters == [b"FlateDecode"]:
        return _inflate(raw)
    if filters:
        raise ValueError("unsupported stream filter")
    return raw


def _embedded(pdf: bytes) -> dict[str, bytes]:
    objects = _objects(pdf)
    files: dict[str, bytes] = {}
    for body in objects.values():
        if b"/Type /Filespec" not in body:
            continue
        name = re.search(rb"/F\s+\(([^()\\]*)\)", body)
        ef = re.search((_REF % "EF\\s*<<\\s*/F").encode(), body)
        if name is None or ef is None:
            continue
        key = name.group(1).decode("latin-1")
        if key in files:
            raise ValueError(f"duplicate embedded file {key}")
        stream = objects.get(int(ef.group(1)))
        if stream is None:
            raise ValueError("dangling embedded file reference")
        files[key] = _stream(stream)
    return files


def extract_signed_data(pdf_bytes: bytes) -> tuple[bytes, bytes, str]:
    """(canonical bytes, 64-byte signature, key id) from an e-certificate PDF written by
    :func:`render_ecertificate`. Raises ValueError when they are missing or malformed; the caller
    checks the signature (``canonical.verify_record(canonical.parse_canonical(data), key, sig)``)."""
    files = _embedded(pdf_bytes)
    if DATA_FILE not in files or SIGNATURE_FILE not in files:
        raise ValueError("the PDF carries no signed certificate data")
    try:
        meta = json.loads(files[SIGNATURE_FILE].decode("ascii"))
        if meta.get("alg") != SIGNATURE_ALG or meta.get("v") != 1:
            raise ValueError("unknown signature format")
        signature = bytes.fromhex(str(meta["signature"]))
        key_id = str(meta["key_id"])
    except (UnicodeDecodeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError("malformed signature file") from exc
    if len(signature) != sm2.SIGNATURE_LENGTH:
        raise ValueError("signature must be 64 bytes")
    return files[DATA_FILE], signature, key_id


__all__ = [
    "DATA_FILE",
    "LEVEL_COLOURS",
    "SIGNATURE_ALG",
    "SIGNATURE_FILE",
    "TITLES",
    "border_colour",
    "extract_signed_data",
    "render_ecertificate",
    "render_layout_pdf",
    "signature_file_bytes",
]
