"""Applying and checking the GB/T 38540 electronic seal of an OFD package (issue 5; R2.1, R2.6).

Signing (:func:`sign_package`) adds three files to the package:

* ``Doc_0/Signs/Signatures.xml`` — ``MaxSignId`` 1 and one ``Signature`` (Type ``Seal``) whose
  ``BaseLoc`` is ``/Doc_0/Signs/Sign_0/Signature.xml``;
* ``Doc_0/Signs/Sign_0/Signature.xml`` — ``SignedInfo`` with ``Provider``, ``SignatureMethod``
  (SM2-with-SM3, 1.2.156.10197.1.501), ``SignatureDateTime``, ``References`` (``CheckMethod`` SM3
  1.2.156.10197.1.401, one ``Reference FileRef="/path"`` with the base64 SM3 ``CheckValue`` per file of
  the package outside ``Doc_0/Signs/``, in package order) and ``StampAnnot`` (page, box in mm), and
  ``SignedValue`` naming the next file;
* ``Doc_0/Signs/Sign_0/SignedValue.dat`` — DER ``SES_Signature`` (see ses.py) whose ``dataHash`` is
  SM3 of the Signature.xml bytes and whose ``signature`` is SM2-with-SM3 (ID 1234567812345678) over the
  DER ``TBS_Sign``.

:func:`check_package` does the reverse without any key: it recomputes every CheckValue and the dataHash
and returns the key and the signed bytes for the caller to verify with a published key.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from skillcert.esign import sm2
from skillcert.esign.ofd import ses
from skillcert.esign.ofd.writer import NS, OFD_XML, SIGNATURES_XML, SIGNS_DIR, XML_HEAD, num

SIGNATURE_XML = f"{SIGNS_DIR}Sign_0/Signature.xml"
SIGNED_VALUE = f"{SIGNS_DIR}Sign_0/SignedValue.dat"
PROVIDER = "skillcert"
STAMP_ID = 1
SEAL_MM = 42


@dataclass(frozen=True)
class Signer:
    """An issuer key able to sign: ``sign(message)`` returns 64-byte r||s SM2-with-SM3 (Z_A with the
    default ID) — e.g. a closure over the decrypted private key from esign.services.keys."""

    key_id: str
    public_key: bytes
    sign: Callable[[bytes], bytes]
    valid_from: datetime.datetime | None = None  # the key's; dates the seal (cached per key)


class SealError(ValueError):
    """A structural problem of the seal; ``code`` is the stable reason code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_seal_cache: dict[tuple[str, str, str, str, str], bytes] = {}


def make_seal(signer: Signer, spec: ses.SealSpec) -> bytes:
    """DER SESeal for `spec`, signed by `signer` (the issuer makes its own seal). Cached per process
    and key: a seal is a long-lived object, not remade for every document."""
    key = (
        signer.key_id,
        spec.name,
        hashlib.sha256(spec.picture_png).hexdigest(),
        spec.valid_start.isoformat(),
        spec.valid_end.isoformat(),
    )
    cached = _seal_cache.get(key)
    if cached is not None:
        return cached
    info = ses.seal_info(spec)
    cert = ses.spki(signer.public_key)
    signature = signer.sign(ses.seal_to_sign(info, cert))
    seal = ses.SESeal(
        {
            "esealInfo": info,
            "cert": cert,
            "signAlgID": ses.SM2_SM3,
            "signedValue": sm2.signature_to_der(signature),
        }
    )
    der = bytes(seal.dump())
    if len(_seal_cache) > 256:
        _seal_cache.clear()
    _seal_cache[key] = der
    return der


def _time(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    return value.astimezone(datetime.UTC).replace(microsecond=0)


def signatures_xml() -> bytes:
    return (
        XML_HEAD + f'<ofd:Signatures xmlns:ofd="{NS}"><ofd:MaxSignId>1</ofd:MaxSignId>'
        f'<ofd:Signature ID="1" Type="Seal" BaseLoc="/{SIGNATURE_XML}"/></ofd:Signatures>'
    ).encode("utf-8")


def check_value(data: bytes) -> str:
    return base64.b64encode(sm2.sm3(data)).decode("ascii")


def signature_xml(
    files: Mapping[str, bytes],
    *,
    page_id: int,
    stamp_boundary: tuple[float, float, float, float],
    signed_at: datetime.datetime,
) -> bytes:
    references = "".join(
        f'<ofd:Reference FileRef="/{name}">'
        f"<ofd:CheckValue>{check_value(data)}</ofd:CheckValue></ofd:Reference>"
        for name, data in files.items()
        if not name.startswith(SIGNS_DIR)
    )
    when = _time(signed_at).strftime("%Y%m%d%H%M%SZ")
    boundary = " ".join(num(v) for v in stamp_boundary)
    return (
        XML_HEAD + f'<ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo>'
        f'<ofd:Provider ProviderName="{PROVIDER}" Version="1" Company="{PROVIDER}"/>'
        f"<ofd:SignatureMethod>{ses.SM2_SM3}</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>{when}</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{ses.SM3}">{references}</ofd:References>'
        f'<ofd:StampAnnot ID="{STAMP_ID}" PageRef="{page_id}" Boundary="{boundary}"/>'
        f"</ofd:SignedInfo><ofd:SignedValue>/{SIGNED_VALUE}</ofd:SignedValue></ofd:Signature>"
    ).encode("utf-8")


def sign_package(
    files: Mapping[str, bytes],
    *,
    signer: Signer,
    seal_der: bytes,
    page_id: int,
    stamp_boundary: tuple[float, float, float, float],
    signed_at: datetime.datetime,
) -> dict[str, bytes]:
    """`files` plus the Signs folder: the package sealed with `seal_der` (from :func:`make_seal`)."""
    out = {name: data for name, data in files.items() if not name.startswith(SIGNS_DIR)}
    sig_xml = signature_xml(out, page_id=page_id, stamp_boundary=stamp_boundary, signed_at=signed_at)
    tbs = ses.TBSSign(
        {
            "version": ses.SES_VERSION,
            "eseal": ses.SESeal.load(seal_der),
            "timeInfo": _time(signed_at),
            "dataHash": sm2.sm3(sig_xml),
            "propertyInfo": f"/{SIGNATURE_XML}",
        }
    )
    tbs_der = bytes(tbs.dump())
    signature = signer.sign(tbs_der)
    ses_signature = ses.SESSignature(
        {
            "toSign": ses.TBSSign.load(tbs_der),
            "cert": ses.spki(signer.public_key),
            "signatureAlgID": ses.SM2_SM3,
            "signature": sm2.signature_to_der(signature),
        }
    )
    out[SIGNATURES_XML] = signatures_xml()
    out[SIGNATURE_XML] = sig_xml
    out[SIGNED_VALUE] = bytes(ses_signature.dump())
    return out


# --- checking -----------------------------------------------------------------------------------------

# reason codes (invalid)
NOT_OFD = "esign.ofd.not_ofd"
NO_SEAL = "esign.ofd.no_seal"
SIGNATURES_MODIFIED = "esign.ofd.signatures_modified"
REFERENCE_MISSING = "esign.ofd.reference_missing"
UNREFERENCED_FILE = "esign.ofd.unreferenced_file"
CHECK_VALUE = "esign.ofd.check_value"
SIGNED_VALUE_MALFORMED = "esign.ofd.signed_value_malformed"
DATA_HASH = "esign.ofd.data_hash"
ALGORITHM = "esign.ofd.algorithm"
CERT_MISMATCH = "esign.ofd.cert_mismatch"
SEAL_SIGNATURE = "esign.ofd.seal_signature"
SES_SIGNATURE = "esign.ofd.ses_signature"

_Q = f"{{{NS}}}"
_SM3_NAMES = {ses.SM3, "SM3", "sm3"}


@dataclass(frozen=True)
class CheckedSeal:
    """The parts of a structurally sound seal that still need a published key."""

    key_id: str
    public_key: bytes
    tbs: bytes  # DER TBS_Sign as stored (what the SES signature signs)
    signature: bytes  # 64 bytes r||s
    seal_to_sign: bytes  # what the SESeal's signedValue signs
    seal_signature: bytes
    signed_at: datetime.datetime
    seal_name: str


def _xml(data: bytes, code: str) -> ET.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SealError(code, "DTDs are not accepted")
    try:
        # no DTD (refused above), so no entity expansion; expat never fetches external resources
        return ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise SealError(code, f"malformed XML: {exc}") from exc


def _path(ref: str) -> str:
    return re.sub(r"^/+", "", ref.strip())


def check_package(files: Mapping[str, bytes]) -> CheckedSeal:
    """Every check that needs no key; raises SealError(code) on the first problem."""
    root = _xml(files.get(OFD_XML, b""), NOT_OFD) if OFD_XML in files else None
    if root is None or root.tag != f"{_Q}OFD":
        raise SealError(NOT_OFD, "no OFD.xml")
    location = root.findtext(f"{_Q}DocBody/{_Q}Signatures")
    if not location or SIGNATURES_XML not in files:
        raise SealError(NO_SEAL, "the OFD carries no signature")
    if _path(location) != SIGNATURES_XML or files.get(SIGNATURES_XML) != signatures_xml():
        raise SealError(SIGNATURES_MODIFIED, "Signatures.xml is not the one seal this profile writes")
    expected_signs = {SIGNATURES_XML, SIGNATURE_XML, SIGNED_VALUE}
    if {n for n in files if n.startswith(SIGNS_DIR)} != expected_signs:
        raise SealError(SIGNATURES_MODIFIED, "unexpected files in the Signs folder")
    sig_xml = files[SIGNATURE_XML]
    sig = _xml(sig_xml, CHECK_VALUE)
    info = sig.find(f"{_Q}SignedInfo")
    refs = info.find(f"{_Q}References") if info is not None else None
    if info is None or refs is None or refs.get("CheckMethod", "") not in _SM3_NAMES:
        raise SealError(ALGORITHM, "References must use SM3")
    if (info.findtext(f"{_Q}SignatureMethod") or "").strip() != ses.SM2_SM3:
        raise SealError(ALGORITHM, "SignatureMethod must be SM2-with-SM3")
    if _path(sig.findtext(f"{_Q}SignedValue") or "") != SIGNED_VALUE:
        raise SealError(SIGNATURES_MODIFIED, "SignedValue points elsewhere")
    referenced: set[str] = set()
    for ref in refs.findall(f"{_Q}Reference"):
        name = _path(ref.get("FileRef", ""))
        if name not in files or name.startswith(SIGNS_DIR) or name in referenced:
            raise SealError(REFERENCE_MISSING, f"reference to a missing file {name}")
        referenced.add(name)
        if (ref.findtext(f"{_Q}CheckValue") or "").strip() != check_value(files[name]):
            raise SealError(CHECK_VALUE, f"{name} changed after sealing")
    unreferenced = sorted(n for n in files if not n.startswith(SIGNS_DIR) and n not in referenced)
    if unreferenced:
        raise SealError(UNREFERENCED_FILE, f"{unreferenced[0]} is not covered by the seal")
    try:
        value = ses.SESSignature.load(files[SIGNED_VALUE], strict=True)
        tbs = value["toSign"]
        tbs_der = bytes(tbs.dump())
        native_hash = bytes(tbs["dataHash"].native)
        eseal = tbs["eseal"]
        info_der = eseal["esealInfo"]
        seal_cert = bytes(eseal["cert"].native)
        cert = bytes(value["cert"].native)
        algs = (value["signatureAlgID"].dotted, eseal["signAlgID"].dotted)
        version = tbs["version"].native
        prop = tbs["propertyInfo"].native
        signature = sm2.signature_from_der(bytes(value["signature"].native))
        seal_signature = sm2.signature_from_der(bytes(eseal["signedValue"].native))
        signed_at = tbs["timeInfo"].native
        seal_name = str(info_der["property"]["name"].native)
        seal_message = ses.seal_to_sign(info_der, seal_cert)
        public_key = ses.public_key_from_spki(cert)
    except SealError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError/TypeError/KeyError on broken DER
        raise SealError(SIGNED_VALUE_MALFORMED, f"SignedValue.dat is not an SES_Signature: {exc}") from exc
    if native_hash != sm2.sm3(sig_xml):
        raise SealError(DATA_HASH, "Signature.xml changed after signing")
    if algs != (ses.SM2_SM3, ses.SM2_SM3) or version != ses.SES_VERSION:
        raise SealError(ALGORITHM, "unsupported seal algorithm or version")
    if _path(str(prop)) != SIGNATURE_XML:
        raise SealError(SIGNED_VALUE_MALFORMED, "propertyInfo names another file")
    if seal_cert != cert:
        raise SealError(CERT_MISMATCH, "the seal and the signature name different keys")
    return CheckedSeal(
        key_id=sm2.key_id(public_key),
        public_key=public_key,
        tbs=tbs_der,
        signature=signature,
        seal_to_sign=seal_message,
        seal_signature=seal_signature,
        signed_at=signed_at,
        seal_name=seal_name,
    )


def verify_signatures(checked: CheckedSeal, public_key: bytes) -> str | None:
    """None when both the seal and the document signature verify with `public_key`, else a code."""
    if public_key != checked.public_key:
        return CERT_MISMATCH
    if not sm2.verify(public_key, checked.seal_to_sign, checked.seal_signature):
        return SEAL_SIGNATURE
    if not sm2.verify(public_key, checked.tbs, checked.signature):
        return SES_SIGNATURE
    return None


__all__ = ["Signer", "check_package", "make_seal", "sign_package", "verify_signatures"]
