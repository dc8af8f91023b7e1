"""Back-office exchange pages (/manage/exchange/): upload a file for import (the job page then shows
progress, the row errors and the XLSX error report), the national exchange export, and the public DID
document of an issuing authority for Verifiable Credentials."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from skillcert.core.errors import SkillcertError
from skillcert.core.uploads import check_form_upload, form_status, import_max_bytes, upload_limit
from skillcert.exchange.format import COLUMNS, FORMAT_VERSION
from skillcert.exchange.services.credentials import credential_for, did_document
from skillcert.exchange.services.national import write_national_export
from skillcert.exchange.services.uploads import start_import
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission


def _orgs(user: Any, permission: str) -> list[Organisation]:
    return [
        m.organisation
        for m in user.memberships.select_related("organisation").order_by("organisation__depth")
        if has_permission(user, permission, m.organisation)
    ]


class ImportFile(forms.FileField):
    """SKILLCERT_IMPORT_MAX_BYTES on the page as on the API (issue 13 item 4): 413 with the form."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        return check_form_upload(super().clean(data, initial), import_max_bytes())


class ImportForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Importing organisation"))
    file = ImportFile(label=_("File (CSV or XLSX, format import-v1)"))
    partial = forms.BooleanField(
        label=_("Import the valid rows even if other rows have errors"), required=False
    )

    def __init__(self, *args: Any, orgs: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.code, o.name) for o in orgs]  # type: ignore[attr-defined]


class ExportForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Exporting organisation"))
    date_from = forms.DateField(label=_("Issued from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Issued until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, orgs: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.code, o.name) for o in orgs]  # type: ignore[attr-defined]


@login_required
@upload_limit(import_max_bytes)
def import_page(request: HttpRequest) -> HttpResponse:
    orgs = _orgs(request.user, "exchange.import")
    if not orgs:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, orgs=orgs)
    status = 200
    if request.method == "POST" and form.is_valid():
        org = next(o for o in orgs if o.code == form.cleaned_data["organisation"])
        try:
            job = start_import(
                form.cleaned_data["file"],
                actor=request.user,
                organisation=org,
                partial=form.cleaned_data["partial"],
            )
        except SkillcertError as exc:
            form.add_error(None, f"{exc.message_zh} / {exc.message_en}")
            status = exc.status
        else:
            return redirect("backoffice:job", pk=job.pk)
    return render(
        request,
        "exchange/import.html",
        {"form": form, "columns": COLUMNS, "format_version": FORMAT_VERSION},
        status=form_status(form, status),
    )


@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    orgs = _orgs(request.user, "exchange.export")
    if not orgs:
        raise PermissionDenied
    form = ExportForm(request.GET or None, orgs=orgs)
    if request.GET and form.is_valid():
        org = next(o for o in orgs if o.code == form.cleaned_data["organisation"])
        out = io.StringIO()
        try:
            write_national_export(
                out,
                actor=request.user,
                exporter=org,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except SkillcertError as exc:
            form.add_error(None, f"{exc.message_zh} / {exc.message_en}")
        else:
            response = HttpResponse(out.getvalue().encode(), content_type="application/json; charset=utf-8")
            name = (
                f"national-exchange-{org.code}-{form.cleaned_data['date_from']:%Y%m%d}-"
                f"{form.cleaned_data['date_to']:%Y%m%d}.json"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(request, "exchange/export.html", {"form": form, "today": datetime.date.today()})


@login_required
def credential_download(request: HttpRequest, number: str) -> HttpResponse:
    try:
        data = credential_for(number, actor=request.user, host=request.get_host())
    except SkillcertError as exc:
        raise Http404(exc.message_en) from exc
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{number}.vc.json"'
    return response


@require_GET
def issuer_did(request: HttpRequest, code: str) -> JsonResponse:
    """did:web resolution: https://<host>/issuers/<code>/did.json (public keys only)."""
    authority = Organisation.objects.filter(code=code, active=True).first()
    if authority is None:
        raise Http404
    return JsonResponse(
        did_document(authority, request.get_host()), json_dumps_params={"ensure_ascii": False}
    )
