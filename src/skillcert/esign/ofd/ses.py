"""GB/T 38540 electronic seal structures (SES, version 4) with asn1crypto (issue 5; R2.1, R2.6).

``SES_Signature`` (the content of ``SignedValue.dat``) and the ``SESeal`` it carries, as in GB/T 38540:

    SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OBJECT IDENTIFIER,
                                 signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
    TBS_Sign ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
                            dataHash BIT STRING, propertyInfo IA5String,
                            extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
    SESeal ::= SEQUENCE { esealInfo SES_SealInfo, cert OCTET STRING, signAlgID OBJECT IDENTIFIER,
                          signedValue BIT STRING }
    SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
                                picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }

We have no X.509 certificates (docs/decisions/0006-ofd-seal-without-x509.md): every ``cert`` field
holds the DER SubjectPublicKeyInfo of the issuer's SM2 key, whose key id (first 16 hex digits of SM3 of
the 65-byte point) finds it in the published key list ``/api/v1/keys/``; ``esID`` is that key id.
Signature values are DER ``SEQUENCE { r INTEGER, s INTEGER }`` in the BIT STRING.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from asn1crypto import core

SM2_SM3 = "1.2.156.10197.1.501"  # SM2 signature with SM3
SM3 = "1.2.156.10197.1.401"
SM2_CURVE = "1.2.156.10197.1.301"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
SES_VERSION = 4
SEAL_TYPE_ORGANISATION = 1
CERT_LIST_CERTS = 1


class AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.ObjectIdentifier)]


class SubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", AlgorithmIdentifier), ("subjectPublicKey", core.OctetBitString)]


class SESHeader(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SESPropertyInfo(core.Sequence):
    # certList is CHOICE { certs CertInfoList, certDigestList CertDigestList } without tags; which one
    # is told by certListType, so it is kept as Any here and read as CertInfoList (certListType 1).
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("certListType", core.Integer),
        ("certList", core.Any),
        ("createDate", core.GeneralizedTime),
        ("validStart", core.GeneralizedTime),
        ("validEnd", core.GeneralizedTime),
    ]


class SESPictureInfo(core.Sequence):
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class ExtData(core.Sequence):
    _fields = [
        ("extnID", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extnValue", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SESSealInfo(core.Sequence):
    _fields = [
        ("header", SESHeader),
        ("esID", core.IA5String),
        ("property", SESPropertyInfo),
        ("picture", SESPictureInfo),
        ("extDatas", ExtensionDatas, {"optional": True}),
    ]


class SESeal(core.Sequence):
    _fields = [
        ("esealInfo", SESSealInfo),
        ("cert", core.OctetString),
        ("signAlgID", core.ObjectIdentifier),
        ("signedValue", core.OctetBitString),
    ]


class TBSSign(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("timeInfo", core.GeneralizedTime),
        ("dataHash", core.OctetBitString),
        ("propertyInfo", core.IA5String),
        ("extDatas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESSignature(core.Sequence):
    _fields = [
        ("toSign", TBSSign),
        ("cert", core.OctetString),
        ("signatureAlgID", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("timeStamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


def spki(public_key: bytes) -> bytes:
    """DER SubjectPublicKeyInfo of an SM2 public key (65 bytes 04||X||Y): id-ecPublicKey, curve SM2."""
    info = SubjectPublicKeyInfo(
        {
            "algorithm": {"algorithm": EC_PUBLIC_KEY, "parameters": SM2_CURVE},
            "subjectPublicKey": public_key,
        }
    )
    return bytes(info.dump())


def public_key_from_spki(der: bytes) -> bytes:
    """The 65-byte SM2 point of a DER SubjectPublicKeyInfo written by :func:`spki`; ValueError otherwise."""
    try:
        info = SubjectPublicKeyInfo.load(der, strict=True)
        algorithm = info["algorithm"]
        if algorithm["algorithm"].dotted != EC_PUBLIC_KEY or algorithm["parameters"].dotted != SM2_CURVE:
            raise ValueError("not an SM2 public key")
        point = bytes(info["subjectPublicKey"].native)
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError("malformed SubjectPublicKeyInfo") from exc
    if len(point) != 65 or point[0] != 4:
        raise ValueError("not an uncompressed SM2 point")
    return point


def _utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError("aware datetime required")
    return value.astimezone(datetime.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class SealSpec:
    """What goes into the seal: the issuer's key, name and seal picture."""

    key_id: str
    public_key: bytes
    name: str
    picture_png: bytes
    width_mm: int
    height_mm: int
    valid_start: datetime.datetime
    valid_end: datetime.datetime


def seal_info(spec: SealSpec) -> SESSealInfo:
    cert = spki(spec.public_key)
    return SESSealInfo(
        {
            "header": {"id": "ES", "version": SES_VERSION, "vid": "skillcert"},
            "esID": spec.key_id,
            "property": {
                "type": SEAL_TYPE_ORGANISATION,
                "name": spec.name,
                "certListType": CERT_LIST_CERTS,
                "certList": core.Any.load(CertInfoList([cert]).dump()),
                "createDate": _utc(spec.valid_start),
                "validStart": _utc(spec.valid_start),
                "validEnd": _utc(spec.valid_end),
            },
            "picture": {
                "type": "PNG",
                "data": spec.picture_png,
                "width": spec.width_mm,
                "height": spec.height_mm,
            },
        }
    )


def seal_to_sign(info: SESSealInfo, cert: bytes) -> bytes:
    """What the seal maker signs (GB/T 38540 v4): DER SEQUENCE { esealInfo, cert, signAlgID }."""
    body = info.dump() + core.OctetString(cert).dump() + core.ObjectIdentifier(SM2_SM3).dump()
    return core.Sequence.load(b"\x30" + _der_len(len(body)) + body).dump()


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw
