"""Public holder pages (issue 5 item 6; R2.3, R2.4, X7). No staff login: the browser session is
authorised for one certificate after the SMS code."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skillcert.certificates.services.lifecycle import current_view
from skillcert.core.errors import SkillcertError
from skillcert.esign.models import DocumentKind
from skillcert.esign.services import documents
from skillcert.holders import services
from skillcert.holders.models import HolderChallenge, ReissueRequest
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


def _document(request: HttpRequest, pk: int | None, kind: str) -> HttpResponse:
    """The registered original file of the certificate's current version (R2.1, R2.6): generated once
    (normally on commit of issuance or reissue, else now) and served byte for byte as stored."""
    cert = _cert_or_404(request)
    if pk is not None and int(pk) != cert.pk:
        raise Http404("another certificate")
    try:
        document = documents.ensure_documents(cert)[kind]
        data = documents.read_document(document)
    except SkillcertError as exc:
        context = {"certificate": cert, "view": current_view(cert), "problem": exc, "pdf_error": True}
        return render(request, "holders/certificate.html", context, status=503)
    content_type = "application/pdf" if kind == DocumentKind.PDF else "application/ofd"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.{kind}"'
    response["X-Content-SHA256"] = document.sha256
    return response


@never_cache
@require_http_methods(["GET"])
def certificate_pdf(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _document(request, pk, DocumentKind.PDF)


@never_cache
@require_http_methods(["GET"])
def certificate_ofd(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _document(request, pk, DocumentKind.OFD)


@never_cache
@require_http_methods(["GET"])
def certificate_proof(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The transparency-log proof of the certificate's current version (issue 19 item 3): a
    c2sp.org/tlog-proof@v1 file that `skillcert verify_file --proof` checks offline with the e-certificate,
    against the earliest cosigned checkpoint holding it (the evidence that it predates a key's revocation)."""
    from skillcert.transparency import services as tlog

    cert = _cert_or_404(request)
    if pk is not None and int(pk) != cert.pk:
        raise Http404("another certificate")
    try:
        made = tlog.proof_for(cert.number, earliest=True)  # the evidence of when (R2.1)
    except SkillcertError as exc:
        raise Http404(exc.code) from None
    response = HttpResponse(made.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.tlog-proof"'
    return response
