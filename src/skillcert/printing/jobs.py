"""Job kinds of the printing app: rendering a print job's PDF, with progress per insert."""

from __future__ import annotations

from typing import Any

from skillcert.jobs.registry import Progress, job_kind
from skillcert.printing.models import PrintJob
from skillcert.printing.services.render import render_print_job


@job_kind("printing.render", permission="printing.print")
def render(job: Any, progress: Progress) -> dict[str, Any]:
    print_job = PrintJob.objects.select_related("organisation").get(pk=job.params["print_job"])
    return render_print_job(print_job, progress)
