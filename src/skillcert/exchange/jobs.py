"""Job kinds of the exchange app: a long import runs as a job with progress (R3.3, X6)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from skillcert.core.errors import field_error
from skillcert.exchange.report import write_report
from skillcert.exchange.services.imports import import_certificates
from skillcert.jobs.registry import Progress, job_kind

UPLOAD_DIR = "imports"
# The names exchange.services.uploads.start_import gives stored uploads: nothing else is importable.
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")


def authorise_import(params: dict[str, Any], actor: Any, organisation: Any) -> dict[str, Any]:
    """Only a file start_import stored (a random name in the import directory), never a path."""
    upload = params.get("upload")
    if not isinstance(upload, str) or not _STORED_NAME.fullmatch(upload):
        raise field_error(
            None,
            "params.upload",
            "jobs.params.invalid",
            "上传文件参数无效",
            "params.upload is not a stored upload",
        )
    return {
        "upload": upload,
        "filename": str(params.get("filename") or upload)[:200],
        "partial": bool(params.get("partial")),
    }


# Started by exchange.services.uploads.start_import with the file it stored, never through the jobs API.
@job_kind("exchange.import_certificates", permission="exchange.import", authorise=authorise_import)
def import_certificates_job(job: Any, progress: Progress) -> dict[str, Any]:
    """Import the uploaded file (params: upload = a name under MEDIA_ROOT/imports, filename, partial).
    The result links the XLSX error report; row errors are also the job's errors, shown on its page."""
    params = authorise_import(job.params or {}, job.created_by, job.organisation)
    source = settings.MEDIA_ROOT / UPLOAD_DIR / params["upload"]
    report = import_certificates(
        source,
        actor=job.created_by,
        organisation=job.organisation,
        partial=params["partial"],
        filename=params["filename"],
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
