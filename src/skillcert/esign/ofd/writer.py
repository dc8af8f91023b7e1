"""OFD (GB/T 33190-2016) writer for one-page layouts (issue 5; R2.1, R2.6). Format: docs/formats/ofd.md.

:func:`package_files` turns an :class:`~skillcert.esign.ecert_layout.Layout` into the files of an
OFD package (path → bytes, in a fixed order); ``esign.ofd.seal`` adds the GB/T 38540 electronic seal
(``Doc_0/Signs``) and :func:`zip_package` writes the ZIP with fixed timestamps, so the same input
gives the same bytes. Units are millimetres, origin at the top-left of the page, y downwards.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape, quoteattr

from skillcert.esign.ecert_layout import Box, Item, Layout, Picture, QRCode, Text
from skillcert.esign.ofd import font

NS = "http://www.ofdspec.org/2016"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
OFD_XML = "OFD.xml"
DOC = "Doc_0"
DOCUMENT_XML = f"{DOC}/Document.xml"
PUBLIC_RES = f"{DOC}/PublicRes.xml"
DOCUMENT_RES = f"{DOC}/DocumentRes.xml"
CONTENT_XML = f"{DOC}/Pages/Page_0/Content.xml"
ATTACHMENTS_XML = f"{DOC}/Attachs/Attachments.xml"
SIGNATURES_XML = f"{DOC}/Signs/Signatures.xml"
SIGNS_DIR = f"{DOC}/Signs/"
FONT_NAME = "LXGW WenKai"
PT_TO_MM = 25.4 / 72
# ids fixed by the writer (the page objects follow from FIRST_OBJECT_ID)
FONT_ID = 1
PAGE_ID = 2
LAYER_ID = 3
FIRST_MEDIA_ID = 10
FIRST_OBJECT_ID = 100


def num(value: float) -> str:
    """A number in the shortest fixed form with at most 3 decimals ("12.5", "0", "-3.175")."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _mm(value: float) -> float:
    return value * PT_TO_MM


def _rgb(colour: str) -> str:
    value = colour.lstrip("#")
    return f"{int(value[0:2], 16)} {int(value[2:4], 16)} {int(value[4:6], 16)}"


def _deltas(values: Iterable[float]) -> str:
    """DeltaX with the ``g <count> <value>`` shorthand for runs of three or more equal values."""
    texts = [num(v) for v in values]
    out: list[str] = []
    i = 0
    while i < len(texts):
        j = i
        while j < len(texts) and texts[j] == texts[i]:
            j += 1
        if j - i >= 3:
            out.append(f"g {j - i} {texts[i]}")
        else:
            out.extend(texts[i:j])
        i = j
    return " ".join(out)


class _Page:
    def __init__(self, height_pt: float) -> None:
        self.height = height_pt
        self.next_id = FIRST_OBJECT_ID
        self.parts: list[str] = []
        self.media: list[tuple[int, Picture]] = []
        self.media_ids: dict[bytes, int] = {}
        self.stamp_box: tuple[float, float, float, float] | None = None

    def _id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def _top(self, y_pt: float, h_pt: float) -> float:
        return _mm(self.height - y_pt - h_pt)

    def text(self, item: Text) -> None:
        size = _mm(item.size)
        pad = size * 0.1
        width = _mm(item.width)
        baseline = _mm(self.height - item.y)
        box = (_mm(item.x) - pad, baseline - size, width + 2 * pad, size * 1.3)
        boundary = " ".join(num(v) for v in box)
        attrs = f'ID="{self._id()}" Boundary="{boundary}" Font="{FONT_ID}" Size="{num(size)}"'
        colour = _rgb(item.colour)
        inner = f'<ofd:FillColor Value="{colour}"/>'
        if item.bold:
            attrs += f' Stroke="true" LineWidth="{num(size * 0.035)}"'
            inner += f'<ofd:StrokeColor Value="{colour}"/>'
        delta = ""
        if len(item.advances) > 1:
            delta = f' DeltaX="{_deltas(_mm(a) for a in item.advances[:-1])}"'
        inner += f'<ofd:TextCode X="{num(pad)}" Y="{num(size)}"{delta}>{escape(item.text)}</ofd:TextCode>'
        self.parts.append(f"<ofd:TextObject {attrs}>{inner}</ofd:TextObject>")

    def box(self, item: Box) -> None:
        lw = item.line_width if item.stroke else 0.0
        half = _mm(lw) / 2
        x, top, w, h = _mm(item.x), self._top(item.y, item.h), _mm(item.w), _mm(item.h)
        boundary = (x - half, top - half, w + 2 * half, h + 2 * half)
        attrs = f'ID="{self._id()}" Boundary="{" ".join(num(v) for v in boundary)}"'
        if item.stroke:
            attrs += f' LineWidth="{num(_mm(lw))}"'
        else:
            attrs += ' Stroke="false"'
        if item.fill:
            attrs += ' Fill="true"'
        inner = ""
        if item.fill:
            inner += f'<ofd:FillColor Value="{_rgb(item.fill)}"/>'
        if item.stroke:
            inner += f'<ofd:StrokeColor Value="{_rgb(item.stroke)}"/>'
        path = _rounded(half, half, w, h, _mm(item.radius)) if item.radius else _rect(half, half, w, h)
        self.parts.append(
            f"<ofd:PathObject {attrs}>{inner}<ofd:AbstractData>{path}</ofd:AbstractData></ofd:PathObject>"
        )

    def qr(self, item: QRCode) -> None:
        """One filled path in module units (integers), scaled to mm by the object's CTM."""
        x0, top = _mm(item.x), self._top(item.y, item.size)
        size, m = _mm(item.size), num(_mm(item.module))
        path = " ".join(
            f"M {c} {r} L {c + n} {r} L {c + n} {r + 1} L {c} {r + 1} C" for c, r, n in item.module_runs()
        )
        boundary = " ".join(num(v) for v in (x0, top, size, size))
        self.parts.append(
            f'<ofd:PathObject ID="{self._id()}" Boundary="{boundary}" CTM="{m} 0 0 {m} 0 0" Stroke="false"'
            f' Fill="true"><ofd:FillColor Value="0 0 0"/><ofd:AbstractData>{path}</ofd:AbstractData>'
            "</ofd:PathObject>"
        )

    def picture(self, item: Picture) -> None:
        media_id = self.media_ids.get(item.data)
        if media_id is None:
            media_id = FIRST_MEDIA_ID + len(self.media)
            self.media_ids[item.data] = media_id
            self.media.append((media_id, item))
        x, top, w, h = _mm(item.x), self._top(item.y, item.h), _mm(item.w), _mm(item.h)
        boundary = " ".join(num(v) for v in (x, top, w, h))
        if item.name == "seal":
            self.stamp_box = (x, top, w, h)
        self.parts.append(
            f'<ofd:ImageObject ID="{self._id()}" Boundary="{boundary}" CTM="{num(w)} 0 0 {num(h)} 0 0"'
            f' ResourceID="{media_id}"/>'
        )

    def add(self, item: Item) -> None:
        if isinstance(item, Text):
            self.text(item)
        elif isinstance(item, Box):
            self.box(item)
        elif isinstance(item, QRCode):
            self.qr(item)
        elif isinstance(item, Picture):
            self.picture(item)


def _rect(x: float, y: float, w: float, h: float) -> str:
    return (
        f"M {num(x)} {num(y)} L {num(x + w)} {num(y)} L {num(x + w)} {num(y + h)} L {num(x)} {num(y + h)} C"
    )


def _rounded(x: float, y: float, w: float, h: float, r: float) -> str:
    k = r * 0.5523
    right, bot = x + w, y + h
    pts = [
        f"M {num(x + r)} {num(y)}",
        f"L {num(x + w - r)} {num(y)}",
        f"B {num(x + w - r + k)} {num(y)} {num(x + w)} {num(y + r - k)} {num(x + w)} {num(y + r)}",
        f"L {num(x + w)} {num(y + h - r)}",
        f"B {num(right)} {num(bot - r + k)} {num(right - r + k)} {num(bot)} {num(right - r)} {num(bot)}",
        f"L {num(x + r)} {num(y + h)}",
        f"B {num(x + r - k)} {num(y + h)} {num(x)} {num(y + h - r + k)} {num(x)} {num(y + h - r)}",
        f"L {num(x)} {num(y + r)}",
        f"B {num(x)} {num(y + r - k)} {num(x + r - k)} {num(y)} {num(x + r)} {num(y)}",
        "C",
    ]
    return " ".join(pts)


def _xml(body: str) -> bytes:
    return (XML_HEAD + body).encode("utf-8")


def doc_id(layout: Layout) -> str:
    """32 hex digits derived from the content (deterministic; differs between certificates)."""
    digest = hashlib.sha256()
    for a in layout.attachments:
        digest.update(a.name.encode() + b"\0" + a.data + b"\0")
    digest.update(layout.title.encode())
    return digest.hexdigest()[:32]


def ofd_xml(layout: Layout, *, creation_date: str, signed: bool) -> bytes:
    keywords = "".join(
        f"<ofd:Keyword>{escape(k.strip())}</ofd:Keyword>" for k in layout.keywords.split(";") if k.strip()
    )
    signatures = f"<ofd:Signatures>{SIGNATURES_XML}</ofd:Signatures>" if signed else ""
    return _xml(
        f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        f"<ofd:DocID>{doc_id(layout)}</ofd:DocID><ofd:Title>{escape(layout.title)}</ofd:Title>"
        f"<ofd:Author>skillcert</ofd:Author><ofd:Subject>{escape(layout.subject)}</ofd:Subject>"
        f"<ofd:CreationDate>{creation_date}</ofd:CreationDate><ofd:Keywords>{keywords}</ofd:Keywords>"
        f"<ofd:Creator>skillcert</ofd:Creator><ofd:CreatorVersion>1</ofd:CreatorVersion></ofd:DocInfo>"
        f"<ofd:DocRoot>{DOCUMENT_XML}</ofd:DocRoot>{signatures}</ofd:DocBody></ofd:OFD>"
    )


def package_files(layout: Layout, *, creation_date: str, signed: bool = False) -> dict[str, bytes]:
    """The files of the OFD package of `layout`, path → bytes, in the order they are zipped.

    `creation_date` (YYYY-MM-DD) is written as DocInfo/CreationDate and the attachments' dates; with
    `signed` OFD.xml names ``Doc_0/Signs/Signatures.xml`` (which ``esign.ofd.seal`` then adds)."""
    page = _Page(layout.height)
    chars: set[str] = set()
    for item in layout.items:
        page.add(item)
        if isinstance(item, Text):
            chars.update(item.text)
    width, height = _mm(layout.width), _mm(layout.height)
    files: dict[str, bytes] = {}
    files[OFD_XML] = ofd_xml(layout, creation_date=creation_date, signed=signed)
    max_id = page.next_id - 1
    files[DOCUMENT_XML] = _xml(
        f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID>'
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 {num(width)} {num(height)}</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
        f"</ofd:CommonData><ofd:Pages>"
        f'<ofd:Page ID="{PAGE_ID}" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
        f"<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>"
    )
    font_file = f"font_{FONT_ID}.ttf"
    files[PUBLIC_RES] = _xml(
        f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="{FONT_ID}" FontName="{FONT_NAME}" FamilyName="{FONT_NAME}">'
        f"<ofd:FontFile>{font_file}</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>"
    )
    media_xml = []
    media_files: dict[str, bytes] = {}
    for media_id, picture in page.media:
        ext = "jpg" if picture.format == "JPEG" else "png"
        name = f"image_{media_id}.{ext}"
        media_files[f"{DOC}/Res/{name}"] = picture.data
        media_xml.append(
            f'<ofd:MultiMedia ID="{media_id}" Type="Image" Format="{picture.format}">'
            f"<ofd:MediaFile>{name}</ofd:MediaFile></ofd:MultiMedia>"
        )
    media = "".join(media_xml)
    files[DOCUMENT_RES] = _xml(
        f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:MultiMedias>{media}</ofd:MultiMedias></ofd:Res>'
    )
    files[CONTENT_XML] = _xml(
        f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="{LAYER_ID}" Type="Body">'
        + "".join(page.parts)
        + "</ofd:Layer></ofd:Content></ofd:Page>"
    )
    attachments = []
    for index, a in enumerate(layout.attachments):
        attachments.append(
            f'<ofd:Attachment ID="A{index}" Name={quoteattr(a.name)} Format="json"'
            f' CreationDate="{creation_date}T00:00:00" Size="{num(len(a.data) / 1024)}" Visible="false"'
            f' Usage="none"><ofd:FileLoc>{escape(a.name)}</ofd:FileLoc></ofd:Attachment>'
        )
    files[ATTACHMENTS_XML] = _xml(
        f'<ofd:Attachments xmlns:ofd="{NS}">{"".join(attachments)}</ofd:Attachments>'
    )
    for a in layout.attachments:
        files[f"{DOC}/Attachs/{a.name}"] = a.data
    files[f"{DOC}/Res/{font_file}"] = font.subset(chars)
    files.update(media_files)
    return files


def stamp_boundary(layout: Layout) -> tuple[float, float, float, float] | None:
    """The seal picture's box on the page in mm (x, y from the top-left, w, h), if the layout has one."""
    seal = layout.seal
    if seal is None:
        return None
    return (_mm(seal.x), _mm(layout.height - seal.y - seal.h), _mm(seal.w), _mm(seal.h))


ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_ENTRIES = 64
MAX_TOTAL = 32 * 1024 * 1024
_STORED = (".jpg", ".png", ".dat")


def zip_package(files: Mapping[str, bytes]) -> bytes:
    """The OFD ZIP: entries in the given order, fixed timestamps and attributes (deterministic)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = name.endswith(_STORED)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else 6)
    return buf.getvalue()


def read_package(data: bytes) -> dict[str, bytes]:
    """The files of an OFD ZIP (path → bytes). Raises ValueError on anything that is not a plain,
    small OFD package: not a ZIP, too many or too large entries, duplicate, absolute or ``..`` names."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValueError("not a ZIP package") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ValueError("too many entries")
        if sum(i.file_size for i in infos) > MAX_TOTAL:
            raise ValueError("package too large")
        files: dict[str, bytes] = {}
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if name.startswith("/") or "\\" in name or ".." in name.split("/") or name in files:
                raise ValueError(f"bad entry name {name!r}")
            try:
                files[name] = archive.read(info)
            except Exception as exc:  # zlib.error, BadZipFile (CRC), NotImplementedError (method)
                raise ValueError(f"unreadable entry {name!r}") from exc
    return files
