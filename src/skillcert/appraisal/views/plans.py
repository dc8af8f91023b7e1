"""Annual plans (R4.1): a station's planned candidates per occupation and level, submitted to the centre
above for review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from skillcert.appraisal import forms as f
from skillcert.appraisal.choices import ReviewStatus
from skillcert.appraisal.filters import PLAN_COLUMNS, AnnualPlanFilter
from skillcert.appraisal.models import AnnualPlan
from skillcert.appraisal.services import plans
from skillcert.appraisal.views.common import (
    CreatableListView,
    attempt,
    attempt_on_form,
    create_rows,
    need,
    need_reviewer,
    review,
    reviews,
    scoped,
)
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission


class PlanListView(CreatableListView):
    filterset_class = AnnualPlanFilter
    columns = PLAN_COLUMNS
    export_name = "annual-plans"
    title = gettext_lazy("Annual plans")
    row_link = "appraisal:plan"
    template_name = "appraisal/plan_list.html"

    def base_queryset(self) -> Any:
        return (
            AnnualPlan.objects.visible_to(self.request.user)
            .select_related("organisation")
            .annotate(line_count=Count("lines"), planned_total=Sum("lines__planned_count"))
            .order_by("-year", "organisation__path")
        )


class _Errors(forms.Form):
    """A form without fields, carrying the errors of a row set's submission."""


def _save_lines(
    request: HttpRequest, form: forms.Form, org: Organisation, year: int, rows: f.RowSet
) -> HttpResponse | None:
    """Save the plan's lines as a whole and go to the plan; None when the service refused (its errors
    are on `form` and `rows`)."""
    plan = attempt_on_form(
        form,
        lambda: plans.save_annual_plan(org, year, f.plan_lines(rows), actor=request.user),
        rows=rows,
        list_name="lines",
    )
    if plan is None:
        return None
    messages.success(request, _("Annual plan saved. Submit it when it is complete."))
    return redirect("appraisal:plan", pk=plan.pk)


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    need(request, "appraisal.plan")
    form = f.PlanForm(request.POST or None, user=request.user)
    occupations, rows = create_rows(request, "lines", f.PLAN_LINE_FIELDS)
    existing = None
    if request.method == "POST" and form.is_valid():
        org, year = form.cleaned_data["organisation"], form.cleaned_data["year"]
        existing = AnnualPlan.objects.visible_to(request.user).filter(organisation=org, year=year).first()
        if existing is not None:
            # Saving would replace that plan's lines: send the user to it instead.
            form.add_error("year", _("This organisation already has a plan for that year."))
        elif (saved := _save_lines(request, form, org, year, rows)) is not None:
            return saved
    return render(
        request,
        "appraisal/plan_form.html",
        {
            "form": form,
            "rows": rows,
            "existing": existing,
            "occupations": occupations,
            "levels": f.level_choices(),
        },
    )


def _plan_page(
    request: HttpRequest,
    plan: AnnualPlan,
    *,
    rows: f.RowSet | None = None,
    lines_form: forms.Form | None = None,
    review_form: f.ReviewForm | None = None,
) -> HttpResponse:
    user = request.user
    lines = list(plan.lines.select_related("occupation", "level"))
    editable = plan.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED) and has_permission(
        user, "appraisal.plan", plan.organisation
    )
    occupations = f.occupation_options() if editable else []
    if rows is None and editable:
        rows = f.RowSet(
            "lines",
            f.PLAN_LINE_FIELDS,
            initial=[
                {"occupation": x.occupation.code, "level": x.level_id, "planned_count": x.planned_count}
                for x in lines
            ],
            names=dict(occupations),
        )
    return render(
        request,
        "appraisal/plan_detail.html",
        {
            "plan": plan,
            "lines": lines,
            "total": sum(x.planned_count for x in lines),
            "late": plan.is_late(),
            "editable": editable,
            "rows": rows,
            "lines_form": lines_form,
            "can_submit": editable and bool(lines),
            "can_review": plan.status == ReviewStatus.SUBMITTED and reviews(user, plan.organisation),
            "review_form": review_form or f.ReviewForm(),
            "occupations": occupations,
            "levels": f.level_choices(),
        },
    )


def _scoped_plan(request: HttpRequest, pk: int) -> AnnualPlan:
    return scoped(request, AnnualPlan, pk, "organisation__parent", "submitted_by", "reviewed_by")


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """R4.1: the plan's lines, replaced as a whole by the form (the service validates every line)."""
    plan = _scoped_plan(request, pk)
    if request.method != "POST":
        return _plan_page(request, plan)
    need(request, "appraisal.plan", plan.organisation)
    rows = f.RowSet("lines", f.PLAN_LINE_FIELDS, data=request.POST, names=dict(f.occupation_options()))
    errors = _Errors({})
    saved = _save_lines(request, errors, plan.organisation, plan.year, rows)
    return saved if saved is not None else _plan_page(request, plan, rows=rows, lines_form=errors)


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped_plan(request, pk)
    need(request, "appraisal.plan", plan.organisation)
    submitted = attempt(request, lambda: plans.submit_annual_plan(plan, actor=request.user))
    if submitted is not None and submitted.is_late():
        messages.warning(request, _("Plan submitted after the due date (28 February): it is marked late."))
    elif submitted is not None:
        messages.success(request, _("Plan submitted for review."))
    return redirect("appraisal:plan", pk=plan.pk)


@login_required
@require_POST
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped_plan(request, pk)
    need_reviewer(request, plan.organisation)
    form = f.ReviewForm(request.POST)
    if review(request, form, plans.review_annual_plan, plan, _("Plan approved."), _("Plan returned.")):
        return redirect("appraisal:plan", pk=plan.pk)
    return _plan_page(request, plan, review_form=form)
