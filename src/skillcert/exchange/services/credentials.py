"""A certificate as a W3C Verifiable Credential 2.0 (JSON-LD, Data Integrity eddsa-jcs-2022; R2.6).

The issuer is the issuing authority as ``did:web:<host>:issuers:<code>``; its DID document (served at
``/issuers/<code>/did.json``) publishes the Ed25519 verification key. The key is derived from
``settings.DATA_KEY`` and the authority's code (HMAC-SHA256), so it needs no storage and no migration;
rotating it means rotating DATA_KEY (see docs/formats/national-exchange-v1.md §VC). Only the masked ID
number is in the credential (X7).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.lifecycle import current_view
from skillcert.core.errors import NotFound, NotPermitted
from skillcert.exchange import vc
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission


def issuer_key(authority: Organisation) -> Ed25519PrivateKey:
    master = base64.urlsafe_b64decode(settings.DATA_KEY)
    seed = hmac.new(master, f"skillcert/vc-ed25519/{authority.code}".encode(), hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def issuer_did(authority: Organisation, host: str) -> str:
    return f"did:web:{host.replace(':', '%3A')}:issuers:{authority.code}"


def did_document(authority: Organisation, host: str) -> dict[str, Any]:
    did = issuer_did(authority, host)
    key = f"{did}#key-1"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": key,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": vc.public_key_multibase(issuer_key(authority).public_key()),
            }
        ],
        "assertionMethod": [key],
    }


def _scores(view: dict[str, Any]) -> dict[str, str]:
    return {
        k: str(view[k]) for k in ("theory", "practical", "comprehensive") if view.get(k) not in (None, "")
    }


def credential_for(
    number: str, *, actor: Any, host: str, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The signed credential of one certificate the actor may see (exchange.export), else NotFound."""
    cert = (
        Certificate.objects.visible_to(actor, "exchange.export")
        .select_related("issuing_authority", "organisation")
        .filter(number=number)
        .first()
        if actor is not None
        else Certificate.objects.select_related("issuing_authority", "organisation")
        .filter(number=number)
        .first()
    )
    if cert is None:
        raise NotFound(
            "exchange.certificate.not_found",
            "证书不存在或不在本机构范围内",
            "No such certificate in your scope",
        )
    if actor is not None and not has_permission(actor, "exchange.export", cert.organisation):
        raise NotPermitted()
    view = current_view(cert)
    authority = cert.issuing_authority
    did = issuer_did(authority, host)
    created = (now or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    subject: dict[str, Any] = {
        "type": "CertificateHolder",
        "name": view.get("name", ""),
        "gender": view.get("gender", ""),
        "birthDate": view.get("birth_date", ""),
        "idNumberMasked": view.get("id_number_masked", ""),
        "achievement": {
            "type": "VocationalQualification",
            "certificateNumber": cert.number,
            "certificateKind": cert.kind,
            "eLicenceId": cert.licence_id,
            "occupationCode": view.get("occupation_code", ""),
            "occupationEdition": str(view.get("occupation_edition", "")),
            "occupation": view.get("occupation", ""),
            "workType": view.get("work_type", ""),
            "level": int(view.get("level") or cert.level_id),
            "levelName": view.get("level_name", ""),
            "scores": _scores(view),
            "evaluation": view.get("evaluation", ""),
            "issuedOn": str(view.get("issued_on", cert.issued_on.isoformat())),
            "reissued": bool(view.get("reissued")),
        },
    }
    credential = {
        "@context": [vc.CONTEXT_V2],
        "id": f"urn:skillcert:certificate:{cert.number}",
        "type": ["VerifiableCredential", "VocationalCertificateCredential"],
        "issuer": {"id": did, "name": authority.name},
        "validFrom": f"{cert.issued_on.isoformat()}T00:00:00+08:00",
        "credentialSubject": subject,
        "credentialStatus": {"type": "SkillcertState", "state": str(view.get("state", cert.state))},
    }
    secured = vc.add_proof(
        credential,
        issuer_key(authority),
        verification_method=f"{did}#key-1",
        created=created.isoformat().replace("+00:00", "Z"),
    )
    log_action(
        "exchange.credential.exported", cert, actor=actor, data={"number": cert.number, "format": "vc2"}
    )
    return secured
