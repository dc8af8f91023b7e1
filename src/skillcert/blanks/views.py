"""Back-office pages of the blank ledger, mounted at /manage/blanks/ (namespace "blanks").

Lists go through FilteredListView (one filter for page and export) on `visible_to(user)` querysets
(X1); forms parse and call the services; refusals are shown as the services' bilingual messages."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skillcert.backoffice.listing import FilteredListView
from skillcert.blanks import filters
from skillcert.blanks.choices import BlankState, RequisitionStatus
from skillcert.blanks.documents import render_requisition_pdf, render_requisition_xlsx
from skillcert.blanks.forms import (
    AllocateForm,
    ApproveForm,
    DestroyForm,
    FeeForm,
    ReceiveForm,
    RequisitionAllocateForm,
    RequisitionForm,
    SpoilForm,
)
from skillcert.blanks.models import (
    Allocation,
    BlankSerial,
    DestructionBatch,
    Distribution,
    Receipt,
    Requisition,
)
from skillcert.blanks.services import destruction, ledger
from skillcert.blanks.services import requisition as rq
from skillcert.blanks.services.common import parse_serial
from skillcert.core.errors import SkillcertError
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission


def _need(request: HttpRequest, permission: str) -> None:
    if not has_permission(request.user, permission):
        raise PermissionDenied


def _refused(form: Any, exc: SkillcertError) -> None:
    form.add_error(None, f"{exc.message_zh} / {exc.message_en}")


def _form_page(request: HttpRequest, form: Any, title: str, button: str, intro: str = "") -> HttpResponse:
    return render(
        request, "blanks/form.html", {"form": form, "title": title, "button": button, "intro": intro}
    )


# --- lists ------------------------------------------------------------------------------------------


class ReceiptListView(FilteredListView):
    filterset_class = filters.ReceiptFilter
    columns = filters.RECEIPT_COLUMNS
    permission = "blanks.view"
    export_name = "blank-receipts"
    title = gettext_lazy("Blank receipts")

    def base_queryset(self) -> Any:
        return Receipt.objects.visible_to(self.request.user).select_related("holder")


class AllocationListView(FilteredListView):
    filterset_class = filters.AllocationFilter
    columns = filters.ALLOCATION_COLUMNS
    permission = "blanks.view"
    export_name = "blank-allocations"
    title = gettext_lazy("Blank allocations")

    def base_queryset(self) -> Any:
        return Allocation.objects.visible_to(self.request.user).select_related(
            "source", "target", "requisition"
        )


class SerialListView(FilteredListView):
    filterset_class = filters.SerialFilter
    columns = filters.SERIAL_COLUMNS
    permission = "blanks.view"
    export_name = "blank-serials"
    title = gettext_lazy("Blank serials")

    def row_url(self, obj: Any) -> str | None:
        return reverse("blanks:serial", args=[obj.serial])

    def base_queryset(self) -> Any:
        return BlankSerial.objects.visible_to(self.request.user).select_related("holder", "certificate")


class RequisitionListView(FilteredListView):
    filterset_class = filters.RequisitionFilter
    columns = filters.REQUISITION_COLUMNS
    permission = "blanks.view"
    export_name = "blank-requisitions"
    title = gettext_lazy("Blank requisitions")
    row_link = "blanks:requisition"

    def base_queryset(self) -> Any:
        return (
            Requisition.objects.visible_to(self.request.user).select_related("city").prefetch_related("lines")
        )


class DestructionListView(FilteredListView):
    filterset_class = filters.DestructionFilter
    columns = filters.DESTRUCTION_COLUMNS
    permission = "blanks.view"
    export_name = "blank-destructions"
    title = gettext_lazy("Destruction batches")

    def base_queryset(self) -> Any:
        return DestructionBatch.objects.visible_to(self.request.user).select_related(
            "holder", "witness_1", "witness_2"
        )


class DistributionListView(FilteredListView):
    filterset_class = filters.DistributionFilter
    columns = filters.DISTRIBUTION_COLUMNS
    permission = "blanks.view"
    export_name = "certificate-distribution"
    title = gettext_lazy("Paper certificate distribution")
    template_name = "blanks/distribution_list.html"
    row_link = "blanks:distribution"

    def base_queryset(self) -> Any:
        return Distribution.objects.visible_to(self.request.user).select_related("certificate")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = has_permission(self.request.user, "blanks.manage")
        return context


# --- stock ------------------------------------------------------------------------------------------


@login_required
def stock(request: HttpRequest) -> HttpResponse:
    """Stock per holder: counts per level and state, only the user's subtrees (X1)."""
    _need(request, "blanks.view")
    counts: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    rows = (
        BlankSerial.objects.visible_to(request.user)
        .values_list("holder", "level", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for holder, level, state, n in rows:
        counts[holder][(level, state)] = n
    holders = Organisation.objects.filter(pk__in=counts).order_by("path")
    states = list(BlankState)
    table = []
    for org in holders:
        for level in "54321":
            values = [counts[org.pk].get((level, s.value), 0) for s in states]
            if any(values):
                table.append({"org": org, "level": level, "values": values, "total": sum(values)})
    return render(
        request,
        "blanks/stock.html",
        {"table": table, "states": states, "can_manage": has_permission(request.user, "blanks.manage")},
    )


@login_required
def serial_detail(request: HttpRequest, serial: str) -> HttpResponse:
    _need(request, "blanks.view")
    try:
        series, number = parse_serial(serial)
    except ValueError:
        series, number = "", 0
    obj = get_object_or_404(
        BlankSerial.objects.visible_to(request.user).select_related("holder", "certificate"),
        series=series,
        number=number,
    )
    return render(request, "blanks/serial_detail.html", {"serial": obj, "entries": ledger.history(obj)})


# --- actions ----------------------------------------------------------------------------------------


@login_required
def receive(request: HttpRequest) -> HttpResponse:
    _need(request, "blanks.manage")
    form = ReceiveForm(request.POST or None, user=request.user, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            s1, n1 = parse_serial(d["first"])
            s2, n2 = parse_serial(d["last"])
            if s1 != s2:
                raise ValueError
        except ValueError:
            form.add_error(
                "last", _("First and last serial must be of the form JS00000001 and share the series.")
            )
        else:
            try:
                receipt = ledger.receive(
                    holder=d["holder"],
                    level=d["level"],
                    series=s1,
                    first_number=n1,
                    last_number=n2,
                    document_number=d["document_number"],
                    document_date=d["document_date"],
                    received_on=d["received_on"],
                    actor=request.user,
                )
            except SkillcertError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("%(count)d serials received.") % {"count": receipt.count})
                return redirect("blanks:receipts")
    return _form_page(request, form, _("Record a receipt from the national centre"), _("Record"))


@login_required
def allocate(request: HttpRequest) -> HttpResponse:
    _need(request, "blanks.manage")
    form = AllocateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            alloc = ledger.allocate(
                source=d["source"],
                target=d["target"],
                level=d["level"],
                count=d["count"],
                actor=request.user,
                document_number=d["document_number"],
            )
        except SkillcertError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("%(count)d serials allocated.") % {"count": alloc.count})
            return redirect("blanks:allocations")
    return _form_page(
        request,
        form,
        _("Allocate blanks"),
        _("Allocate"),
        _("Province → its cities, industry centre → its branches. Never to a station."),
    )


@login_required
def spoil(request: HttpRequest) -> HttpResponse:
    _need(request, "blanks.manage")
    form = SpoilForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = destruction.register_spoiled(
                form.cleaned_data["serials"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except SkillcertError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("%(count)d serials registered as spoiled.") % {"count": len(done)})
            return redirect(reverse("blanks:serials") + "?state=spoiled")
    return _form_page(request, form, _("Register spoiled blanks"), _("Register"))


@login_required
def destroy(request: HttpRequest) -> HttpResponse:
    _need(request, "blanks.manage")
    form = DestroyForm(
        request.POST or None, user=request.user, initial={"destroyed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            batch = destruction.destroy(
                holder=d["holder"],
                serials=d["serials"],
                destroyed_on=d["destroyed_on"],
                witness_1=destruction.find_witness(d["witness_1"], d["holder"], "witness_1"),
                witness_2=destruction.find_witness(d["witness_2"], d["holder"], "witness_2"),
                place=d["place"],
                actor=request.user,
            )
        except SkillcertError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("%(count)d serials destroyed.") % {"count": batch.count})
            return redirect("blanks:destructions")
    return _form_page(request, form, _("Destroy spoiled and recalled blanks"), _("Destroy"))


@login_required
def requisition_new(request: HttpRequest) -> HttpResponse:
    _need(request, "blanks.requisition")
    form = RequisitionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            req = rq.file_requisition(
                city=form.cleaned_data["city"],
                planned=form.planned(),
                zero_declaration=form.cleaned_data["zero_declaration"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except SkillcertError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Requisition filed."))
            return redirect("blanks:requisition", req.pk)
    return _form_page(
        request,
        form,
        _("File the quarterly requisition"),
        _("Submit"),
        _("Window: 1–10 January, April, July and October. Last quarter's figures are filled in."),
    )


@login_required
def requisition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "blanks.view")
    req = get_object_or_404(Requisition.objects.visible_to(request.user).select_related("city"), pk=pk)
    fmt = request.GET.get("format")
    stamp = f"requisition-{req.city.code}-{req.year}Q{req.quarter}"
    if fmt == "pdf":
        response = HttpResponse(render_requisition_pdf(req), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{stamp}.pdf"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            render_requisition_xlsx(req),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stamp}.xlsx"'
        return response
    approve_form = ApproveForm(request.POST if request.POST.get("form") == "approve" else None)
    alloc_form = RequisitionAllocateForm(
        request.POST if request.POST.get("form") == "allocate" else None,
        planned=rq.effective_planned(req.city, req.year, req.quarter),
    )
    if request.method == "POST":
        try:
            if approve_form.is_bound and approve_form.is_valid():
                rq.approve_requisition(
                    req,
                    actor=request.user,
                    approve=approve_form.cleaned_data["decision"] == "approve",
                    comment=approve_form.cleaned_data["comment"],
                )
                messages.success(request, _("Signed."))
                return redirect("blanks:requisition", req.pk)
            if alloc_form.is_bound and alloc_form.is_valid():
                rq.allocate_for_requisition(
                    req,
                    alloc_form.counts(),
                    actor=request.user,
                    document_number=alloc_form.cleaned_data["document_number"],
                )
                messages.success(request, _("Allocated."))
                return redirect("blanks:requisition", req.pk)
        except SkillcertError as exc:
            messages.error(request, f"{exc.message_zh} / {exc.message_en}")
            return redirect("blanks:requisition", req.pk)
    return render(
        request,
        "blanks/requisition_detail.html",
        {
            "req": req,
            "lines": req.lines.all(),
            "approvals": req.approvals.select_related("actor"),
            "approve_form": approve_form,
            "alloc_form": alloc_form,
            "pending": req.status in rq.NEXT,
            "approved": req.status == RequisitionStatus.APPROVED,
        },
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """R1.4: the province's allocation screen — per city: requisition, fee remittance, last quarter's
    figures, destroyed count."""
    _need(request, "blanks.manage")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        quarter = int(request.GET.get("quarter") or (today.month - 1) // 3 + 1)
        if not (1 <= quarter <= 4 and 2000 <= year <= 2100):
            raise ValueError
    except ValueError:
        year, quarter = today.year, (today.month - 1) // 3 + 1
    provinces = Organisation.objects.visible_to(request.user).filter(
        kind__in=[OrgKind.PROVINCE, OrgKind.INDUSTRY]
    )
    sections = [
        {"province": p, "rows": rq.allocation_overview(p, year, quarter)}
        for p in provinces
        if has_permission(request.user, "blanks.manage", p)
    ]
    return render(
        request,
        "blanks/overview.html",
        {
            "sections": sections,
            "year": year,
            "quarter": quarter,
            "levels": rq.LEVELS,
            "last": rq.previous_quarter(year, quarter),
            "today": datetime.date.today(),
        },
    )


@login_required
def fee(request: HttpRequest) -> HttpResponse:
    """R1.4: record a city's fee remittance (鉴定费分成款) for a quarter."""
    _need(request, "blanks.manage")
    form = FeeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rq.record_fee_remittance(
                city=d["city"],
                year=d["year"],
                quarter=d["quarter"],
                amount=d["amount"],
                remitted_on=d["remitted_on"],
                note=d["note"],
                actor=request.user,
            )
        except SkillcertError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Fee remittance recorded."))
            return redirect(reverse("blanks:overview") + f"?year={d['year']}&quarter={d['quarter']}")
    return _form_page(request, form, _("Record a fee remittance"), _("Record"))
