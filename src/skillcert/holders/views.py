"""Public holder pages (issue 5 item 6; R2.3, R2.4, X7). No staff login: the browser session is
authorised for one certificate after the SMS code."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skillcert.certificates.services.lifecycle import current_id_cipher, current_view
from skillcert.core.errors import SkillcertError
from skillcert.esign import canonical, ecert_pdf, qr
from skillcert.esign.services import keys
from skillcert.holders import services
from skillcert.holders.models import HolderChallenge, ReissueRequest
from skillcert.people.protect import decrypt
from skillcert.verification.api import client_address

CHALLENGE_KEY = "holder_challenge"


def _cert_or_404(request: HttpRequest) -> Any:
    cert = services.authorised_certificate(request.session)
    if cert is None:
        raise Http404("no certificate for this session")
    return cert


@never_cache
@require_http_methods(["GET", "POST"])
def identity(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"number": "", "name": ""}
    if request.method == "POST":
        context["number"] = request.POST.get("number", "")[:40]
        context["name"] = request.POST.get("name", "")[:100]
        try:
            challenge = services.start_challenge(
                request.POST.get("number"),
                request.POST.get("name"),
                request.POST.get("id_number"),
                client=client_address(request),
            )
        except SkillcertError as exc:
            context["problem"] = exc
            return render(request, "holders/identity.html", context, status=exc.status)
        request.session[CHALLENGE_KEY] = challenge.pk
        return redirect("holders:verify")
    return render(request, "holders/identity.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(CHALLENGE_KEY)
    challenge = HolderChallenge.objects.filter(pk=pk).first() if pk else None
    if challenge is None:
        return redirect("holders:identity")
    context: dict[str, Any] = {"phone": challenge.phone_masked}
    if request.method == "POST":
        try:
            services.verify_challenge(challenge, request.POST.get("code"), session=request.session)
        except SkillcertError as exc:
            context["problem"] = exc
            return render(request, "holders/verify.html", context, status=exc.status)
        request.session.pop(CHALLENGE_KEY, None)
        return redirect("holders:certificate")
    return render(request, "holders/verify.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def certificate(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    cert = _cert_or_404(request)
    if pk is not None and int(pk) != cert.pk:
        raise Http404("another certificate")
    context: dict[str, Any] = {"certificate": cert, "view": current_view(cert)}
    status = 200
    if request.method == "POST":
        try:
            services.request_reissue(
                cert, reason=request.POST.get("reason", ""), delivery=request.POST.get("delivery", "")
            )
            context["requested"] = True
        except SkillcertError as exc:
            context["problem"] = exc
            status = exc.status
    context["requests"] = ReissueRequest.objects.filter(certificate=cert)[:10]
    return render(request, "holders/certificate.html", context, status=status)


def _salt(cert: Any) -> bytes:
    key = hashlib.sha256(b"skillcert/id-salt:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, cert.licence_id.encode(), hashlib.sha256).digest()[:16]


def _photo(sha: str) -> bytes | None:
    if not sha:
        return None
    from skillcert.people.models import Photo

    try:
        return Photo(sha256=sha, width=0, height=0, size=0, source="").read()
    except OSError:
        return None


def build_pdf(request: HttpRequest, cert: Any) -> bytes:
    view = current_view(cert)
    source = {
        **view,
        "licence_id": cert.licence_id,
        "issuing_authority_uscc": getattr(cert.issuing_authority, "uscc", "") or None,
        "id_number": decrypt(current_id_cipher(cert)),
        "id_salt": _salt(cert),
        "reissued_on": None,
    }
    for key in canonical.STRING_FIELDS:
        value = source.get(key)
        if (value is not None and not isinstance(value, str | int)) or (
            isinstance(value, int) and not isinstance(value, bool) and key != "level"
        ):
            source[key] = str(value)
    source["reissue"] = bool(view.get("reissued")) or None
    record = canonical.canonical_record(source)
    key_id, signature = keys.sign_with(cert.issuing_authority, canonical.signed_message(record))
    issuer_key = keys.active_key(cert.issuing_authority)
    qr_text = qr.make_payload(
        record, key_id, keys.private_key(issuer_key), request.build_absolute_uri("/Q/").upper()
    )
    return ecert_pdf.render_ecertificate(
        record,
        photo_jpeg=_photo(str(view.get("photo") or "")),
        qr_text=qr_text,
        signature=signature,
        key_id=key_id,
    )


@never_cache
@require_http_methods(["GET"])
def certificate_pdf(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    cert = _cert_or_404(request)
    if pk is not None and int(pk) != cert.pk:
        raise Http404("another certificate")
    try:
        pdf = build_pdf(request, cert)
    except SkillcertError as exc:
        context = {"certificate": cert, "view": current_view(cert), "problem": exc, "pdf_error": True}
        return render(request, "holders/certificate.html", context, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    return response
