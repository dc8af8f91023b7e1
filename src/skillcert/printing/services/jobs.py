"""Print jobs: print issued certificates on blank serials, reprint spoiled inserts, record the steel
seal (R0.2, R0.5, R1.6, R1.7, R1.8, X1, X2).

Locks, in this fixed order, once per transaction (design.md rule 4): the certificates (by primary key),
then the print items being reprinted (by primary key), then blank serials — taken one by one by
`blanks.services.ledger.bind_next_serial` (`FOR UPDATE SKIP LOCKED`, lowest free serial first) and
`spoil_serial`. A job and all its bindings commit together or not at all; the PDF is rendered
afterwards by the `printing.render` job kind, queued on commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.blanks.services.ledger import bind_next_serial, current_serial_for, spoil_serial
from skillcert.certificates.choices import CertificateKind, CertificateState, EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.lifecycle import current_view
from skillcert.core.errors import Conflict, NotFound, field_error
from skillcert.jobs.services import start_job
from skillcert.orgs.choices import RolloutFeature
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import org_filter
from skillcert.orgs.services import feature_active
from skillcert.printing.choices import InsertState, PrintJobKind, PrintJobStatus
from skillcert.printing.data import Signer
from skillcert.printing.models import Printer, PrintItem, PrintJob
from skillcert.printing.services.common import PERMISSION, require, stock_holder

MAX_PER_JOB = 5000
RENDER_KIND = "printing.render"


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _ids(values: Iterable[Any], field: str) -> list[int]:
    out: list[int] = []
    for value in values:
        try:
            out.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            raise field_error(
                str(value),
                field,
                "printing.id.invalid",
                f"{value}不是有效的编号",
                f"{value} is not a valid id",
            ) from None
    return sorted(set(out))


def printable_certificates(organisation: Organisation, actor: Any) -> QuerySet[Certificate]:
    """Issued, unrevoked certificates of `organisation`'s subtree that the actor may print and that have
    no insert yet, or were reissued after their last one (R1.7)."""
    queryset = Certificate.objects.filter(
        organisation__path__startswith=organisation.path, state=CertificateState.VALID
    ).exclude(kind=CertificateKind.SCORE)
    if actor is not None:
        queryset = queryset.filter(org_filter(actor, "organisation", PERMISSION))
    last_print = (
        PrintItem.objects.filter(certificate=OuterRef("pk"), state=InsertState.PRINTED)
        .order_by("-print_job__created_at")
        .values("print_job__created_at")[:1]
    )
    last_reissue = (
        CertificateEvent.objects.filter(certificate=OuterRef("pk"), kind=EventKind.REISSUED)
        .order_by("-at")
        .values("at")[:1]
    )
    queryset = queryset.annotate(last_print=Subquery(last_print), last_reissue=Subquery(last_reissue))
    return queryset.filter(
        Q(last_print__isnull=True) | Q(last_reissue__isnull=False, last_reissue__gt=F("last_print"))
    ).order_by("level_id", "number")


def _check_printable(cert: Certificate, view: dict[str, Any]) -> None:
    if view["state"] == CertificateState.REVOKED:
        raise Conflict(
            "printing.certificate.revoked",
            f"证书{cert.number}已撤销，不能打印",
            f"Certificate {cert.number} is revoked and cannot be printed",
        )
    if cert.kind == CertificateKind.SCORE:
        raise Conflict(
            "printing.certificate.score",
            f"{cert.number}是成绩证明，不印在空白证书上",
            f"{cert.number} is a score certificate; it is not printed on certificate blanks",
        )
    latest = PrintItem.objects.filter(certificate=cert, state=InsertState.PRINTED).order_by("-id").first()
    reissues = int(view.get("reissue_count") or 0)
    if latest is not None:
        already = latest.print_job.created_at >= _last_reissue_at(cert) if reissues else True
    else:
        already = not reissues and current_serial_for(cert) is not None
    if already:
        raise Conflict(
            "printing.certificate.already_printed",
            f"证书{cert.number}已打印（如内页损坏请重印，遗失请先补发）",
            f"Certificate {cert.number} is already printed "
            "(reprint a spoiled insert; reissue a lost one first)",
        )


def _last_reissue_at(cert: Certificate) -> Any:
    event = cert.events.filter(kind=EventKind.REISSUED).order_by("-at", "-id").first()
    return event.at if event is not None else timezone.now()


def _calibration(printer: Printer | None) -> dict[str, str]:
    if printer is None:
        return {}
    return {
        "printer": printer.name,
        "offset_x_mm": str(printer.offset_x_mm),
        "offset_y_mm": str(printer.offset_y_mm),
        "scale": str(printer.scale),
    }


def _queue_render(job: PrintJob, actor: Any) -> None:
    render = start_job(RENDER_KIND, actor=actor, organisation=job.organisation, params={"print_job": job.pk})
    job.render_job = render
    job.save(update_fields=["render_job"])


def _printer(printer: Printer | int | None, organisation: Organisation) -> Printer | None:
    if printer is None or printer == "":
        return None
    pk = printer.pk if isinstance(printer, Printer) else int(printer)
    found = Printer.objects.filter(pk=pk, active=True).select_related("organisation").first()
    if found is None or not organisation.path.startswith(found.organisation.path):
        raise NotFound("printing.printer.not_found", "打印机不存在", "No such printer")
    return found


def create_print_jobs(
    *,
    organisation: Organisation,
    certificates: Sequence[Any],
    actor: Any,
    printer: Printer | int | None = None,
    base_url: str | None = None,
) -> list[PrintJob]:
    """Print `certificates` (ids or objects) at `organisation` on its stock holder's blanks: one job per
    level (each level has its own paper), each insert bound to the next free serial of that level, all
    in one transaction (all or nothing). The PDF is rendered by a queued job."""
    require(actor, organisation)
    if not feature_active(organisation, RolloutFeature.INTEGRATED_PRINTING):
        raise Conflict(
            "printing.not_rolled_out",
            f"{organisation}尚未启用照片与数据一体化打印（R0.6）",
            f"Integrated photo and data printing is not yet in effect for {organisation} (R0.6)",
        )
    ids = _ids(certificates, "certificates")
    if not ids:
        raise field_error(
            None,
            "certificates",
            "printing.certificates.empty",
            "请选择要打印的证书",
            "Choose certificates to print",
        )
    if len(ids) > MAX_PER_JOB:
        raise field_error(
            None,
            "certificates",
            "printing.certificates.too_many",
            f"一次最多打印{MAX_PER_JOB}张",
            f"At most {MAX_PER_JOB} certificates at a time",
        )
    holder = stock_holder(organisation)
    chosen_printer = _printer(printer, organisation)
    signer = Signer(base_url)
    with transaction.atomic():
        scope = Certificate.objects.filter(pk__in=ids, organisation__path__startswith=organisation.path)
        if actor is not None:
            scope = scope.filter(org_filter(actor, "organisation", PERMISSION))
        locked = list(
            scope.select_for_update(of=("self",)).select_related("issuing_authority").order_by("pk")
        )
        if len(locked) != len(ids):
            missing = sorted(set(ids) - {c.pk for c in locked})
            raise NotFound(
                "printing.certificate.not_found",
                f"证书不存在或不在本单位范围内：{missing[:10]}",
                f"Certificates not found in this organisation's scope: {missing[:10]}",
            )
        by_level: dict[str, list[tuple[Certificate, dict[str, Any]]]] = {}
        for cert in locked:
            view = current_view(cert)
            _check_printable(cert, view)
            by_level.setdefault(str(cert.level_id), []).append((cert, view))
        jobs = []
        for level in sorted(by_level):
            group = sorted(by_level[level], key=lambda pair: pair[0].number)
            job = PrintJob.objects.create(
                organisation=organisation,
                holder=holder,
                level=level,
                kind=PrintJobKind.PRINT,
                printer=chosen_printer,
                calibration=_calibration(chosen_printer),
                item_count=len(group),
                created_by=_user(actor),
            )
            items = []
            for position, (cert, view) in enumerate(group):
                serial = bind_next_serial(
                    holder=holder, level=level, certificate=cert, actor=actor, reason=f"print job {job.pk}"
                )
                items.append(
                    PrintItem(
                        print_job=job,
                        position=position,
                        certificate=cert,
                        serial=serial,
                        serial_text=serial.serial,
                        qr_text=signer.qr_text(cert, view, serial.serial),
                        reissue=bool(view.get("reissued")),
                    )
                )
            PrintItem.objects.bulk_create(items)
            log_action(
                "printing.job.created",
                job,
                actor=actor,
                data={
                    "level": level,
                    "holder": holder.code,
                    "count": len(items),
                    "printer": chosen_printer.name if chosen_printer else None,
                    "serials": [items[0].serial_text, items[-1].serial_text],
                    "numbers": [i.certificate.number for i in items][:1000],
                },
            )
            _queue_render(job, actor)
            jobs.append(job)
    return jobs


def _lock_items(item_ids: list[int], actor: Any) -> list[PrintItem]:
    items = list(
        PrintItem.objects.select_for_update(of=("self",))
        .filter(pk__in=item_ids)
        .select_related("print_job__organisation", "print_job__holder", "certificate__issuing_authority")
        .order_by("pk")
    )
    visible = [i for i in items if actor is None or _in_scope(actor, i.print_job.organisation)]
    if len(visible) != len(item_ids):
        raise NotFound("printing.item.not_found", "内页记录不存在", "No such printed insert")
    return visible


def _in_scope(actor: Any, org: Organisation) -> bool:
    from skillcert.orgs.scoping import has_permission

    return has_permission(actor, PERMISSION, org)


def reprint_inserts(
    items: Sequence[Any], *, reason: str, actor: Any, base_url: str | None = None
) -> PrintJob:
    """Reprint spoiled inserts of one print job (R1.6): each old serial is spoiled in the ledger, a new
    one bound, and a reprint job renders only these inserts. All or nothing."""
    text = (reason or "").strip()
    if not text or len(text) > 200:
        raise field_error(
            None,
            "reason",
            "printing.reprint.reason",
            "请填写重印原因（200字以内）",
            "Give the reason for the reprint (at most 200 characters)",
        )
    item_ids = _ids(items, "items")
    if not item_ids:
        raise field_error(
            None, "items", "printing.items.empty", "请选择要重印的内页", "Choose the inserts to reprint"
        )
    signer = Signer(base_url)
    with transaction.atomic():
        first = PrintItem.objects.filter(pk__in=item_ids).values_list("certificate_id", flat=True)
        list(Certificate.objects.select_for_update(of=("self",)).filter(pk__in=list(first)).order_by("pk"))
        old = _lock_items(item_ids, actor)
        parent = old[0].print_job
        require(actor, parent.organisation)
        for item in old:
            if item.print_job_id != parent.pk:
                raise field_error(
                    item.serial_text,
                    "items",
                    "printing.reprint.one_job",
                    "一次只能重印同一打印批次的内页",
                    "Reprint inserts of one print job at a time",
                )
            if item.state != InsertState.PRINTED:
                raise Conflict(
                    "printing.item.spoiled",
                    f"流水码{item.serial_text}的内页已作废重印",
                    f"The insert on serial {item.serial_text} has already been spoiled and reprinted",
                )
            view = current_view(item.certificate)
            if view["state"] == CertificateState.REVOKED:
                raise Conflict(
                    "printing.certificate.revoked",
                    f"证书{item.certificate.number}已撤销，不能重印",
                    f"Certificate {item.certificate.number} is revoked and cannot be reprinted",
                )
        job = PrintJob.objects.create(
            organisation=parent.organisation,
            holder=parent.holder,
            level=parent.level,
            kind=PrintJobKind.REPRINT,
            printer=parent.printer,
            calibration=parent.calibration,
            parent=parent,
            reason=text,
            item_count=len(old),
            created_by=_user(actor),
        )
        now = timezone.now()
        pairs = []
        for position, item in enumerate(old):
            spoil_serial(item.serial, reason=f"重印 reprint: {text}"[:200], actor=actor)
            serial = bind_next_serial(
                holder=parent.holder,
                level=parent.level,
                certificate=item.certificate,
                actor=actor,
                reason=f"reprint of {item.serial_text} (job {job.pk})",
            )
            view = current_view(item.certificate)
            new = PrintItem.objects.create(
                print_job=job,
                position=position,
                certificate=item.certificate,
                serial=serial,
                serial_text=serial.serial,
                qr_text=signer.qr_text(item.certificate, view, serial.serial),
                reissue=item.reissue,
            )
            item.state = InsertState.SPOILED
            item.spoiled_at, item.spoiled_by, item.spoil_reason = now, _user(actor), text
            item.replaced_by = new
            item.save(update_fields=["state", "spoiled_at", "spoiled_by", "spoil_reason", "replaced_by"])
            pairs.append([item.serial_text, new.serial_text])
        log_action(
            "printing.job.reprinted",
            job,
            actor=actor,
            data={"parent": parent.pk, "reason": text, "serials": pairs},
        )
        _queue_render(job, actor)
    return job


def record_steel_seal(items: Sequence[Any], *, actor: Any) -> list[PrintItem]:
    """R0.2: the steel seal (钢印) is pressed by hand; record who pressed it on which inserts, when.
    Inserts already sealed keep their first record; spoiled inserts are refused."""
    item_ids = _ids(items, "items")
    if not item_ids:
        raise field_error(None, "items", "printing.items.empty", "请选择内页", "Choose the inserts")
    with transaction.atomic():
        locked = _lock_items(item_ids, actor)
        for org in {i.print_job.organisation for i in locked}:
            require(actor, org)
        now = timezone.now()
        sealed = []
        for item in locked:
            if item.state != InsertState.PRINTED:
                raise Conflict(
                    "printing.item.spoiled",
                    f"流水码{item.serial_text}的内页已作废，不能压钢印",
                    f"The insert on serial {item.serial_text} is spoiled; it gets no steel seal",
                )
            if item.steel_seal_at is None:
                item.steel_seal_at, item.steel_seal_by = now, _user(actor)
                item.save(update_fields=["steel_seal_at", "steel_seal_by"])
                sealed.append(item)
        jobs = {i.print_job for i in sealed}
        for job in sorted(jobs, key=lambda j: j.pk):
            log_action(
                "printing.steel_seal",
                job,
                actor=actor,
                data={"serials": [i.serial_text for i in sealed if i.print_job_id == job.pk]},
            )
    return sealed


def job_ready(job: PrintJob) -> bool:
    return job.status == PrintJobStatus.READY and bool(job.file)
