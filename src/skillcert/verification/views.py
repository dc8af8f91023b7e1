"""The public verification page `/verify/` and the QR landing `/Q/<payload>` (issue 5 item 5; R2.3,
R3.1, X7). No login. The answer is in Chinese with English alongside. The ID number typed in is never
echoed back."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skillcert.core.errors import SkillcertError, ValidationFailed
from skillcert.verification import services
from skillcert.verification.api import client_address
from skillcert.verification.models import LookupLog


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    verdict = context.get("verdict")
    if verdict is not None:
        context["photo"] = verdict.photo_data_uri()
        context["cert"] = verdict.certificate
        revoked_at = (verdict.certificate or {}).get("revoked_at")
        if revoked_at:
            # The answer carries UTC ISO time; people read local time (X3).
            local = timezone.localtime(datetime.datetime.fromisoformat(revoked_at))
            context["revoked_at_local"] = local.strftime("%Y-%m-%d %H:%M")
        if verdict.answered and verdict.certificate:
            # issue 19: where the certificate stands in the public transparency log
            from skillcert.transparency import services as tlog

            context["tlog"] = tlog.position(str(verdict.certificate.get("number", "")))
    return render(request, "verification/verify.html", context, status=status)


def _failure(request: HttpRequest, context: dict[str, Any], exc: SkillcertError) -> HttpResponse:
    context["problem"] = exc
    context["field_errors"] = exc.errors if isinstance(exc, ValidationFailed) else []
    response = _render(request, context, status=exc.status)
    if isinstance(exc, services.RateLimited):
        response["Retry-After"] = exc.retry_after_header
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    mode = request.POST.get("method") or request.GET.get("method") or "number"
    if mode not in ("number", "id"):
        mode = "number"
    context: dict[str, Any] = {"mode": mode, "number": "", "name": ""}
    if request.method != "POST":
        return _render(request, context)
    name = request.POST.get("name", "")
    context["name"] = name[:100]
    client = client_address(request)
    try:
        if mode == "number":
            number = request.POST.get("number", "")
            context["number"] = number[:64]
            verdict = services.verify_by_number(number, name, channel=LookupLog.Channel.WEB, client=client)
        else:
            verdict = services.verify_by_id(
                request.POST.get("id_number", ""), name, channel=LookupLog.Channel.WEB, client=client
            )
    except SkillcertError as exc:
        return _failure(request, context, exc)
    context["verdict"] = verdict
    return _render(request, context)


def _qr_texts(request: HttpRequest, payload: str) -> list[str]:
    """The QR text as signed: the URL prefix is part of the signature, so rebuild it from the request
    (upper-cased, as in the QR); behind a TLS-terminating proxy the https form too."""
    prefix = request.build_absolute_uri("/Q/").upper()
    texts = [prefix + payload]
    if prefix.startswith("HTTP://"):
        texts.append("HTTPS://" + prefix[len("HTTP://") :] + payload)
    return texts


@never_cache
@require_http_methods(["GET"])
def qr_landing(request: HttpRequest, payload: str) -> HttpResponse:
    context: dict[str, Any] = {"mode": "qr", "number": "", "name": "", "from_qr": True}
    client = client_address(request)
    texts = _qr_texts(request, payload.upper())
    try:
        verdict = services.verify_qr(texts[0], channel=LookupLog.Channel.QR, client=client)
        if verdict.reason == "esign.qr.signature" and len(texts) > 1:
            verdict = services.verify_qr(texts[1], channel=LookupLog.Channel.QR, client=client)
    except SkillcertError as exc:
        return _failure(request, context, exc)
    context["verdict"] = verdict
    return _render(request, context)
