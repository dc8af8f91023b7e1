"""Job kinds of the exchange app: a long import runs as a job with progress (R3.3, X6)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from skillcert.exchange.report import write_report
from skillcert.exchange.services.imports import import_certificates
from skillcert.jobs.registry import Progress, job_kind

UPLOAD_DIR = "imports"


@job_kind("exchange.import_certificates", permission="exchange.import")
def import_certificates_job(job: Any, progress: Progress) -> dict[str, Any]:
    """Import the uploaded file (params: upload = path under MEDIA_ROOT/imports, filename, partial). The
    result links the XLSX error report; row errors are also the job's errors, shown on its page."""
    params = job.params or {}
    source = settings.MEDIA_ROOT / UPLOAD_DIR / str(params["upload"])
    if not source.resolve().is_relative_to((settings.MEDIA_ROOT / UPLOAD_DIR).resolve()):
        raise ValueError("upload outside the import directory")
    report = import_certificates(
        source,
        actor=job.created_by,
        organisation=job.organisation,
        partial=bool(params.get("partial")),
        filename=str(params.get("filename") or source.name),
        progress=progress,
    )
    for e in report.errors[:1000]:
        progress.error(e.record or "", e.field, e.code, e.message_zh, e.message_en)
    relative = f"exports/{job.pk}-import-report.xlsx"
    write_report(report, settings.MEDIA_ROOT / relative)
    source.unlink(missing_ok=True)
    result = {k: v for k, v in report.as_dict().items() if k != "errors"}
    result["file"] = relative
    return result
