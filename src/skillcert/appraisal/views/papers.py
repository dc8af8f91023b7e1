"""Paper sets (R4.4): list, upload and audit; the draw of a session subject's paper and the drawn paper's
download."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from skillcert.appraisal import forms as f
from skillcert.appraisal.choices import PaperStatus
from skillcert.appraisal.filters import PAPER_COLUMNS, PaperSetFilter
from skillcert.appraisal.models import PaperDraw, PaperSet
from skillcert.appraisal.services import papers
from skillcert.appraisal.views.common import (
    attachment,
    attempt,
    attempt_on_form,
    back,
    need,
    need_reviewer,
    review,
    reviews,
    scoped,
    scoped_session,
    scoped_subject,
)
from skillcert.backoffice.listing import FilteredListView
from skillcert.catalog.models import Level
from skillcert.core.errors import NotFound
from skillcert.core.uploads import UploadLimit, form_status
from skillcert.orgs.scoping import has_permission


class PaperSetListView(FilteredListView):
    """Paper sets by occupation and level, with upload and audit. Files are never linked here: a station
    gets a paper only as the drawn set of a session, from the exam date."""

    filterset_class = PaperSetFilter
    columns = PAPER_COLUMNS
    permission = "appraisal.view"
    export_name = "paper-sets"
    title = gettext_lazy("Paper sets")
    template_name = "appraisal/paper_list.html"
    upload_form: f.PaperUploadForm | None = None
    upload_limits = {"post": UploadLimit(papers.MAX_PAPER_BYTES)}  # core.uploads: refused before stored

    def base_queryset(self) -> Any:
        return PaperSet.objects.visible_to(self.request.user).select_related(
            "organisation__parent", "occupation", "level"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = self.upload_form or f.PaperUploadForm(user=user)
        context.update(
            upload_form=form,
            can_upload=has_permission(user, "appraisal.plan")
            and form.fields["organisation"].queryset.exists(),  # type: ignore[attr-defined]
            papers=[
                (p, p.status == PaperStatus.SUBMITTED and reviews(user, p.organisation))
                for p in context["object_list"]
            ],
            occupations=f.occupation_options(),
            min_sets=papers.MIN_PAPER_SETS,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        need(request, "appraisal.plan")
        form = f.PaperUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            content, name = form.content(papers.MAX_PAPER_BYTES)
            paper = attempt_on_form(
                form,
                lambda: papers.register_paper_set(
                    data["organisation"],
                    data["occupation"],
                    Level.objects.get(number=data["level"]),
                    data["label"],
                    name,
                    content,
                    actor=request.user,
                ),
            )
            if paper is not None:
                messages.success(request, _("Paper set %(paper)s registered for audit.") % {"paper": paper})
                return redirect("appraisal:papers")
        self.upload_form = form
        response = self.get(request, *args, **kwargs)
        response.status_code = form_status(form, response.status_code)
        return response


@login_required
@require_POST
def paper_audit(request: HttpRequest, pk: int) -> HttpResponse:
    paper = scoped(request, PaperSet, pk, "organisation__parent", "occupation", "level")
    need_reviewer(request, paper.organisation)
    form = f.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    else:
        approved = _("Paper set %(paper)s approved.") % {"paper": paper}
        rejected = _("Paper set %(paper)s rejected.") % {"paper": paper}
        review(request, form, papers.audit_paper_set, paper, approved, rejected, error_prefix=f"{paper}: ")
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(reverse("appraisal:papers") + (f"?{query}" if query else ""))


@login_required
@require_POST
def draw(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """R4.4: a reviewer draws one audited paper set; the seed is recorded for re-verification."""
    session = scoped_session(request, pk)
    subject = scoped_subject(session, sid)
    need_reviewer(request, session.organisation)
    need(request, "appraisal.draw", session.organisation)
    result = attempt(request, lambda: papers.draw_paper(subject, actor=request.user))
    if result is not None:
        messages.success(
            request,
            _("Drawn for %(subject)s: set %(label)s.")
            % {"subject": subject, "label": result.paper_set.label},
        )
    return back(session, "subjects")


@login_required
@require_safe
def drawn_paper(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """The drawn paper: for the centres above at any time, for the station from the exam date; anyone
    else gets the same 404 as for a paper that does not exist (R4.4, X1)."""
    session = scoped_session(request, pk)
    subject = scoped_subject(session, sid)
    draw_ = get_object_or_404(
        PaperDraw.objects.select_related("paper_set", "subject__session__organisation__parent"),
        subject=subject,
    )
    try:
        paper, content = papers.fetch_drawn_paper(request.user, draw_)
    except (NotFound, FileNotFoundError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(paper.file_name)[0] or "application/octet-stream"
    return attachment(content, content_type, f"{session.code}_{paper.file_name}")
