"""Public pages: "I cannot find my certificate" inquiries (R3.4) and holders' correction requests with
evidence (R3.5). Bilingual inline like the other holder pages; no staff login."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skillcert.certificates.services.lifecycle import CORRECTABLE, current_view
from skillcert.core.errors import SkillcertError
from skillcert.core.uploads import upload_limit
from skillcert.holders import corrections, inquiry, services
from skillcert.holders.models import CertificateInquiry, CorrectionEvidence, CorrectionRequest
from skillcert.verification.api import client_address

INQUIRY_KEY = "holder_inquiry"
SHOWN_KEY = "holder_inquiry_shown"

_FIELDS = ("organisation", "name", "phone", "received_on", "details")


@never_cache
@require_http_methods(["GET", "POST"])
def inquiry_start(request: HttpRequest) -> HttpResponse:
    values = {k: request.POST.get(k, "")[:1000] for k in _FIELDS}
    context: dict[str, Any] = {"centres": inquiry.centres(), "values": values, "wait_days": inquiry.WAIT_DAYS}
    if request.method == "POST":
        try:
            inq = inquiry.start_inquiry(
                organisation_id=request.POST.get("organisation"),
                name=request.POST.get("name"),
                id_number=request.POST.get("id_number"),
                phone=request.POST.get("phone"),
                received_on=request.POST.get("received_on"),
                details=request.POST.get("details"),
                client=client_address(request),
            )
        except SkillcertError as exc:
            context["problem"] = exc
            return render(request, "holders/inquiry_start.html", context, status=exc.status)
        request.session[INQUIRY_KEY] = inq.pk
        return redirect("holders:inquiry-confirm")
    return render(request, "holders/inquiry_start.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def inquiry_confirm(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(INQUIRY_KEY)
    inq = CertificateInquiry.objects.filter(pk=pk).first() if pk else None
    if inq is None:
        return redirect("holders:inquiry")
    context: dict[str, Any] = {"phone": inq.phone_masked}
    if request.method == "POST":
        try:
            inq = inquiry.confirm_inquiry(inq, request.POST.get("code"))
        except SkillcertError as exc:
            context["problem"] = exc
            return render(request, "holders/inquiry_confirm.html", context, status=exc.status)
        request.session.pop(INQUIRY_KEY, None)
        request.session[SHOWN_KEY] = inq.pk
        return redirect("holders:inquiry-status")
    return render(request, "holders/inquiry_confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def inquiry_status(request: HttpRequest) -> HttpResponse:
    """The holder reads the state and the answer with the reference number and the phone number."""
    context: dict[str, Any] = {"reference": request.POST.get("reference", "")[:20]}
    if request.method == "POST":
        try:
            inq = inquiry.lookup(
                request.POST.get("reference"), request.POST.get("phone"), client=client_address(request)
            )
        except SkillcertError as exc:
            context["problem"] = exc
            return render(request, "holders/inquiry_status.html", context, status=exc.status)
        request.session[SHOWN_KEY] = inq.pk
        return redirect("holders:inquiry-status")
    pk = request.session.get(SHOWN_KEY)
    context["inquiry"] = (
        CertificateInquiry.objects.filter(pk=pk).select_related("organisation").first() if pk else None
    )
    return render(request, "holders/inquiry_status.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@upload_limit(corrections.MAX_BYTES, files=corrections.MAX_FILES)  # bytes over it are never stored
def correction(request: HttpRequest) -> HttpResponse:
    """For the certificate the session is authorised for (after the SMS code of the self-service)."""
    cert = services.authorised_certificate(request.session)
    if cert is None:
        return redirect("holders:identity")
    view = current_view(cert)
    context: dict[str, Any] = {
        "certificate": cert,
        "view": view,
        "fields": [(k, zh, en) for k, (zh, en) in CORRECTABLE.items()],
        "kinds": CorrectionEvidence.Kind.choices,
        "values": {k: request.POST.get(k, "")[:200] for k in CORRECTABLE if k != "id_number"},
        "reason": request.POST.get("reason", "")[:500],
    }
    status = 200
    if request.method == "POST":
        files = [(kind, f) for kind in CorrectionEvidence.Kind.values for f in request.FILES.getlist(kind)]
        try:
            req = corrections.submit(
                cert,
                changes={k: request.POST.get(k, "") for k in CORRECTABLE},
                reason=request.POST.get("reason", ""),
                files=files,
            )
        except SkillcertError as exc:
            context["problem"] = exc
            status = exc.status
        else:
            context["submitted"] = req
            context["values"], context["reason"] = {}, ""
    context["requests"] = [
        (r, corrections.outcome(r), corrections.masked(r))
        for r in CorrectionRequest.objects.filter(certificate=cert).prefetch_related("evidence")
    ]
    return render(request, "holders/inquiry_correction.html", context, status=status)
