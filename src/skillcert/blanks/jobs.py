"""Job kinds of the blank ledger: the five-year recall of uncollected certificates (R2.8), to be run
daily (or on demand from the jobs page) for an organisation's subtree."""

from __future__ import annotations

from typing import Any

from skillcert.blanks.services.distribution import recall_uncollected
from skillcert.jobs.registry import Progress, job_kind, no_params


@job_kind("blanks.recall_uncollected", permission="blanks.manage", authorise=no_params, api=True)
def recall_uncollected_job(job: Any, progress: Progress) -> dict[str, Any]:
    """Recall certificates of the job's organisation still uncollected five years after the exam."""
    done = recall_uncollected(actor=job.created_by, org=job.organisation)
    progress.total(len(done))
    progress.advance(len(done))
    return {"recalled": [d.certificate.number for d in done]}
