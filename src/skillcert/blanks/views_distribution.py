"""R2.8 back-office pages for paper distribution: publish a collection notice, record a mailing or a
collection, and start the five-year recall job. Thin: parse the form, call the service (X1 scoping:
distributions come from `visible_to(user)`, out of scope → 404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from skillcert.blanks.choices import DistributionStatus
from skillcert.blanks.distribution_forms import CollectionForm, MailingForm, NoticeForm, RecallForm
from skillcert.blanks.models import Distribution
from skillcert.blanks.services import distribution as svc
from skillcert.core.errors import SkillcertError
from skillcert.jobs.services import start_job
from skillcert.orgs.scoping import has_permission

RECALL_KIND = "blanks.recall_uncollected"


def _need(request: HttpRequest, permission: str) -> None:
    if not has_permission(request.user, permission):
        raise PermissionDenied


def refused(form: Any, exc: SkillcertError) -> None:
    """Show a service refusal on the field it names (or above the form)."""
    placed = False
    for err in exc.errors:
        if err.field in form.fields:
            form.add_error(err.field, f"{err.message_zh} / {err.message_en}")
            placed = True
    if not placed:
        form.add_error(None, f"{exc.message_zh} / {exc.message_en}")


def _form_page(request: HttpRequest, form: Any, title: str, button: str, intro: str = "") -> HttpResponse:
    return render(
        request, "blanks/form.html", {"form": form, "title": title, "button": button, "intro": intro}
    )


def _distribution(request: HttpRequest, pk: int) -> Distribution:
    return get_object_or_404(
        Distribution.objects.visible_to(request.user).select_related("certificate", "notice"), pk=pk
    )


@login_required
def distribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "blanks.view")
    dist = _distribution(request, pk)
    return render(
        request,
        "blanks/distribution_detail.html",
        {
            "dist": dist,
            "held": dist.status == DistributionStatus.HELD,
            "can_manage": has_permission(request.user, "blanks.manage", dist.organisation),
        },
    )


@login_required
def publish_notice(request: HttpRequest) -> HttpResponse:
    _need(request, "blanks.manage")
    form = NoticeForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            notice = svc.publish_notice(
                organisation=d["organisation"],
                title=d["title"],
                place=d["place"],
                collect_from=d["collect_from"],
                collect_until=d["collect_until"],
                certificates=list(d["certificates"]),
                note=d["note"],
                actor=request.user,
            )
        except SkillcertError as exc:
            refused(form, exc)
        else:
            messages.success(
                request,
                _("Collection notice published for %(count)d certificates.")
                % {"count": notice.distributions.count()},
            )
            return redirect("blanks:distributions")
    return _form_page(
        request,
        form,
        _("Publish a collection notice"),
        _("Publish"),
        _("Only printed certificates not yet in a notice are listed."),
    )


@login_required
def record_mailing(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "blanks.manage")
    dist = _distribution(request, pk)
    form = MailingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            svc.record_mailing(
                dist,
                recipient=d["recipient"],
                address=d["address"],
                tracking_number=d["tracking_number"],
                mailed_on=d["mailed_on"],
                actor=request.user,
            )
        except SkillcertError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Mailing recorded."))
            return redirect("blanks:distribution", dist.pk)
    return _form_page(
        request,
        form,
        _("Record a mailing for %(number)s") % {"number": dist.certificate.number},
        _("Record"),
    )


@login_required
def record_collection(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "blanks.manage")
    dist = _distribution(request, pk)
    form = CollectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            svc.record_collection(
                dist,
                recipient=d["recipient"],
                collected_on=d["collected_on"],
                id_checked=d["id_checked"],
                actor=request.user,
            )
        except SkillcertError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("Collection recorded."))
            return redirect("blanks:distribution", dist.pk)
    return _form_page(
        request,
        form,
        _("Record a collection of %(number)s") % {"number": dist.certificate.number},
        _("Record"),
    )


@login_required
def recall(request: HttpRequest) -> HttpResponse:
    """Start the five-year recall for one organisation as a job and show its progress page."""
    _need(request, "blanks.manage")
    form = RecallForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_job(RECALL_KIND, actor=request.user, organisation=form.cleaned_data["organisation"])
        except SkillcertError as exc:
            refused(form, exc)
        else:
            return redirect("backoffice:job", pk=job.pk)
    return _form_page(
        request,
        form,
        _("Recall certificates uncollected for five years"),
        _("Start the recall"),
        _(
            "Certificates still held five years after the exam are recalled; their blanks then await "
            "destruction."
        ),
    )
