"""Submit a report: compute it, freeze the content and the files, audit (R1.1, R4.6, X2).

A submission is never changed. Submitting again for the same organisation and period is a
resubmission: a new version (reason required), the older versions kept as they were.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.core.errors import field_error
from skillcert.orgs.models import Organisation
from skillcert.reports import periods
from skillcert.reports.documents_pdf import render_report_pdf
from skillcert.reports.documents_xlsx import render_report_xlsx
from skillcert.reports.models import ReportSubmission
from skillcert.reports.services.build import build_report
from skillcert.reports.services.common import owed_kinds, require_submit


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def stamp_of(version: int, submitted_on: datetime.date) -> str:
    return f"第 {version} 版 · {submitted_on:%Y-%m-%d} 报送"


def submit_report(
    org: Organisation,
    period: periods.Period,
    *,
    actor: Any,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ReportSubmission:
    """Freeze `org`'s report for `period` as the next version. The organisation row is locked first
    (one lock, fixed order), so two submissions at once get versions n and n+1, never the same."""
    require_submit(actor, org)
    record = f"{org.code} {period.code}"
    if period.kind not in owed_kinds(org):
        raise field_error(
            record,
            "period",
            "reports.period.not_owed",
            f"{org.name}不报送{periods.KIND_LABELS_ZH[period.kind]}",
            f"{org.name_en or org.code} does not submit "
            f"{periods.KIND_LABELS_EN[period.kind].lower()} reports",
        )
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if period.end >= today:
        raise field_error(
            record,
            "period",
            "reports.period.not_ended",
            f"统计期间（{period.label_zh}）尚未结束，不能报送",
            f"The period {period.code} has not ended yet ({period.end}); it cannot be submitted",
        )
    note = note.strip()
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()
        latest = ReportSubmission.objects.filter(
            organisation=org, period_kind=period.kind, period_year=period.year, period_number=period.number
        ).aggregate(v=Max("version"))["v"]
        version = (latest or 0) + 1
        if version > 1 and not note:
            raise field_error(
                record,
                "note",
                "reports.resubmit.reason_required",
                "重新报送必须说明原因",
                "A resubmission needs a reason",
            )
        content = build_report(org, period, actor=actor)
        stamp = stamp_of(version, today)
        submission = ReportSubmission(
            organisation=org,
            period_kind=period.kind,
            period_year=period.year,
            period_number=period.number,
            version=version,
            due_on=period.due,
            late=period.is_late(today),
            content=content,
            content_sha256=hashlib.sha256(canonical(content)).hexdigest(),
            pdf=render_report_pdf(content, stamp=stamp),
            xlsx=render_report_xlsx(content, stamp=stamp),
            note=note,
            submitted_at=now,
            submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        submission.save()
        log_action(
            "reports.resubmitted" if version > 1 else "reports.submitted",
            submission,
            actor=actor,
            organisation=org,
            data={
                "period": period.code,
                "version": version,
                "late": submission.late,
                "content_sha256": submission.content_sha256,
                "pdf_sha256": hashlib.sha256(submission.pdf).hexdigest(),
                "xlsx_sha256": hashlib.sha256(submission.xlsx).hexdigest(),
                "note": note,
                "totals": content["overall"]["total"],
            },
        )
    return submission


def record_download(submission: ReportSubmission, fmt: str, *, actor: Any) -> None:
    """Who took a submitted report's file, and which (X2)."""
    log_action(
        "reports.file_downloaded",
        submission,
        actor=actor,
        organisation=submission.organisation,
        data={"format": fmt, "period": submission.period.code, "version": submission.version},
    )
