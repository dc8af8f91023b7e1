"""Back-office printing pages, mounted at /manage/printing/ (namespace "printing"): print jobs (choose
certificates, follow the rendering, download the PDF, reprint spoiled inserts, record the steel seal)
and printers (calibration, calibration page, calibration from measurements). Views parse input and
call the services; every lookup is scoped by `printing.print` (X1)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from skillcert.core.errors import SkillcertError
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission, org_filter
from skillcert.printing.insert import CROSSHAIRS_MM, Calibration, calibration_page
from skillcert.printing.models import Printer, PrintItem, PrintJob
from skillcert.printing.services import jobs as job_services
from skillcert.printing.services.common import PERMISSION
from skillcert.printing.services.printers import calibration_from_measurements, create_printer, update_printer
from skillcert.printing.services.render import read_pdf

MAX_ROWS = 500


def _need(request: HttpRequest) -> None:
    if not has_permission(request.user, PERMISSION):
        raise PermissionDenied


def _problem(request: HttpRequest, exc: SkillcertError) -> None:
    details = "；".join(f"{e.record + ' ' if e.record else ''}{e.message_zh}" for e in exc.errors[:5])
    text = f"{exc.message_zh} / {exc.message_en}"
    messages.error(request, f"{text}（{details}）" if details and details not in text else text)


def printing_orgs(user: Any) -> list[Organisation]:
    """Organisations where the user may print: where they hold printing.print, and the stations below."""
    return list(Organisation.objects.filter(org_filter(user, None, PERMISSION), active=True).order_by("path"))


def _printers_for(user: Any, org: Organisation) -> list[Printer]:
    rows = Printer.objects.visible_to(user).filter(active=True).select_related("organisation")
    return [p for p in rows if org.path.startswith(p.organisation.path)]


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


@login_required
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    _need(request)
    jobs = PrintJob.objects.visible_to(request.user).select_related("organisation", "holder", "printer")[:200]
    return render(request, "printing/job_list.html", {"jobs": jobs})


@login_required
@require_http_methods(["GET", "POST"])
def job_new(request: HttpRequest) -> HttpResponse:
    """Choose issued certificates of one organisation's scope and a printer; make the print jobs."""
    _need(request)
    orgs = printing_orgs(request.user)
    chosen = request.POST.get("organisation") or request.GET.get("organisation") or ""
    org = next((o for o in orgs if str(o.pk) == chosen), orgs[0] if orgs else None)
    if org is None:
        raise PermissionDenied
    if request.method == "POST":
        try:
            created = job_services.create_print_jobs(
                organisation=org,
                certificates=_ids(request.POST.getlist("certificate")),
                actor=request.user,
                printer=int(request.POST["printer"]) if request.POST.get("printer", "").isdigit() else None,
                base_url=request.build_absolute_uri("/Q/"),
            )
        except SkillcertError as exc:
            _problem(request, exc)
        else:
            messages.success(
                request,
                _("%(jobs)d print job(s) made for %(count)d certificate(s); the PDF is being rendered.")
                % {"jobs": len(created), "count": sum(j.item_count for j in created)},
            )
            return redirect("printing:job", created[0].pk)
    query = (request.GET.get("q") or "").strip()
    rows = job_services.printable_certificates(org, request.user).select_related("level", "organisation")
    if query:
        rows = rows.filter(number__startswith=query) | rows.filter(enrolment__session__code=query)
    total = rows.count()
    context = {
        "orgs": orgs,
        "org": org,
        "query": query,
        "rows": list(rows[:MAX_ROWS]),
        "total": total,
        "limit": MAX_ROWS,
        "printers": _printers_for(request.user, org),
        "holder": _holder_or_none(org),
    }
    return render(request, "printing/job_new.html", context)


def _holder_or_none(org: Organisation) -> Organisation | None:
    from skillcert.printing.services.common import stock_holder

    try:
        return stock_holder(org)
    except SkillcertError:
        return None


def _job(request: HttpRequest, pk: int) -> PrintJob:
    _need(request)
    return get_object_or_404(
        PrintJob.objects.visible_to(request.user).select_related(
            "organisation", "holder", "printer", "parent", "render_job"
        ),
        pk=pk,
    )


@login_required
@require_safe
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    items = (
        PrintItem.objects.filter(print_job=job)
        .select_related("certificate", "steel_seal_by", "replaced_by__print_job")
        .order_by("position")
    )
    render_job = job.render_job
    context = {
        "job": job,
        "items": items,
        "render_job": render_job,
        "running": render_job is not None and render_job.status in ("queued", "running"),
        "reprints": job.reprints.order_by("pk"),
        "ready": job_services.job_ready(job),
    }
    return render(request, "printing/job_detail.html", context)


@login_required
@require_safe
def job_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if not job_services.job_ready(job):
        messages.error(request, _("The print file is not ready yet."))
        return redirect("printing:job", job.pk)
    response = HttpResponse(read_pdf(job), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="print-job-{job.pk}.pdf"'
    return response


@login_required
@require_POST
def job_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Reprint the ticked inserts (with a reason) or record the steel seal on them."""
    job = _job(request, pk)
    ids = _ids(request.POST.getlist("item"))
    mine = list(job.items.filter(pk__in=ids).values_list("pk", flat=True))
    try:
        if not mine:
            messages.error(request, _("Tick the inserts first."))
        elif request.POST.get("action") == "reprint":
            new = job_services.reprint_inserts(
                mine,
                reason=request.POST.get("reason", ""),
                actor=request.user,
                base_url=request.build_absolute_uri("/Q/"),
            )
            messages.success(request, _("Reprint job made; the spoiled serials are registered."))
            return redirect("printing:job", new.pk)
        else:
            sealed = job_services.record_steel_seal(mine, actor=request.user)
            messages.success(
                request, _("Steel seal recorded on %(count)d insert(s).") % {"count": len(sealed)}
            )
    except SkillcertError as exc:
        _problem(request, exc)
    return redirect("printing:job", job.pk)


# --- printers -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def printer_list(request: HttpRequest) -> HttpResponse:
    _need(request)
    orgs = printing_orgs(request.user)
    if request.method == "POST":
        org = next((o for o in orgs if str(o.pk) == request.POST.get("organisation")), None)
        if org is None:
            raise PermissionDenied
        try:
            printer = create_printer(
                org, actor=request.user, name=request.POST.get("name", ""), note=request.POST.get("note", "")
            )
        except SkillcertError as exc:
            _problem(request, exc)
        else:
            messages.success(request, _("Printer added. Print its calibration page and enter the offsets."))
            return redirect("printing:printer", printer.pk)
    printers = Printer.objects.visible_to(request.user).select_related("organisation")
    return render(request, "printing/printer_list.html", {"printers": printers, "orgs": orgs})


def _printer(request: HttpRequest, pk: int) -> Printer:
    _need(request)
    return get_object_or_404(Printer.objects.visible_to(request.user).select_related("organisation"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def printer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the calibration by hand, or from the measured positions of two crosshairs."""
    printer = _printer(request, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "measured":
                measured = calibration_from_measurements(Calibration.of(printer), _measurements(request.POST))
                values: dict[str, Any] = {
                    "offset_x_mm": measured.offset_x_mm,
                    "offset_y_mm": measured.offset_y_mm,
                    "scale": measured.scale,
                }
            else:
                values = {
                    key: request.POST.get(key, "")
                    for key in ("name", "offset_x_mm", "offset_y_mm", "scale", "note")
                }
                values["active"] = request.POST.get("active") == "on"
            printer = update_printer(printer, actor=request.user, **values)
        except SkillcertError as exc:
            _problem(request, exc)
        except ValueError:
            messages.error(request, _("Enter the measured positions as numbers of millimetres."))
        else:
            messages.success(request, _("Calibration saved."))
            return redirect("printing:printer", printer.pk)
    context = {
        "printer": printer,
        "first": CROSSHAIRS_MM[0],
        "last": CROSSHAIRS_MM[-1],
        "jobs": printer.jobs.order_by("-pk")[:20],
    }
    return render(request, "printing/printer_detail.html", context)


def _measurements(post: Any) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    points = []
    for name, nominal in (("first", CROSSHAIRS_MM[0]), ("last", CROSSHAIRS_MM[-1])):
        x, y = post.get(f"{name}_x", "").strip(), post.get(f"{name}_y", "").strip()
        if x or y:
            points.append((nominal, (float(x), float(y))))
    if not points:
        raise ValueError("no measurement")
    return points


@login_required
@require_safe
def printer_calibration_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    printer = _printer(request, pk)
    response = HttpResponse(
        calibration_page(Calibration.of(printer), printer_name=printer.name), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="calibration-{printer.pk}.pdf"'
    return response
