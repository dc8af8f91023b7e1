"""Back-office certificate pages, mounted at /manage/certificates/ (namespace "certificates"), and the
public directory of issuing organisations at /directory/ (R2.11).

Every lookup goes through `Certificate.objects.visible_to(user)` (X1): a certificate outside the user's
subtree answers 404 like one that does not exist. Pages show the masked ID number only (X7)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from skillcert.appraisal.models import AppraisalSession
from skillcert.backoffice.listing import FilteredListView
from skillcert.certificates.filters import CERTIFICATE_COLUMNS, CertificateFilter
from skillcert.certificates.models import Certificate, CertificateEvent, NumberingConfig
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.services.lifecycle_view import shown_event_data
from skillcert.core.api import storable_text
from skillcert.core.errors import SkillcertError
from skillcert.orgs.scoping import has_permission


class CertificateListView(FilteredListView):
    """Find certificates by number, name, exact ID number, session, level, state and issue date; export
    the filtered list as XLSX or CSV (X5)."""

    filterset_class = CertificateFilter
    columns = CERTIFICATE_COLUMNS
    permission = "certificates.view"
    export_name = "certificates"
    title = gettext_lazy("Certificates")

    def row_url(self, obj: Any) -> str | None:
        return reverse("certificates:detail", args=[obj.number])

    def base_queryset(self) -> Any:
        return (
            Certificate.objects.visible_to(self.request.user)
            .select_related("enrolment__session")
            .order_by("-issued_on", "number")
        )


def actor_label(event: CertificateEvent) -> str:
    user = event.actor
    if user is None:
        return "system"
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


@login_required
@require_safe
def certificate_detail(request: HttpRequest, number: str) -> HttpResponse:
    if not storable_text(number):
        raise Http404
    if not has_permission(request.user, "certificates.view"):
        raise PermissionDenied
    cert = get_object_or_404(
        Certificate.objects.visible_to(request.user).select_related(
            "organisation", "issuing_authority", "occupation", "level", "enrolment__session"
        ),
        number=number,
    )
    events = [
        {"event": e, "actor_label": actor_label(e), "data": shown_event_data(e)}
        for e in cert.events.select_related("actor").order_by("at", "id")
    ]
    session = cert.enrolment.session if cert.enrolment_id and cert.enrolment else None
    return render(
        request,
        "certificates/certificate_detail.html",
        {"cert": cert, "data": cert.data, "events": events, "session": session},
    )


@login_required
@require_POST
def issue(request: HttpRequest, session_id: int) -> HttpResponse:
    """Issue certificates for every eligible candidate of an approved session; the outcome, or the
    service's bilingual refusal, is shown as a message on the list filtered by the session."""
    session = get_object_or_404(AppraisalSession.objects.visible_to(request.user), pk=session_id)
    try:
        issued = issue_certificates(session, actor=request.user)
    except SkillcertError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        if issued:
            messages.success(
                request,
                _("%(count)d certificates issued for session %(code)s.")
                % {"count": len(issued), "code": session.code},
            )
        else:
            messages.info(request, _("No certificate to issue: every eligible candidate already has one."))
    return redirect(reverse("certificates:list") + "?" + urlencode({"session": session.pk}))


# --- public directory (R2.11) ---------------------------------------------------------------------


def directory_entries() -> list[dict[str, Any]]:
    """Which organisation issues and reissues which certificate type, derived from the numbering
    configurations. Organisations only: no personal data."""
    from skillcert.certificates.choices import CertificateKind
    from skillcert.orgs.choices import OrgKind

    entries = []
    configs = NumberingConfig.objects.select_related("organisation", "issuing_authority").order_by(
        "area_code", "organisation__code"
    )
    for config in configs:
        org, authority = config.organisation, config.issuing_authority
        kind = (
            CertificateKind.QUALIFICATION
            if config.scheme == NumberingConfig.Scheme.NATIONAL16
            else CertificateKind.SKILL_LEVEL
        )
        industry = org.kind == OrgKind.INDUSTRY
        entries.append(
            {
                "organisation": _org(org),
                "issuing_authority": _org(authority),
                "scheme": config.scheme,
                "scheme_label": config.get_scheme_display(),
                "area_code": config.area_code,
                "issues": [{"kind": kind.value, "label": str(kind.label)}],
                "reissues": [{"kind": kind.value, "label": str(kind.label)}],
                "reissued_by": _org(authority),
                "industry_code": config.area_code if industry else "",
                "industry_specific_only": industry,
            }
        )
    return entries


def _org(org: Any) -> dict[str, Any]:
    return {
        "code": org.code,
        "name": org.name,
        "name_en": org.name_en,
        "kind": org.kind,
        "kind_label": str(org.get_kind_display()),
        "address": org.address,
        "phone": org.phone,
    }


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    """R2.11: the public directory; no login."""
    return render(request, "public/directory.html", {"entries": directory_entries()})
