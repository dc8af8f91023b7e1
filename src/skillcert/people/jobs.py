"""Job kinds of the people app."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from skillcert.audit.services import log_action
from skillcert.core.errors import field_error
from skillcert.core.exports import write_xlsx
from skillcert.core.files import make_private, private_dir
from skillcert.jobs.registry import Progress, job_kind, param_object, refuse_unknown_params
from skillcert.orgs.models import Organisation
from skillcert.people.filters import PERSON_COLUMNS, PersonFilter
from skillcert.people.models import Person

_FILTERS = ("name", "document_type", "gender", "organisation")


def authorise_export(params: dict[str, Any], actor: Any, organisation: Any) -> dict[str, Any]:
    """Filter values only (text of at most 100 characters); an organisation filter must name one in
    the job's organisation subtree that the actor sees."""
    refuse_unknown_params(params, set(_FILTERS))
    clean: dict[str, Any] = {}
    for key in _FILTERS:
        value = params.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > 100:
            raise field_error(
                None,
                f"params.{key}",
                "jobs.params.invalid",
                f"参数{key}无效",
                f"params.{key} is not a valid filter value",
            )
        clean[key] = str(value)
    if "organisation" in clean:
        queryset = Organisation.objects.all() if actor is None else Organisation.objects.visible_to(actor)
        param_object(clean, "organisation", queryset, organisation, "")
    return clean


@job_kind("people.export_xlsx", permission="people.view", authorise=authorise_export, api=True)
def export_people_xlsx(job: Any, progress: Progress) -> dict[str, Any]:
    """Export the people the job's creator may see (with the job's filter params) to an XLSX file."""
    params = authorise_export(job.params or {}, job.created_by, job.organisation)
    queryset = Person.objects.visible_to(job.created_by).select_related("organisation", "education")
    queryset = queryset.filter(organisation__path__startswith=job.organisation.path)
    queryset = PersonFilter(params, queryset=queryset).qs
    progress.total(queryset.count())
    target = settings.MEDIA_ROOT / "exports" / f"{job.pk}.xlsx"
    private_dir(target.parent)
    rows = write_xlsx(
        PERSON_COLUMNS, queryset.iterator(chunk_size=500), "people", target, on_row=lambda: progress.advance()
    )
    make_private(target)  # names and masked numbers of everyone in scope (issue 13 item 9)
    log_action("people.exported", job, data={"rows": rows, "filters": params})
    return {"file": f"exports/{job.pk}.xlsx", "rows": rows}
