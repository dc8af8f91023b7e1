"""What the appraisal pages share: permission checks, lookups scoped to what the user may see (X1),
service calls whose bilingual refusal goes to a message or onto a form, one review step for every
reviewed record, and file responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header

from skillcert.appraisal import forms as f
from skillcert.appraisal.models import AppraisalSession, SessionSubject
from skillcert.backoffice.listing import FilteredListView
from skillcert.core.errors import SkillcertError
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission

T = TypeVar("T")
M = TypeVar("M", bound=Model)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- permissions ----------------------------------------------------------------------------------


def need(request: HttpRequest, permission: str, org: Organisation | None = None) -> None:
    if not has_permission(request.user, permission, org):
        raise PermissionDenied


def reviews(user: Any, org: Organisation) -> bool:
    """Whether the user reviews for the centre above `org` (the service has the last word)."""
    return org.parent is not None and has_permission(user, "appraisal.review", org.parent)


def need_reviewer(request: HttpRequest, org: Organisation) -> None:
    if not reviews(request.user, org):
        raise PermissionDenied


# --- list and create pages -----------------------------------------------------------------------


class CreatableListView(FilteredListView):
    """An appraisal list whose page offers "new" to users who plan (appraisal.plan)."""

    permission = "appraisal.view"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_create"] = has_permission(self.request.user, "appraisal.plan")
        return context


def create_rows(
    request: HttpRequest, list_name: str, fields: list[f.RowField]
) -> tuple[list[tuple[str, str]], f.RowSet]:
    """The occupation choices and the row set of a create page, bound to the POST when there is one."""
    occupations = f.occupation_options()
    data = request.POST if request.method == "POST" else None
    return occupations, f.RowSet(list_name, fields, data=data, names=dict(occupations))


# --- scoped lookups (X1) --------------------------------------------------------------------------


def scoped(request: HttpRequest, model: type[M], pk: int, *related: str) -> M:
    """The `model` row `pk` if the user may see it (`visible_to`), else 404."""
    visible: Any = model.objects.visible_to(request.user)  # type: ignore[attr-defined]
    found: M = get_object_or_404(visible.select_related(*related), pk=pk)
    return found


def scoped_session(request: HttpRequest, pk: int, permission: str = "") -> AppraisalSession:
    """The session if the user may see it (else 404) and, when named, has `permission` at its station
    (else 403)."""
    session = scoped(
        request,
        AppraisalSession,
        pk,
        "organisation__parent",
        "responsible_centre",
        "submitted_by",
        "reviewed_by",
    )
    if permission:
        need(request, permission, session.organisation)
    return session


def scoped_subject(session: AppraisalSession, sid: int) -> SessionSubject:
    return get_object_or_404(session.subjects.select_related("occupation", "level"), pk=sid)


# --- service calls --------------------------------------------------------------------------------
# A service returns what it wrote, never None: None here means the service refused.


def attempt(request: HttpRequest, call: Callable[[], T], *, error_prefix: str = "") -> T | None:
    """Run a service step of a POST answered with a redirect; a refusal becomes a bilingual error
    message (after `error_prefix`)."""
    try:
        return call()
    except SkillcertError as exc:
        messages.error(request, f"{error_prefix}{f.bilingual(exc)}")
        return None


def attempt_on_form(
    form: forms.Form,
    call: Callable[[], T],
    field_map: dict[str, str] | None = None,
    *,
    rows: f.RowSet | None = None,
    list_name: str = "",
) -> T | None:
    """Run a service step of a form's POST; a refusal is shown on the form (`f.apply_errors`)."""
    try:
        return call()
    except SkillcertError as exc:
        f.apply_errors(form, exc, field_map, rows=rows, list_name=list_name)
        return None


def review(
    request: HttpRequest,
    form: f.ReviewForm,
    service: Callable[..., Any],
    target: Any,
    approved: str,
    returned: str,
    *,
    error_prefix: str | None = None,
) -> bool:
    """A reviewer's decision on `target`, posted in `form`, through `service(target, actor=, approve=,
    comment=)`. True, with the `approved` or `returned` success message, when the service took it; False
    when the form is invalid or the service refused, its error shown on the form or, given
    `error_prefix`, as an error message."""
    if not form.is_valid():
        return False
    approve = form.cleaned_data["decision"] == "approve"

    def call() -> Any:
        return service(target, actor=request.user, approve=approve, comment=form.cleaned_data["comment"])

    if error_prefix is None:
        done = attempt_on_form(form, call, {"review_comment": "comment"})
    else:
        done = attempt(request, call, error_prefix=error_prefix)
    if done is None:
        return False
    messages.success(request, approved if approve else returned)
    return True


# --- responses ------------------------------------------------------------------------------------


def back(session: AppraisalSession, anchor: str = "", subject: Any = None) -> HttpResponse:
    """Redirect to the session page, at `anchor`, with `subject` chosen."""
    url = reverse("appraisal:session", args=[session.pk])
    if subject is not None:
        url += f"?subject={subject.pk}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


def attachment(content: bytes, content_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response
