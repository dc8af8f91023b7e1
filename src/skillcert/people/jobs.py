"""Job kinds of the people app."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from skillcert.audit.services import log_action
from skillcert.core.exports import write_xlsx
from skillcert.core.files import make_private, private_dir
from skillcert.jobs.registry import Progress, job_kind
from skillcert.people.filters import PERSON_COLUMNS, PersonFilter
from skillcert.people.models import Person


@job_kind("people.export_xlsx", permission="people.view")
def export_people_xlsx(job: Any, progress: Progress) -> dict[str, Any]:
    """Export the people the job's creator may see (with the job's filter params) to an XLSX file."""
    queryset = Person.objects.visible_to(job.created_by).select_related("organisation", "education")
    queryset = queryset.filter(organisation__path__startswith=job.organisation.path)
    queryset = PersonFilter(job.params or {}, queryset=queryset).qs
    progress.total(queryset.count())
    target = settings.MEDIA_ROOT / "exports" / f"{job.pk}.xlsx"
    private_dir(target.parent)
    rows = write_xlsx(
        PERSON_COLUMNS, queryset.iterator(chunk_size=500), "people", target, on_row=lambda: progress.advance()
    )
    make_private(target)  # names and masked numbers of everyone in scope (issue 13 item 9)
    log_action("people.exported", job, data={"rows": rows, "filters": job.params or {}})
    return {"file": f"exports/{job.pk}.xlsx", "rows": rows}
