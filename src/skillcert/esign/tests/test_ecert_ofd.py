"""The sealed e-certificate OFD (issue 5; R2.1 original signed data, R2.6 OFD storage format, GB/T 33190
and GB/T 38540). Most tests need no database: the key pair is local and published as /api/v1/keys/
would publish it."""

from __future__ import annotations

import base64
import datetime
import io
import zipfile
from typing import Any
from xml.etree import ElementTree

import gmalg
import ofdkit
import pytest
from asn1crypto import core
from PIL import Image, ImageDraw, ImageFont

from skillcert.esign import canonical, ecert_layout, ecert_ofd, ecert_pdf, offline, qr, sm2
from skillcert.esign.ofd import signing, writer
from skillcert.esign.tests.test_ecert_pdf import BASE_URL, KEY_ID, KEYS, SOURCE, _photo

NS = "{http://www.ofdspec.org/2016}"
SIGNED_AT = datetime.datetime(2025, 6, 30, 8, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2026, 1, 10, 8, 0, tzinfo=datetime.UTC)
KEYS_DOC = {
    "results": [
        {
            "key_id": KEY_ID,
            "public_key": KEYS.public_key.hex(),
            "status": "active",
            "valid_from": "2020-01-01T00:00:00Z",
            "valid_until": None,
            "revoked_at": None,
        }
    ]
}
ALL_FILES = [
    "OFD.xml",
    "Doc_0/Document.xml",
    "Doc_0/PublicRes.xml",
    "Doc_0/DocumentRes.xml",
    "Doc_0/Pages/Page_0/Content.xml",
    "Doc_0/Attachs/Attachments.xml",
    "Doc_0/Attachs/certificate-data.json",
    "Doc_0/Attachs/certificate-signature.json",
    "Doc_0/Res/font_1.ttf",
    "Doc_0/Res/image_10.jpg",
    "Doc_0/Res/image_11.png",
    "Doc_0/Signs/Signatures.xml",
    "Doc_0/Signs/Sign_0/Signature.xml",
    "Doc_0/Signs/Sign_0/SignedValue.dat",
]


def _xml(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(data)  # noqa: S314 — our own freshly written test files


def gm_sm3(data: bytes) -> bytes:
    h = gmalg.SM3()
    h.update(data)
    return bytes(h.value())


def signer(keys: Any = KEYS) -> signing.Signer:
    return signing.Signer(
        sm2.key_id(keys.public_key), keys.public_key, lambda m: sm2.sign(keys.private_key, m)
    )


def _layout(**changes: Any) -> ecert_layout.Layout:
    record = canonical.canonical_record({**SOURCE, **changes})
    return ecert_layout.build_layout(
        record,
        photo_jpeg=_photo(),
        qr_text=qr.make_payload(record, KEY_ID, KEYS.private_key, BASE_URL),
        signature=canonical.sign_record(record, KEYS.private_key),
        key_id=KEY_ID,
    )


def make_ofd(**changes: Any) -> bytes:
    return ecert_ofd.render_layout_ofd(_layout(**changes), signer=signer(), signed_at=SIGNED_AT)


@pytest.fixture(scope="module")
def sample() -> bytes:
    return make_ofd()


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _rezip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_r2_6_package_layout_and_text_read_back_by_ofdkit(sample: bytes) -> None:
    """R2.6: a GB/T 33190 package an independent reader (ofdkit) opens; the text is all there."""
    files = _files(sample)
    assert list(files) == ALL_FILES
    with ofdkit.open(sample) as doc:
        text = doc.text()
        info = doc.info
        assert len(doc.pages) == 1
        assert doc.pages[0].box == (0.0, 0.0, 210.0, 297.0)
    needles = ["吉𠮷祥", "1631000000500001", "车工", "6-18-01-01", "五级/初级工"]
    needles.append("北京市职业技能鉴定指导中心")
    for needle in needles:
        assert needle in text, needle
    assert "11010519491231002X" not in text  # X7
    assert info.creator == "skillcert" and info.creation_date == "2025-06-30" and len(info.doc_id or "") == 32
    root = _xml(files["Doc_0/Document.xml"])
    assert root.findtext(f"{NS}CommonData/{NS}PageArea/{NS}PhysicalBox") == "0 0 210 297"
    ids = [int(e.get("ID", "0")) for e in _xml(files["Doc_0/Pages/Page_0/Content.xml"]).iter()]
    assert max(ids) == int(root.findtext(f"{NS}CommonData/{NS}MaxUnitID") or 0)
    res = _xml(files["Doc_0/DocumentRes.xml"])
    assert [m.get("Format") for m in res.iter(f"{NS}MultiMedia")] == ["JPEG", "PNG"]


def test_same_layout_as_the_pdf(sample: bytes) -> None:
    """Each text run sits where the layout (and so the PDF) puts it, within 0.05 mm."""
    layout = _layout()
    expected = {
        item.text: (item.x * writer.PT_TO_MM, (layout.height - item.y) * writer.PT_TO_MM)
        for item in layout.items
        if isinstance(item, ecert_layout.Text)
    }
    with ofdkit.open(sample) as doc:
        runs = doc.pages[0].runs
    assert len(runs) == len(expected)
    for run in runs:
        x, y = expected[run.text]
        assert abs(run.x - x) < 0.2 and abs(run.y - y) < 0.05, run  # x: the object's pad is 0.1 * size
    pdf_text = ecert_pdf.render_layout_pdf(layout)
    assert pdf_text.startswith(b"%PDF")


def test_embedded_font_draws_every_character(sample: bytes) -> None:
    """The TrueType subset holds a glyph for every character drawn, 𠮷 (U+20BB7) included."""
    files = _files(sample)
    font_bytes = files["Doc_0/Res/font_1.ttf"]
    assert font_bytes[:4] == b"\x00\x01\x00\x00" and len(font_bytes) < 200_000
    font = ImageFont.truetype(io.BytesIO(font_bytes), 48)
    for ch in "吉𠮷祥证书":
        image = Image.new("L", (64, 64), 255)
        ImageDraw.Draw(image).text((4, 4), ch, font=font, fill=0)
        darkest = image.getextrema()[0]
        assert isinstance(darkest, int | float) and darkest < 100, ch  # ink, not an empty box


def test_signed_record_attached_and_verifies(sample: bytes) -> None:
    """R2.1: the signed canonical record and its signature travel inside the OFD."""
    files = _files(sample)
    data, signature, key_id = ecert_ofd.extract_signed_data(files)
    assert key_id == KEY_ID and data == canonical.canonical_bytes(canonical.canonical_record(SOURCE))
    assert canonical.verify_record(canonical.parse_canonical(data), KEYS.public_key, signature)
    v = offline.verify_file_offline(sample, KEYS_DOC, None, now=NOW)
    # the revocation list is missing: cannot determine, but every signature checked out first
    assert (v.state, v.reason) == ("cannot_determine", offline.REVOCATIONS_MISSING)
    assert v.number == SOURCE["number"]
    assert v.details["format"] == "ofd"


def test_ses_signature_verifies_with_pure_python_gmalg(sample: bytes) -> None:
    """GB/T 38540: CheckValues, dataHash and both SM2 signatures re-checked with gmalg (pure Python)."""
    files = _files(sample)
    sig_xml = files["Doc_0/Signs/Sign_0/Signature.xml"]
    root = _xml(sig_xml)
    refs = root.find(f"{NS}SignedInfo/{NS}References")
    assert refs is not None and refs.get("CheckMethod") == "1.2.156.10197.1.401"
    seen = set()
    for ref in refs:
        name = ref.get("FileRef", "").lstrip("/")
        assert ref.findtext(f"{NS}CheckValue") == base64.b64encode(gm_sm3(files[name])).decode()
        seen.add(name)
    assert seen == {n for n in files if not n.startswith("Doc_0/Signs/")}
    stamp = root.find(f"{NS}SignedInfo/{NS}StampAnnot")
    assert stamp is not None and stamp.get("PageRef") == "2"

    value = core.load(files["Doc_0/Signs/Sign_0/SignedValue.dat"])
    to_sign, cert, alg, signature = value[0], value[1], value[2], value[3]
    assert isinstance(value, core.Sequence) and alg.dotted == "1.2.156.10197.1.501"
    version, eseal, _time, data_hash, prop = (to_sign[i] for i in range(5))
    assert version.native == 4 and prop.native == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert data_hash.cast(core.OctetBitString).native == gm_sm3(sig_xml)
    spki = core.load(cert.native)
    point = spki[1].cast(core.OctetBitString).native
    assert spki[0][1].dotted == "1.2.156.10197.1.301" and gm_sm3(point).hex()[:16] == KEY_ID

    def gm_verify(message: bytes, der: Any) -> bool:
        rs = core.load(der.cast(core.OctetBitString).native)
        r, s = rs[0].native.to_bytes(32, "big"), rs[1].native.to_bytes(32, "big")
        return bool(gmalg.SM2(pk=point, uid=b"1234567812345678").verify(message, r, s))

    assert gm_verify(to_sign.dump(), signature)
    seal_info, seal_cert, seal_alg, seal_sig = (eseal[i] for i in range(4))
    assert seal_alg.dotted == "1.2.156.10197.1.501" and seal_cert.native == cert.native
    picture = seal_info[3]
    assert picture[0].native == "PNG" and picture[1].native == files["Doc_0/Res/image_11.png"]
    body = seal_info.dump() + seal_cert.dump() + seal_alg.dump()
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    made = b"\x30" + bytes([0x80 | len(size)]) + size + body  # SEQUENCE { esealInfo, cert, signAlgID }
    assert gm_verify(made, seal_sig)
    assert not gm_verify(to_sign.dump()[:-1] + b"\x00", signature)


@pytest.mark.parametrize("name", ALL_FILES)
def test_r2_1_one_changed_byte_in_any_file_is_invalid(sample: bytes, name: str) -> None:
    """R2.1: a change anywhere in the package makes the OFD invalid (never valid, never unknown)."""
    files = _files(sample)
    data = bytearray(files[name])
    data[len(data) // 2] ^= 0x01
    files[name] = bytes(data)
    v = offline.verify_file_offline(_rezip(files), KEYS_DOC, None, now=NOW)
    assert v.state == "invalid", (name, v)


def test_added_or_removed_file_is_invalid(sample: bytes) -> None:
    files = _files(sample)
    extra = {**files, "Doc_0/Res/extra.png": b"x"}
    v = offline.verify_file_offline(_rezip(extra), KEYS_DOC, None, now=NOW)
    assert (v.state, v.reason) == ("invalid", signing.UNREFERENCED_FILE)
    fewer = {k: v for k, v in files.items() if k != "Doc_0/Res/image_10.jpg"}

    def reason(data: bytes) -> str | None:
        return offline.verify_file_offline(data, KEYS_DOC, None, now=NOW).reason

    assert reason(_rezip(fewer)) == signing.REFERENCE_MISSING
    unsigned = {k: v for k, v in files.items() if not k.startswith("Doc_0/Signs/")}
    assert reason(_rezip(unsigned)) == signing.NO_SEAL
    assert reason(b"PK\x03\x04" + b"\0" * 26 + b"OFD.xml") == signing.NOT_OFD


def test_sealed_with_another_key(sample: bytes) -> None:
    """A package re-sealed by someone else's key: unknown key → cannot determine; a published key other
    than the record's → invalid."""
    other = sm2.generate_keypair()
    forged = ecert_ofd.render_layout_ofd(_layout(), signer=signer(other), signed_at=SIGNED_AT)
    v = offline.verify_file_offline(forged, KEYS_DOC, None, now=NOW)
    assert (v.state, v.reason) == ("invalid", offline.OFD_KEY_MISMATCH)
    unknown = offline.verify_file_offline(sample, {"results": []}, None, now=NOW)
    assert (unknown.state, unknown.reason) == ("cannot_determine", offline.KEYS_MISSING)


def test_deterministic() -> None:
    """Same input → same bytes; only the SM2 signature values (random per GB/T 32918) differ."""
    layout = _layout()
    unsigned = [ecert_ofd.render_layout_ofd(layout, signer=None, signed_at=SIGNED_AT) for _ in range(2)]
    assert unsigned[0] == unsigned[1]
    one, two = (
        _files(ecert_ofd.render_layout_ofd(layout, signer=signer(), signed_at=SIGNED_AT)) for _ in range(2)
    )
    assert list(one) == list(two)
    for name in one:
        if name != "Doc_0/Signs/Sign_0/SignedValue.dat":
            assert one[name] == two[name], name
    tbs_one = core.load(one["Doc_0/Signs/Sign_0/SignedValue.dat"])[0].dump()
    tbs_two = core.load(two["Doc_0/Signs/Sign_0/SignedValue.dat"])[0].dump()
    assert tbs_one == tbs_two  # the seal is made once per key; only the document signature differs
    with zipfile.ZipFile(io.BytesIO(unsigned[0])) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_reissue_and_score_report_ofd() -> None:
    """R2.9, R2.10: the 补发 mark and score reports come out in the OFD as in the PDF."""
    text = ofdkit.extract_text(make_ofd(reissue=True, reissued_on="2026-03-01"))
    assert "补发" in text and "REISSUED" in text and "2026-03-01" in text
    score = make_ofd(kind="score", comprehensive="78")
    score_text = ofdkit.extract_text(score)
    assert "成绩证明" in score_text and "理论知识考试" in score_text and "78.0" in score_text
    assert offline.verify_file_offline(score, KEYS_DOC, None, now=NOW).reason == offline.REVOCATIONS_MISSING


def test_repacked_package_still_checks_its_seal(sample: bytes) -> None:
    """A repacked copy (other entry order and compression) is still recognised as OFD and its seal
    still verifies; telling it from the original file is the register's job (upload check, R2.1)."""
    files = _files(sample)
    reordered = dict(reversed(list(files.items())))
    v = offline.verify_file_offline(_rezip(reordered), KEYS_DOC, None, now=NOW)
    assert (v.state, v.reason) == ("cannot_determine", offline.REVOCATIONS_MISSING)
