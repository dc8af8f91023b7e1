"""Print jobs through the service functions (R0.2, R0.5, R1.6, R1.7, R1.8, X1, X2): inserts bound to the
next serials of the stock holder in the job's transaction (all or nothing), stations printing through
their city centre's stock, the PDF rendered by a job, reprints spoiling the old serial and rendering
only the new insert, the steel-seal record, and the QR failing verification once its serial is
spoiled or destroyed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from skillcert.audit.models import AuditEntry
from skillcert.blanks.choices import BlankState, EntryKind
from skillcert.blanks.models import BlankSerial, LedgerEntry
from skillcert.blanks.services import destruction
from skillcert.blanks.services.ledger import current_serial_for
from skillcert.blanks.tests.helpers import stock
from skillcert.certificates.services import lifecycle
from skillcert.core.errors import Conflict, NotFound, NotPermitted
from skillcert.jobs.models import Job, JobStatus
from skillcert.printing.choices import InsertState, PrintJobKind, PrintJobStatus
from skillcert.printing.models import PrintItem, PrintJob
from skillcert.printing.services import jobs
from skillcert.printing.services.printers import create_printer
from skillcert.printing.services.render import read_pdf
from skillcert.printing.tests.helpers import decode_qr, issue_with_photos, pdf_pages_png, pdf_text
from skillcert.verification.services import verify_qr

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def now(django_capture_on_commit_callbacks: Any) -> Any:
    """`now(fn, ...)` calls a service and runs what it queued on commit (the render job), as a real
    commit would."""

    def run(fn: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            result = fn(*args, **kwargs)
        return result

    return run


def test_print_job_binds_serials_and_renders(demo: dict[str, Any], now: Any) -> None:
    """R0.5: printed from the approved records; R1.8: a station prints on its city centre's stock."""
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 3)
    operator = demo["users"]["nj003"]
    station = demo["orgs"]["ST-10012003"]
    [job] = now(
        jobs.create_print_jobs, organisation=station, certificates=[c.pk for c in certs], actor=operator
    )
    job.refresh_from_db()
    assert job.holder.code == "JS-NJ" and job.level == "4" and job.kind == PrintJobKind.PRINT
    items = list(job.items.order_by("position"))
    assert [i.serial_text for i in items] == ["JS00000001", "JS00000002", "JS00000003"]
    assert [i.certificate.number for i in items] == sorted(c.number for c in certs)
    for item in items:
        serial = BlankSerial.objects.get(serial=item.serial_text)
        assert serial.state == BlankState.BOUND and serial.certificate_id == item.certificate_id
        assert current_serial_for(item.certificate) == serial
    # the render job ran (eager, on commit) with progress per insert
    assert job.status == PrintJobStatus.READY and job.pages == 2
    render = Job.objects.get(pk=job.render_job_id)
    assert render.status == JobStatus.SUCCEEDED and (render.done, render.total) == (3, 3)
    pdf = read_pdf(job)
    text = pdf_text(pdf)
    for cert in certs:
        assert cert.number in text and cert.data["name"] in text
    assert "JS00000001" in text and "职业资格证书" in text
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"printing.job.created", "printing.job.rendered", "blanks.bound"} <= actions
    # the full ID number is printed on the insert but never written to the audit log (X7)
    full_id = lifecycle.decrypt(lifecycle.current_id_cipher(certs[0]))
    assert full_id in text
    assert not AuditEntry.objects.filter(data__icontains=full_id).exists()


def test_all_or_nothing_when_stock_runs_out(demo: dict[str, Any], now: Any) -> None:
    stock(demo, first=1, last=10, to_city=2)
    certs = issue_with_photos(demo, 3)
    with pytest.raises(Conflict) as info:
        now(
            jobs.create_print_jobs,
            organisation=demo["orgs"]["JS-NJ"],
            certificates=certs,
            actor=demo["users"]["nj_admin"],
        )
    assert info.value.code == "blanks.stock.exhausted"
    assert not PrintJob.objects.exists() and not PrintItem.objects.exists()
    assert BlankSerial.objects.filter(state=BlankState.BOUND).count() == 0
    assert not LedgerEntry.objects.filter(kind=EntryKind.BOUND).exists()


def test_scope_permission_rollout_and_double_print(demo: dict[str, Any], now: Any) -> None:
    """X1: another city's certificates are not found; R0.6: not before the roll-out date."""
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 2)
    other_station = demo["orgs"]["ST-10012005"]
    with pytest.raises(NotFound):  # certificates of station 003 are not in station 005's scope
        now(
            jobs.create_print_jobs,
            organisation=other_station,
            certificates=certs,
            actor=demo["users"]["nj005"],
        )
    with pytest.raises(NotPermitted):
        now(
            jobs.create_print_jobs,
            organisation=demo["orgs"]["ST-10052001"],
            certificates=certs,
            actor=demo["users"]["nj003"],
        )
    with pytest.raises(NotPermitted):  # an auditor does not print
        now(
            jobs.create_print_jobs,
            organisation=demo["orgs"]["JS"],
            certificates=certs,
            actor=demo["users"]["js_auditor"],
        )
    with pytest.raises(Conflict) as info:  # the machinery industry centre has not rolled out (R0.6)
        now(jobs.create_print_jobs, organisation=demo["orgs"]["IND-49"], certificates=certs, actor=None)
    assert info.value.code == "printing.not_rolled_out"
    now(
        jobs.create_print_jobs,
        organisation=demo["orgs"]["JS-NJ"],
        certificates=certs,
        actor=demo["users"]["nj_admin"],
    )
    with pytest.raises(Conflict) as info:
        now(jobs.create_print_jobs, organisation=demo["orgs"]["JS-NJ"], certificates=certs[:1], actor=None)
    assert info.value.code == "printing.certificate.already_printed"
    assert jobs.printable_certificates(demo["orgs"]["JS-NJ"], demo["users"]["nj_admin"]).count() == 0


def test_reprint_spoils_rebinds_and_renders_only_that_insert(demo: dict[str, Any], now: Any) -> None:
    """R1.6: the spoiled insert's serial is registered spoiled; a new serial is bound and only that
    insert is rendered again; the old QR no longer verifies, the new one does."""
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 3, published=True)
    admin = demo["users"]["nj_admin"]
    [job] = now(jobs.create_print_jobs, organisation=demo["orgs"]["JS-NJ"], certificates=certs, actor=admin)
    spoiled = job.items.get(position=1)
    old_qr = spoiled.qr_text
    assert verify_qr(old_qr, channel="api", client=None).status == "valid"
    with pytest.raises(Exception) as info:
        jobs.reprint_inserts([spoiled.pk], reason=" ", actor=admin)
    assert getattr(info.value, "code", "") == "printing.reprint.reason"
    reprint = now(jobs.reprint_inserts, [spoiled.pk], reason="卡纸 paper jam", actor=admin)
    reprint.refresh_from_db()
    spoiled.refresh_from_db()
    assert reprint.kind == PrintJobKind.REPRINT and reprint.parent_id == job.pk and reprint.pages == 1
    [new] = reprint.items.all()
    assert spoiled.state == InsertState.SPOILED and spoiled.replaced_by_id == new.pk
    assert new.serial_text == "JS00000004" and new.certificate_id == spoiled.certificate_id
    assert BlankSerial.objects.get(serial=spoiled.serial_text).state == BlankState.SPOILED
    current = current_serial_for(spoiled.certificate)
    assert current is not None and current.serial == "JS00000004"
    text = pdf_text(read_pdf(reprint))
    assert spoiled.certificate.number in text
    assert all(c.number not in text for c in certs if c.pk != spoiled.certificate_id)
    # the old insert's QR fails (its blank is spoiled); the reprint's verifies
    old = verify_qr(old_qr, channel="api", client=None)
    assert old.status == "invalid" and old.reason == "verification.qr.serial_spoiled"
    assert verify_qr(new.qr_text, channel="api", client=None).status == "valid"
    with pytest.raises(Conflict):
        jobs.reprint_inserts([spoiled.pk], reason="again", actor=admin)
    # the city destroys the spoiled blank: the old QR still fails, now as destroyed
    destruction.destroy(
        holder=demo["orgs"]["JS-NJ"],
        serials=[spoiled.serial_text],
        destroyed_on=datetime.date.today(),
        witness_1=admin,
        witness_2=demo["users"]["js_leader"],
        actor=admin,
    )
    old = verify_qr(old_qr, channel="api", client=None)
    assert old.status == "invalid" and old.reason == "verification.qr.serial_destroyed"
    assert {"printing.job.reprinted", "blanks.spoiled"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


def test_steel_seal_recorded_per_insert(demo: dict[str, Any], now: Any) -> None:
    """R0.2: the steel seal is pressed by hand; the system records who and when, per insert."""
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 2)
    admin = demo["users"]["nj_admin"]
    [job] = now(jobs.create_print_jobs, organisation=demo["orgs"]["JS-NJ"], certificates=certs, actor=admin)
    first, second = job.items.order_by("position")
    sealed = jobs.record_steel_seal([first.pk], actor=admin)
    assert [i.pk for i in sealed] == [first.pk]
    first.refresh_from_db()
    assert first.steel_seal_by == admin and first.steel_seal_at is not None
    assert jobs.record_steel_seal([first.pk, second.pk], actor=admin) == [second]  # first keeps its record
    with pytest.raises(NotFound):  # another city's user does not see these inserts
        jobs.record_steel_seal([first.pk], actor=demo["users"]["sz001"])
    assert AuditEntry.objects.filter(action="printing.steel_seal").count() == 2


def test_reissue_prints_with_bu_fa_and_old_paper_stops_verifying(demo: dict[str, Any], now: Any) -> None:
    """R1.7/R2.9: a lost certificate is reissued under the same number, printed on a new serial with
    补发 in the remarks; the lost paper's QR no longer verifies."""
    stock(demo, first=1, last=100, to_city=50)
    [cert] = issue_with_photos(demo, 1, published=True)
    admin = demo["users"]["nj_admin"]
    [job] = now(jobs.create_print_jobs, organisation=demo["orgs"]["JS-NJ"], certificates=[cert], actor=admin)
    lost_qr = job.items.get().qr_text
    lifecycle.reissue(cert, actor=admin, reason="遗失 lost")
    [again] = now(
        jobs.create_print_jobs, organisation=demo["orgs"]["JS-NJ"], certificates=[cert], actor=admin
    )
    item = again.items.get()
    job.refresh_from_db()
    again.refresh_from_db()
    assert item.reissue and item.serial_text == "JS00000002"
    text = pdf_text(read_pdf(again))
    assert "补发" in text and "Reissued" in text
    assert "补发" not in pdf_text(read_pdf(job))
    assert verify_qr(item.qr_text, channel="api", client=None).status == "reissued"
    lost = verify_qr(lost_qr, channel="api", client=None)
    assert lost.status == "invalid" and lost.reason == "verification.qr.serial_not_current"


def test_printed_qr_decodes_and_verifies(demo: dict[str, Any], now: Any) -> None:
    """The QR on the rendered page (300 dpi) decodes with zxing-cpp to the stored, signed text."""
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 2, published=True)
    printer = create_printer(demo["orgs"]["JS-NJ"], actor=None, name="HP M454", offset_x_mm="1.5")
    [job] = now(
        jobs.create_print_jobs,
        organisation=demo["orgs"]["JS-NJ"],
        certificates=certs,
        actor=None,
        printer=printer,
    )
    job.refresh_from_db()
    assert job.calibration["offset_x_mm"] == "1.50"
    [page] = pdf_pages_png(read_pdf(job), dpi=300)
    decoded = sorted(decode_qr(page))
    assert decoded == sorted(job.items.values_list("qr_text", flat=True))
    for text in decoded:
        assert verify_qr(text, channel="api", client=None).status == "valid"
