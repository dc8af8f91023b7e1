"""Rendering a print job's PDF (run by the `printing.render` job kind; design.md rule 5).

Idempotent: a job that is already rendered is left alone; a failed one can be run again. The file is
written under MEDIA_ROOT/printing/<job id>.pdf (a temporary name first, then renamed), its SHA-256 and
page count kept on the job. The inserts are built lazily while the pages are drawn, so progress counts
inserts and memory stays flat for a 2,000-insert job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.certificates.services.lifecycle import current_view
from skillcert.core.files import write_private
from skillcert.jobs.registry import Progress
from skillcert.printing.choices import PrintJobStatus
from skillcert.printing.data import InsertBuilder
from skillcert.printing.insert import INSERTS_PER_SHEET, Calibration, InsertData, render_sheets
from skillcert.printing.models import PrintItem, PrintJob


def calibration_of(job: PrintJob) -> Calibration:
    """The calibration recorded on the job when it was made (so a re-render prints the same)."""
    cal = job.calibration or {}
    return Calibration(
        float(Decimal(cal.get("offset_x_mm", "0"))),
        float(Decimal(cal.get("offset_y_mm", "0"))),
        float(Decimal(cal.get("scale", "1"))),
    )


def inserts_of(job: PrintJob, progress: Progress | None = None) -> Iterator[InsertData]:
    """The job's inserts in print order, built from the register as the pages are drawn. An insert
    without a readable photo is still printed (with an empty photo frame) and reported on the job."""
    builder = InsertBuilder()
    items = (
        PrintItem.objects.filter(print_job=job)
        .select_related("certificate")
        .order_by("position")
        .iterator(chunk_size=200)
    )
    for item in items:
        cert = item.certificate
        data = builder.build(
            cert, current_view(cert), serial=item.serial_text, qr_text=item.qr_text, reissue=item.reissue
        )
        if data.photo_jpeg is None and progress is not None:
            progress.error(
                f"{cert.number} {item.serial_text}",
                "photo",
                "printing.photo.missing",
                f"证书{cert.number}没有可用的照片，内页照片框为空",
                f"Certificate {cert.number} has no usable photo; the insert's photo frame is empty",
            )
        yield data


def render_print_job(job: PrintJob, progress: Progress | None = None) -> dict[str, Any]:
    if job.status == PrintJobStatus.READY and job.file:
        return {"print_job": job.pk, "file": job.file, "sha256": job.sha256}
    total = job.items.count()
    if progress is not None:
        progress.total(total)
    try:
        pdf = render_sheets(
            inserts_of(job, progress),
            calibration_of(job),
            title=f"证书粘贴内页 打印批次 {job.pk}",
            on_insert=(lambda _i: progress.advance()) if progress is not None else None,
        )
    except Exception:
        PrintJob.objects.filter(pk=job.pk).update(status=PrintJobStatus.FAILED)
        raise
    relative = f"printing/{job.pk}.pdf"
    write_private(settings.MEDIA_ROOT / relative, pdf)  # full ID numbers and photos (issue 13 item 9)
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        job.status = PrintJobStatus.READY
        job.file, job.sha256 = relative, digest
        job.pages = (total + INSERTS_PER_SHEET - 1) // INSERTS_PER_SHEET
        job.rendered_at = timezone.now()
        job.save(update_fields=["status", "file", "sha256", "pages", "rendered_at"])
        log_action(
            "printing.job.rendered",
            job,
            data={"inserts": total, "pages": job.pages, "sha256": digest, "bytes": len(pdf)},
        )
    return {"print_job": job.pk, "file": relative, "sha256": digest, "pages": job.pages}


def read_pdf(job: PrintJob) -> bytes:
    return (settings.MEDIA_ROOT / job.file).read_bytes()
