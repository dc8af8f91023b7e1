"""From the register to the renderer: the signed QR text of an insert and its `InsertData` (R0.1, R0.5).

Nothing is retyped (R0.5): every field comes from the certificate's current view (frozen issue data
with approved corrections, `certificates.services.lifecycle.current_view`), the full ID number from the
certificate's current cipher (decrypted here, for the printed document only; never logged), the photo
from the people photo store by its hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillcert.catalog.models import EducationLevel
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.lifecycle import REISSUE_MARK, current_id_cipher
from skillcert.esign import qr
from skillcert.esign.services import keys
from skillcert.esign.services.documents import qr_base_url
from skillcert.people.protect import decrypt
from skillcert.printing.insert import InsertData


def default_base_url() -> str:
    """The verification URL prefix printed in QR codes when no request tells the host: the same one the
    e-certificates use (``settings.SKILLCERT_PUBLIC_BASE_URL``)."""
    return qr_base_url()


class Signer:
    """Signs QR payloads with each issuing authority's active key, decrypting each key once."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or default_base_url()).upper()
        self._keys: dict[int, tuple[str, bytes]] = {}

    def qr_text(self, certificate: Certificate, view: Mapping[str, Any], serial: str) -> str:
        authority = certificate.issuing_authority
        if authority.pk not in self._keys:
            key = keys.active_key(authority)
            self._keys[authority.pk] = (key.key_id, keys.private_key(key))
        key_id, private = self._keys[authority.pk]
        fields = {
            "number": certificate.number,
            "name": view.get("name") or certificate.data.get("name", ""),
            "level": int(certificate.data.get("level") or certificate.level_id),
            "occupation_code": certificate.data.get("occupation_code", ""),
            "issued_on": certificate.data.get("issued_on") or certificate.issued_on.isoformat(),
        }
        return qr.make_payload(fields, key_id, private, self.base_url, blank_serial=serial)


class InsertBuilder:
    """Builds `InsertData` for printed items, caching photos and the education table."""

    def __init__(self) -> None:
        self._photos: dict[str, bytes | None] = {}
        self._education_en = dict(EducationLevel.objects.values_list("name_zh", "name_en"))

    def photo(self, sha: str) -> bytes | None:
        if not sha:
            return None
        if sha not in self._photos:
            from skillcert.people.models import Photo

            try:
                self._photos[sha] = Photo(sha256=sha, width=0, height=0, size=0, source="").read()
            except OSError:
                self._photos[sha] = None
            if len(self._photos) > 64:  # a 2,000-insert job has 2,000 photos: keep only recent ones
                self._photos.pop(next(iter(self._photos)))
        return self._photos[sha]

    def build(
        self, certificate: Certificate, view: Mapping[str, Any], *, serial: str, qr_text: str, reissue: bool
    ) -> InsertData:
        def text(key: str) -> str:
            value = view.get(key)
            return "" if value is None else str(value)

        remarks = text("remark") if reissue else ""
        if reissue and REISSUE_MARK not in remarks:
            remarks = REISSUE_MARK
        education = text("education")
        return InsertData(
            number=certificate.number,
            name=text("name"),
            gender=text("gender"),
            birth_date=text("birth_date"),
            education=education,
            education_en=self._education_en.get(education, ""),
            id_number=decrypt(current_id_cipher(certificate)),
            occupation=text("occupation"),
            occupation_code=text("occupation_code"),
            work_type=text("work_type"),
            level=text("level"),
            level_name=text("level_name"),
            level_name_en=text("level_name_en"),
            theory=text("theory"),
            practical=text("practical"),
            evaluation=text("evaluation"),
            issued_on=text("issued_on"),
            issuing_authority=text("issuing_authority"),
            qr_text=qr_text,
            blank_serial=serial,
            photo_jpeg=self.photo(text("photo")),
            remarks=remarks,
            kind=text("kind") or "qualification",
        )
