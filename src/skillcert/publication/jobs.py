"""Job kinds of the publication app: the backup queued after every publication (R3.9)."""

from __future__ import annotations

from typing import Any

from skillcert.core.errors import field_error
from skillcert.jobs.registry import Progress, job_kind, param_object, refuse_unknown_params


def authorise_backup(params: dict[str, Any], actor: Any, organisation: Any) -> dict[str, Any]:
    """The release, when named, must be one of the job's organisation that the actor may back up."""
    from skillcert.publication.models import Release

    refuse_unknown_params(params, {"release", "reason"})
    clean: dict[str, Any] = {}
    if params.get("release") is not None:
        queryset = Release.objects.all() if actor is None else Release.objects.visible_to(actor, "backup.run")
        clean["release"] = param_object(params, "release", queryset, organisation, "organisation").pk
    reason = params.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 200:
        raise field_error(
            None,
            "params.reason",
            "jobs.params.invalid",
            "备份原因应为200字以内的文字",
            "params.reason: text of 200 characters at most",
        )
    clean["reason"] = reason
    return clean


@job_kind("publication.backup", permission="backup.run", authorise=authorise_backup, api=True)
def backup_job(job: Any, progress: Progress) -> dict[str, Any]:
    from skillcert.publication.backups import run_backup
    from skillcert.publication.models import Release

    params = authorise_backup(job.params or {}, job.created_by, job.organisation)
    release = Release.objects.get(pk=params["release"]) if "release" in params else None
    progress.total(1)
    backup = run_backup(actor=job.created_by, release=release, reason=params["reason"])
    progress.advance(1, f"backup {backup.name}: {backup.status}")
    return {"backup": backup.name, "status": backup.status, "locations": backup.locations}
