"""Job kinds of the publication app: the backup queued after every publication (R3.9)."""

from __future__ import annotations

from typing import Any

from skillcert.jobs.registry import Progress, job_kind


@job_kind("publication.backup", permission="backup.run")
def backup_job(job: Any, progress: Progress) -> dict[str, Any]:
    from skillcert.publication.backups import run_backup
    from skillcert.publication.models import Release

    release_id = (job.params or {}).get("release")
    release = Release.objects.filter(pk=release_id).first() if release_id else None
    progress.total(1)
    backup = run_backup(actor=job.created_by, release=release, reason=str(job.params.get("reason", "")))
    progress.advance(1, f"backup {backup.name}: {backup.status}")
    return {"backup": backup.name, "status": backup.status, "locations": backup.locations}
