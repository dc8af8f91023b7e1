from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from skillcert.audit.models import AuditEntry
from skillcert.backoffice.listing import FilteredListView
from skillcert.catalog.filters import OCCUPATION_COLUMNS, OccupationFilter
from skillcert.catalog.models import CalendarDay, EducationLevel, Occupation
from skillcert.core.errors import NotFound, SkillcertError
from skillcert.jobs.models import Job, JobStatus
from skillcert.jobs.registry import get_kind
from skillcert.jobs.services import start_job
from skillcert.orgs import services as org_services
from skillcert.orgs.choices import Accreditation, OrgKind
from skillcert.orgs.filters import ORGANISATION_COLUMNS, OrganisationFilter
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission, org_filter
from skillcert.people import services as people_services
from skillcert.people.filters import PERSON_COLUMNS, PersonFilter
from skillcert.people.models import DocumentType, Gender, Person


def _need(request: HttpRequest, permission: str, org: Organisation | None = None) -> None:
    if not has_permission(request.user, permission, org):
        raise PermissionDenied


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    stats = {
        "organisations": Organisation.objects.visible_to(user).count(),
        "stations": Organisation.objects.visible_to(user).filter(kind=OrgKind.STATION).count(),
        "suspended": Organisation.objects.visible_to(user)
        .filter(kind=OrgKind.STATION)
        .exclude(accreditation=Accreditation.ACTIVE)
        .count(),
        "people": Person.objects.visible_to(user).count(),
        "occupations": Occupation.objects.count(),
    }
    recent = AuditEntry.objects.filter(org_filter(user, "organisation", "audit.view"))[:10]
    jobs = Job.objects.visible_to(user)[:5]
    return render(
        request,
        "backoffice/dashboard.html",
        {"stats": stats, "recent": recent, "jobs": jobs, "today": timezone.localdate()},
    )


class OrganisationListView(FilteredListView):
    filterset_class = OrganisationFilter
    columns = ORGANISATION_COLUMNS
    permission = "orgs.view"
    export_name = "organisations"
    title = _("Organisations")
    row_link = "backoffice:organisation"

    def base_queryset(self) -> Any:
        return Organisation.objects.visible_to(self.request.user).select_related("parent", "region")


class PersonListView(FilteredListView):
    filterset_class = PersonFilter
    columns = PERSON_COLUMNS
    permission = "people.view"
    export_name = "people"
    title = _("People")
    row_link = "backoffice:person"
    template_name = "backoffice/person_list.html"

    def base_queryset(self) -> Any:
        return Person.objects.visible_to(self.request.user).select_related("organisation", "education")


class OccupationListView(FilteredListView):
    filterset_class = OccupationFilter
    columns = OCCUPATION_COLUMNS
    permission = "catalog.view"
    export_name = "occupations"
    title = _("Occupations")

    def base_queryset(self) -> Any:
        return Occupation.objects.prefetch_related("work_types")


class AccreditationForm(forms.Form):
    status = forms.ChoiceField(choices=Accreditation.choices, label=_("Accreditation"))
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    form = AccreditationForm(request.POST or None, initial={"status": org.accreditation})
    if request.method == "POST" and form.is_valid():
        try:
            org_services.set_accreditation(
                org, form.cleaned_data["status"], form.cleaned_data["reason"], actor=request.user
            )
            messages.success(request, _("Accreditation updated."))
            return redirect("backoffice:organisation", pk=org.pk)
        except SkillcertError as exc:
            form.add_error(None, f"{exc.message_zh} / {exc.message_en}")
    return render(
        request,
        "backoffice/organisation_detail.html",
        {
            "org": org,
            "children": org.children.all(),
            "ancestors": org.ancestors().exclude(pk=org.pk),
            "members": org.memberships.select_related("user"),
            "administrators": org.administrators.all(),
            "rollouts": org.rollouts.all(),
            "accreditation_form": form
            if org.kind == OrgKind.STATION and has_permission(request.user, "orgs.accredit", org.parent)
            else None,
        },
    )


class PersonForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    name = forms.CharField(max_length=60, label=_("Name"))
    document_type = forms.ChoiceField(choices=DocumentType.choices, label=_("Document type"))
    document_number = forms.CharField(max_length=40, label=_("Document number"))
    gender = forms.ChoiceField(choices=[("", "—"), *Gender.choices], required=False, label=_("Gender"))
    birth_date = forms.DateField(
        required=False, label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    education = forms.ModelChoiceField(
        queryset=EducationLevel.objects.all(), required=False, label=_("Education")
    )
    phone = forms.CharField(max_length=20, required=False, label=_("Phone"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            org_filter(user, None, "people.change")
        )


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    _need(request, "people.change")
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = people_services.register_person(
                actor=request.user,
                organisation=data["organisation"],
                name=data["name"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                gender=data["gender"] or None,
                birth_date=data["birth_date"],
                education=data["education"],
                phone=data["phone"],
            )
            messages.success(request, _("Person registered."))
            return redirect("backoffice:person", pk=person.pk)
        except SkillcertError as exc:
            for err in exc.errors or []:
                target = err.field if err.field in form.fields else None
                form.add_error(target, f"{err.message_zh} / {err.message_en}")
            if not exc.errors:
                form.add_error(None, f"{exc.message_zh} / {exc.message_en}")
    return render(request, "backoffice/person_form.html", {"form": form})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("organisation", "education"), pk=pk
    )
    history = AuditEntry.objects.filter(object_type="people.Person", object_id=str(person.pk)).filter(
        org_filter(request.user, "organisation", "audit.view")
    )
    return render(request, "backoffice/person_detail.html", {"person": person, "history": history})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _need(request, "audit.view")
    entries = AuditEntry.objects.filter(
        org_filter(request.user, "organisation", "audit.view")
    ).select_related("organisation")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    return render(request, "backoffice/audit_list.html", {"entries": entries[:200], "action": action})


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    _need(request, "catalog.view")
    year = int(request.GET.get("year") or timezone.localdate().year)
    days = CalendarDay.objects.filter(date__year=year)
    return render(request, "backoffice/calendar.html", {"days": days, "year": year})


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    _need(request, "jobs.view")
    return render(request, "backoffice/job_list.html", {"jobs": Job.objects.visible_to(request.user)[:100]})


@login_required
def job_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    return render(
        request,
        "backoffice/job_detail.html",
        {"job": job, "running": job.status in {JobStatus.QUEUED, JobStatus.RUNNING}},
    )


@login_required
def job_download(request: HttpRequest, pk: str) -> FileResponse:
    from django.conf import settings

    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk, status=JobStatus.SUCCEEDED)
    # The file is what the job kind made (a print PDF carries full ID numbers): seeing the job is not
    # enough, the kind's own permission at the job's organisation is needed (issue 13 item 1).
    kind = get_kind(job.kind)
    if kind is None or not has_permission(request.user, kind.permission, job.organisation):
        raise Http404
    relative = (job.result or {}).get("file")
    if not relative:
        raise Http404
    path = settings.MEDIA_ROOT / relative
    if not path.resolve().is_relative_to(settings.MEDIA_ROOT.resolve()) or not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@require_POST
def people_export_job(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    memberships = [
        m.organisation
        for m in user.memberships.select_related("organisation")
        if has_permission(user, "people.view", m.organisation)
    ]
    if not memberships:
        raise PermissionDenied
    params = {
        k: v for k, v in request.GET.items() if k in {"name", "document_type", "gender", "organisation"}
    }
    try:
        job = start_job("people.export_xlsx", actor=request.user, organisation=memberships[0], params=params)
    except NotFound as exc:  # a filter naming an organisation outside the job's scope: as if unknown
        raise Http404(exc.message_en) from exc
    except SkillcertError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("backoffice:people")
    return redirect("backoffice:job", pk=job.pk)
