"""The e-certificate (and score report) as a sealed OFD file (issue 5; R2.1, R2.6, R2.10).

The page is the same :class:`~skillcert.esign.ecert_layout.Layout` the PDF draws; the signed
canonical record and its signature file travel as OFD attachments (``Doc_0/Attachs``) exactly as they
are embedded in the PDF, and the whole package is sealed with the issuer's key (GB/T 38540,
``Doc_0/Signs``). docs/formats/ofd.md describes the file for verifiers.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

from skillcert.esign import sm2
from skillcert.esign.ecert_layout import DATA_FILE, SIGNATURE_ALG, SIGNATURE_FILE, Layout, build_layout
from skillcert.esign.ofd import ses, signing, writer
from skillcert.esign.ofd.signing import Signer

SEAL_YEARS = 10


def seal_spec(signer: Signer, layout: Layout, signed_at: datetime.datetime) -> ses.SealSpec:
    if layout.seal is None:
        raise ValueError("the layout has no seal picture")
    start = signer.valid_from or datetime.datetime(signed_at.year, 1, 1, tzinfo=datetime.UTC)
    return ses.SealSpec(
        key_id=signer.key_id,
        public_key=signer.public_key,
        name=str(layout.record.get("issuing_authority") or signer.key_id),
        picture_png=layout.seal.data,
        width_mm=signing.SEAL_MM,
        height_mm=signing.SEAL_MM,
        valid_start=start,
        valid_end=start.replace(year=start.year + SEAL_YEARS),
    )


def render_layout_ofd(layout: Layout, *, signer: Signer | None, signed_at: datetime.datetime) -> bytes:
    """The OFD of `layout`, sealed by `signer` at `signed_at` (unsealed when `signer` is None)."""
    rec = layout.record
    creation = str(rec.get("reissued_on") or rec.get("issued_on") or signed_at.date().isoformat())
    files = writer.package_files(layout, creation_date=creation, signed=signer is not None)
    if signer is not None:
        box = writer.stamp_boundary(layout)
        assert box is not None
        seal = signing.make_seal(signer, seal_spec(signer, layout, signed_at))
        files = signing.sign_package(
            files,
            signer=signer,
            seal_der=seal,
            page_id=writer.PAGE_ID,
            stamp_boundary=box,
            signed_at=signed_at,
        )
    return writer.zip_package(files)


def render_ecertificate_ofd(
    record: Mapping[str, Any],
    *,
    photo_jpeg: bytes | None,
    qr_text: str,
    signature: bytes,
    key_id: str,
    signer: Signer | None,
    signed_at: datetime.datetime,
    annotations: Sequence[str] = (),
) -> bytes:
    """The sealed e-certificate OFD of `record` (arguments as for ecert_pdf.render_ecertificate)."""
    layout = build_layout(
        record,
        photo_jpeg=photo_jpeg,
        qr_text=qr_text,
        signature=signature,
        key_id=key_id,
        annotations=annotations,
    )
    return render_layout_ofd(layout, signer=signer, signed_at=signed_at)


def is_ofd(data: bytes) -> bool:
    """Any ZIP is taken for an OFD (the verifier then says whether it is one): a repacked OFD whose
    first entry is no longer OFD.xml must still be recognised and answered, not read as a PDF."""
    return data[:4] == b"PK\x03\x04"


def extract_signed_data(files: Mapping[str, bytes]) -> tuple[bytes, bytes, str]:
    """(canonical bytes, 64-byte signature, key id) from the attachments of an OFD package; ValueError
    when they are missing or malformed."""
    data = files.get(f"{writer.DOC}/Attachs/{DATA_FILE}")
    meta_bytes = files.get(f"{writer.DOC}/Attachs/{SIGNATURE_FILE}")
    if data is None or meta_bytes is None:
        raise ValueError("the OFD carries no signed certificate data")
    try:
        meta = json.loads(meta_bytes.decode("ascii"))
        if meta.get("alg") != SIGNATURE_ALG or meta.get("v") != 1:
            raise ValueError("unknown signature format")
        signature = bytes.fromhex(str(meta["signature"]))
        key_id = str(meta["key_id"])
    except (UnicodeDecodeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError("malformed signature file") from exc
    if len(signature) != sm2.SIGNATURE_LENGTH:
        raise ValueError("signature must be 64 bytes")
    return data, signature, key_id


__all__ = ["Signer", "extract_signed_data", "is_ofd", "render_ecertificate_ofd", "render_layout_ofd"]
