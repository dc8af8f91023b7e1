"""Starting and running jobs (design.md rule 5: tasks take IDs, are idempotent, queued on commit)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.core import context
from skillcert.core.errors import NotPermitted, SkillcertError, field_error
from skillcert.jobs.models import Job, JobStatus
from skillcert.jobs.registry import JobKind, get_kind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import forget_memberships, has_permission

logger = logging.getLogger(__name__)
_SAVE_EVERY = 50  # progress rows are written at most every N steps, and at the end


class _JobProgress:
    def __init__(self, job: Job) -> None:
        self.job = job
        self._since_save = 0

    def _save(self, force: bool = False) -> None:
        self._since_save += 1
        if force or self._since_save >= _SAVE_EVERY:
            Job.objects.filter(pk=self.job.pk).update(
                total=self.job.total, done=self.job.done, messages=self.job.messages, errors=self.job.errors
            )
            self._since_save = 0

    def total(self, n: int) -> None:
        self.job.total = n
        self._save(force=True)

    def advance(self, n: int = 1, message: str | None = None) -> None:
        self.job.done += n
        if message:
            self.job.messages.append(message)
        self._save(force=message is not None)

    def error(self, record: str, field: str, code: str, message_zh: str, message_en: str) -> None:
        self.job.errors.append(
            {
                "record": record,
                "field": field,
                "code": code,
                "message_zh": message_zh,
                "message_en": message_en,
            }
        )
        self._save()


def start_job(
    kind: str, *, actor: Any, organisation: Organisation, params: dict[str, Any] | None = None
) -> Job:
    """Record a job and queue it once the surrounding transaction commits."""
    registered = get_kind(kind)
    if registered is None:
        raise field_error(kind, "kind", "jobs.kind.unknown", "未知的任务类型", "Unknown job kind")
    if actor is not None and not has_permission(actor, registered.permission, organisation):
        raise NotPermitted()
    params = registered.authorise(dict(params or {}), actor, organisation)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params=params,
            organisation=organisation,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        log_action("jobs.job.started", job, actor=actor, data={"kind": kind, "params": params})
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _authorise_again(kind: JobKind, job: Job) -> None:
    """Before running, the job's actor must still hold the kind's permission at the job's organisation
    and still reach every object the params name (X1): a role withdrawn or params written around
    `start_job` stop here."""
    actor = job.created_by
    if actor is not None:
        forget_memberships(actor)
        if not has_permission(actor, kind.permission, job.organisation):
            raise NotPermitted()
    kind.authorise(dict(job.params or {}), actor, job.organisation)


def _enqueue(job_id: Any) -> None:
    from skillcert.jobs.tasks import run_job

    run_job.delay(str(job_id))


def run_job_now(job_id: str) -> Job:
    """Run a queued job in this process. A job that already ran is not run again (idempotent)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.QUEUED:
            return job
        job.status, job.started_at = JobStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    registered = get_kind(job.kind)
    progress = _JobProgress(job)
    with context.acting(
        channel="job",
        job_id=str(job.pk),
        actor=job.created_by,
        actor_label=job.created_by.get_username() if job.created_by else f"job:{job.kind}",
    ):
        try:
            if registered is None:
                raise field_error(job.kind, "kind", "jobs.kind.unknown", "未知的任务类型", "Unknown job kind")
            _authorise_again(registered, job)
            result = registered.run(job, progress)
            job.status, job.result = JobStatus.SUCCEEDED, result
        except SkillcertError as exc:
            job.status = JobStatus.FAILED
            job.errors.append(
                {
                    "code": exc.code,
                    "message_zh": exc.message_zh,
                    "message_en": exc.message_en,
                    "errors": [e.as_dict() for e in exc.errors],
                }
            )
        except Exception as exc:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            job.status = JobStatus.FAILED
            job.errors.append(
                {
                    "code": "jobs.crashed",
                    "message_zh": "任务执行出错",
                    "message_en": "The job crashed",
                    "detail": exc.__class__.__name__,
                }
            )
        job.finished_at = timezone.now()
        job.save()
        log_action(
            "jobs.job.finished", job, data={"status": job.status, "done": job.done, "total": job.total}
        )
    return job
