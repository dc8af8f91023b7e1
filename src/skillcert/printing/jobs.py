"""Job kinds of the printing app: rendering a print job's PDF, with progress per insert."""

from __future__ import annotations

from typing import Any

from skillcert.jobs.registry import Progress, job_kind, param_object
from skillcert.printing.models import PrintJob
from skillcert.printing.services.render import render_print_job


def _print_job(params: dict[str, Any], actor: Any, organisation: Any) -> PrintJob:
    queryset = PrintJob.objects.select_related("organisation")
    if actor is not None:
        queryset = queryset.visible_to(actor, "printing.print")
    return param_object(params, "print_job", queryset, organisation, "organisation")


def authorise_render(params: dict[str, Any], actor: Any, organisation: Any) -> dict[str, Any]:
    """The print job must be one the actor may print, of the job's organisation's subtree: its PDF
    carries full ID numbers (issue 13 item 1)."""
    return {"print_job": _print_job(params, actor, organisation).pk}


# Started by printing.services.jobs when a print job is made or reprinted, never through the jobs API.
@job_kind("printing.render", permission="printing.print", authorise=authorise_render)
def render(job: Any, progress: Progress) -> dict[str, Any]:
    print_job = _print_job(job.params or {}, job.created_by, job.organisation)
    return render_print_job(print_job, progress)
