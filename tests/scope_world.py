"""The victim world of the scope walk (issue 13, X1): the demo, plus at least one object of every scoped
model owned by Nanjing station ST-10012003 (operator nj003), by its city centre JS-NJ (nj_admin,
nj_director) or by the province JS (js_leader), each made through the services a real user calls.

`build_world()` returns a `World`: per model, the victim objects with the users entitled to them (the
walk checks that one of them reaches the URL, so the value is real) and the attackers, who must be
refused. Attackers: `nj005` (another Nanjing station), `sz001` (a Suzhou station), `sz_admin` (the
Suzhou city centre with the roles nj_admin has in Nanjing), `sz_director` (Suzhou's centre leader)
and `jx_leader` (the machinery industry centre, another tree). Each attacker also owns a few objects
of their own (`World.own`), for URLs with two ids: the attacker's parent with the victim's child.

Made outside the services, because the service has platform-wide side effects the walk cannot live
with: the security incident (a reported leak ends every session and token and freezes publishing),
written as `lockdown.report_leak` writes it.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import TestCase
from django.utils import timezone

ATTACKERS = ("nj005", "sz001", "sz_admin", "sz_director", "jx_leader")
HOME = {  # each attacker's own organisation
    "nj005": "ST-10012005",
    "sz001": "ST-10052001",
    "sz_admin": "JS-SZ",
    "sz_director": "JS-SZ",
    "jx_leader": "IND-49",
}


@dataclass
class Victim:
    obj: Any
    owner: str  # code of the organisation whose subtree it belongs to
    users: tuple[str, ...]  # who may reach it (the walk needs one of them to succeed)
    attackers: tuple[str, ...] = ATTACKERS
    note: str = ""

    @property
    def label(self) -> str:
        return f"{type(self.obj).__name__}#{getattr(self.obj, 'pk', self.obj)}@{self.owner}{self.note}"


@dataclass
class World:
    orgs: dict[str, Any]
    users: dict[str, Any]
    victims: dict[type[Model], list[Victim]] = field(default_factory=dict)
    own: dict[tuple[str, type[Model]], Any] = field(default_factory=dict)  # (attacker, model) -> object
    mine: dict[str, dict[str, Any]] = field(default_factory=dict)  # attacker -> API property -> own value

    def add(self, obj: Any, owner: str, users: tuple[str, ...], **kw: Any) -> Any:
        self.victims.setdefault(type(obj), []).append(Victim(obj, owner, users, **kw))
        return obj

    def of(self, model: type[Model]) -> list[Victim]:
        return self.victims.get(model, [])

    @property
    def demo(self) -> dict[str, Any]:
        return {"orgs": self.orgs, "users": self.users}


# Where each user posts from (their own organisation), for the attackers and the victims' own users.
HOMES = {**HOME, "nj003": "ST-10012003", "nj_admin": "JS-NJ", "nj_director": "JS-NJ", "js_leader": "JS"}
# A station below each user's organisation, for forms that name a station.
STATIONS = {
    "nj003": "ST-10012003",
    "nj_admin": "ST-10012003",
    "nj005": "ST-10012005",
    "sz001": "ST-10052001",
    "sz_admin": "ST-10052001",
    "sz_director": "ST-10052001",
    "jx_leader": "ST-49003018",
}


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def build_world() -> World:
    """The demo with appraisal data and the victim objects. Runs inside the caller's transaction."""
    from skillcert.core.demo import load_demo
    from skillcert.orgs.choices import Role
    from skillcert.orgs.models import Membership, Organisation

    load_demo(with_appraisal=True)
    User = get_user_model()
    orgs = {o.code: o for o in Organisation.objects.all()}
    # The other city's certificate administrator holds what nj_admin holds in Nanjing (brief item 2).
    sz_admin = User.objects.get(username="sz_admin")
    Membership.objects.get_or_create(user=sz_admin, organisation=orgs["JS-SZ"], role=Role.REVIEWER)
    users = {u.username: u for u in User.objects.all()}
    world = World(orgs=orgs, users=users)
    # Work queued on commit (backups after publication) never runs: the caller's transaction is rolled
    # back. The jobs whose results the walk downloads run at once (`_run_on_commit`).
    _organisations(world)
    _appraisal(world)
    _certificates_and_printing(world)
    _blanks(world)
    _reports(world)
    _publication(world)
    _holders(world)
    _jobs(world)
    _accounts(world)
    _attackers_own(world)
    return world


def _run_on_commit() -> Any:
    return TestCase.captureOnCommitCallbacks(execute=True)


# --- organisations, people --------------------------------------------------------------------------


def _organisations(w: World) -> None:
    from skillcert.orgs.models import AdministratorEntry, RolloutSetting
    from skillcert.people.models import Person

    w.add(w.orgs["ST-10012003"], "ST-10012003", ("nj003", "nj_admin"))
    w.add(w.orgs["JS-NJ"], "JS-NJ", ("nj_admin",))
    w.add(w.orgs["JS-NJ-HR"], "JS-NJ", ("nj_admin",))
    w.add(w.orgs["JS"], "JS", ("js_leader",))
    for entry in AdministratorEntry.objects.filter(organisation=w.orgs["JS-NJ"]):
        w.add(entry, "JS-NJ", ("nj_admin",))
    w.add(RolloutSetting.objects.get(organisation=w.orgs["JS-NJ"]), "JS-NJ", ("nj_admin",))
    person = Person.objects.filter(organisation=w.orgs["ST-10012003"]).order_by("pk").first()
    w.add(person, "ST-10012003", ("nj003", "nj_admin"))
    from skillcert.audit.models import AuditEntry

    entry = AuditEntry.objects.filter(organisation=w.orgs["ST-10012003"]).order_by("pk").first()
    w.add(entry, "ST-10012003", ("nj_director",))


# --- appraisal ------------------------------------------------------------------------------------


def _appraisal(w: World) -> None:
    from skillcert.appraisal.models import (
        AnnualPlan,
        AppraisalSession,
        Enrolment,
        PaperDraw,
        PaperSet,
        SessionReport,
    )

    station = w.orgs["ST-10012003"]
    w.add(AnnualPlan.objects.get(organisation=station), "ST-10012003", ("nj003", "nj_admin"))
    session = AppraisalSession.objects.filter(organisation=station).order_by("pk").first()
    assert session is not None
    w.add(session, "ST-10012003", ("nj003", "nj_admin"), note=" (demo, results submitted)")
    w.add(session.subjects.get(), "ST-10012003", ("nj003", "nj_admin"))
    for paper in PaperSet.objects.filter(organisation=station).order_by("pk")[:1]:
        w.add(paper, "ST-10012003", ("nj003", "nj_admin"))
    w.add(PaperDraw.objects.get(subject__session=session), "ST-10012003", ("nj_admin", "nj003"))
    w.add(
        Enrolment.objects.filter(session=session).order_by("pk").first(), "ST-10012003", ("nj003", "nj_admin")
    )
    w.add(SessionReport.objects.get(session=session), "ST-10012003", ("nj003", "nj_admin"))


# --- certificates, printing ------------------------------------------------------------------------


def _certificates_and_printing(w: World) -> None:
    from skillcert.appraisal.services import papers
    from skillcert.blanks.models import BlankSerial
    from skillcert.certificates.models import CertificateEvent
    from skillcert.people.models import Photo
    from skillcert.printing.models import Printer
    from skillcert.printing.services import jobs as print_jobs
    from skillcert.printing.tests.helpers import issue_with_photos

    unpublished = issue_with_photos(w.demo, 2)
    published = issue_with_photos(w.demo, 2, published=True)
    w.published = published  # type: ignore[attr-defined]
    w.unpublished = unpublished  # type: ignore[attr-defined]
    w.add(unpublished[0], "ST-10012003", ("nj003", "nj_admin"), note=" (unpublished)")
    w.add(published[0], "ST-10012003", ("nj003", "nj_admin"), note=" (published)")
    w.add(issue_with_photos(w.demo, 1)[0], "ST-10012003", ("nj003", "nj_admin"), note=" (not printed)")
    w.add(CertificateEvent.objects.filter(certificate=published[0]).first(), "ST-10012003", ("nj003",))
    issued_session = unpublished[0].enrolment.session
    w.add(issued_session, "ST-10012003", ("nj003", "nj_admin"), note=" (results approved, issued)")
    issued_subject = issued_session.subjects.get()
    papers.draw_paper(issued_subject, actor=None, seed="walk")  # its drawn paper is downloadable too
    w.add(issued_subject, "ST-10012003", ("nj003", "nj_admin"))
    photo = Photo.objects.get(pk=unpublished[0].person.photo_id)
    w.add(photo, "ST-10012003", ("nj003", "nj_admin"))

    printers = Printer.objects.filter(organisation=w.orgs["ST-10012003"])
    w.add(printers.get(), "ST-10012003", ("nj003", "nj_admin"))
    w.add(Printer.objects.get(organisation=w.orgs["JS-NJ"]), "JS-NJ", ("nj_admin",))
    with _run_on_commit():
        [job] = print_jobs.create_print_jobs(
            organisation=w.orgs["ST-10012003"],
            certificates=[c.pk for c in unpublished],
            actor=w.users["nj003"],
            printer=printers.get(),
        )
    job.refresh_from_db()
    assert job.file, "the print job's PDF was rendered"
    w.add(job, "ST-10012003", ("nj003", "nj_admin"))
    with _run_on_commit():  # printed, in no collection notice yet: what a notice may cover
        print_jobs.create_print_jobs(
            organisation=w.orgs["ST-10012003"], certificates=[c.pk for c in published], actor=w.users["nj003"]
        )
    item = job.items.order_by("position").first()
    w.add(item, "ST-10012003", ("nj003", "nj_admin"))
    serial = BlankSerial.objects.get(certificate=unpublished[0])
    w.add(serial, "JS-NJ", ("nj_admin",), note=" (bound)")
    w.print_job = job  # type: ignore[attr-defined]


# --- blanks ----------------------------------------------------------------------------------------


def _blanks(w: World) -> None:
    from skillcert.blanks.choices import BlankState
    from skillcert.blanks.models import Allocation, BlankSerial, FeeRemittance, LedgerEntry, Receipt
    from skillcert.blanks.services import destruction, distribution, ledger
    from skillcert.blanks.services import requisition as rq

    nj, users = w.orgs["JS-NJ"], w.users
    w.add(Receipt.objects.filter(holder=w.orgs["JS"]).order_by("pk").first(), "JS", ("js_leader",))
    w.add(Allocation.objects.filter(target=nj).order_by("pk").first(), "JS-NJ", ("nj_admin",))
    w.add(FeeRemittance.objects.get(city=nj, year=2026, quarter=1), "JS-NJ", ("nj_admin",))
    w.add(LedgerEntry.objects.filter(holder=nj).order_by("pk").first(), "JS-NJ", ("nj_admin",))
    requisition = rq.file_requisition(
        city=nj, planned={"4": 100, "5": 50}, actor=users["nj_admin"], today=datetime.date(2026, 10, 5)
    )
    w.add(requisition, "JS-NJ", ("nj_admin",))
    free = BlankSerial.objects.filter(holder=nj, state=BlankState.IN_STOCK).order_by("serial")
    spoiled, lost_one, waiting = list(free[:3])
    ledger.spoil_serial(spoiled, reason="卡纸", actor=users["nj_admin"])
    ledger.spoil_serial(waiting, reason="卡纸", actor=users["nj_admin"])
    w.add(BlankSerial.objects.get(pk=waiting.pk), "JS-NJ", ("nj_admin",), note=" (spoiled)")
    batch = destruction.destroy(
        holder=nj,
        serials=[spoiled.serial],
        destroyed_on=timezone.localdate(),
        witness_1=users["nj_admin"],
        witness_2=users["nj_section"],
        actor=users["nj_admin"],
    )
    w.add(batch, "JS-NJ", ("nj_admin",))
    w.add(BlankSerial.objects.get(pk=lost_one.pk), "JS-NJ", ("nj_admin",), note=" (in stock)")
    now = timezone.now()
    notice = distribution.publish_notice(
        organisation=nj,
        title="2026年第4批证书领取",
        place="南京市中心证书室",
        collect_from=now,
        collect_until=now + datetime.timedelta(days=30),
        certificates=list(w.unpublished),  # type: ignore[attr-defined]
        actor=users["nj_admin"],
    )
    w.add(notice, "JS-NJ", ("nj_admin",))
    for dist in notice.distributions.order_by("pk")[:1]:
        w.add(dist, "JS-NJ", ("nj_admin",))


# --- reports ---------------------------------------------------------------------------------------


def _reports(w: World) -> None:
    from skillcert.reports import periods
    from skillcert.reports.services.submit import submit_report

    sub = submit_report(w.orgs["JS-NJ"], periods.parse("2026Q3"), actor=w.users["nj_admin"])
    w.add(sub, "JS-NJ", ("nj_admin",))


# --- publication -------------------------------------------------------------------------------------


def _publication(w: World) -> None:
    from skillcert.publication.models import Batch, Release

    certs = w.published  # type: ignore[attr-defined]
    batch = Batch.objects.filter(organisation=w.orgs["JS-NJ"], items__certificate=certs[0]).distinct().get()
    w.add(batch, "JS-NJ", ("nj_admin",))
    release = Release.objects.filter(organisation=w.orgs["JS"]).order_by("-pk").first()
    w.add(release, "JS", ("js_leader",))


# --- holders ---------------------------------------------------------------------------------------


def _holders(w: World) -> None:
    from django.core.cache import cache

    from skillcert.holders import corrections, inquiry
    from skillcert.holders import services as holder_services
    from skillcert.holders.sms import MemorySmsSender

    cert = w.published[0]  # type: ignore[attr-defined]
    reissue = holder_services.request_reissue(cert, reason="证书遗失", delivery="paper")
    w.add(reissue, "ST-10012003", ("nj_admin",))
    correction = corrections.submit(
        cert,
        changes={"education": "大学本科" if cert.data.get("education") != "大学本科" else "高中"},
        reason="信息录入错误",
        files=[("id_card", SimpleUploadedFile("身份证.png", _png()))],
    )
    w.add(correction, "ST-10012003", ("nj_admin",))
    w.add(correction.evidence.get(), "ST-10012003", ("nj_admin",))

    cache.clear()
    MemorySmsSender.outbox.clear()
    with _settings(SKILLCERT_SMS_SENDER="skillcert.holders.sms.MemorySmsSender", HOLDER_RATE_PER_HOUR=1000):
        today = timezone.localdate()
        inq = inquiry.start_inquiry(
            organisation_id=w.orgs["JS"].pk,
            name=cert.data["name"],
            id_number=cert.person.document_number(),
            phone="13812345678",
            received_on=today - datetime.timedelta(days=80),
            client=None,
        )
        import re

        code = re.search(r"\d{6}", MemorySmsSender.outbox[-1][1])
        assert code
        inq = inquiry.confirm_inquiry(inq, code.group(), today=today)
    w.add(inq, "JS", ("js_leader",))


class _settings:
    def __init__(self, **values: Any) -> None:
        from django.test.utils import override_settings

        self._override = override_settings(**values)

    def __enter__(self) -> None:
        self._override.enable()

    def __exit__(self, *exc: Any) -> None:
        self._override.disable()


# --- jobs ------------------------------------------------------------------------------------------


def _jobs(w: World) -> None:
    from skillcert.jobs.models import Job, JobStatus
    from skillcert.jobs.services import start_job

    with _run_on_commit():
        export = start_job("people.export_xlsx", actor=w.users["nj003"], organisation=w.orgs["ST-10012003"])
    export.refresh_from_db()
    assert export.status == JobStatus.SUCCEEDED, export.errors
    w.add(export, "ST-10012003", ("nj003",), note=" (people export)")
    render = Job.objects.get(kind="printing.render", params__print_job=w.print_job.pk)  # type: ignore[attr-defined]
    assert render.status == JobStatus.SUCCEEDED, render.errors
    w.add(render, "ST-10012003", ("nj003",), note=" (print render)")


# --- accounts --------------------------------------------------------------------------------------


def _accounts(w: World) -> None:
    from skillcert.accounts.models import IncidentEvidence, Lockout, SecurityIncident
    from skillcert.accounts.services import login
    from skillcert.orgs import services as org_services
    from skillcert.orgs.choices import Role

    clerk = org_services.create_user(
        "nj003_clerk",
        None,
        actor=None,
        full_name="被锁定的操作员",
        org=w.orgs["ST-10012003"],
        roles=(Role.STATION_OPERATOR,),
    )
    w.users["nj003_clerk"] = clerk
    for _ in range(6):
        login.record_failure("nj003_clerk", "10.9.9.9")
    lock = Lockout.objects.filter(user=clerk, kind=Lockout.Kind.ACCOUNT).get()
    w.add(lock, "ST-10012003", ("nj_director",))
    w.add(clerk, "ST-10012003", ("nj_director",), note=" (user)")

    incident = SecurityIncident.objects.create(
        reference="SEC-WALK-000001", reported_by=w.users["sysadmin"], description="疑似口令泄露（演练）"
    )
    data = b"evidence of a suspected leak"
    sha = hashlib.sha256(data).hexdigest()
    path = Path(settings.MEDIA_ROOT) / "security" / incident.reference / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    evidence = IncidentEvidence.objects.create(
        incident=incident,
        original_name="log.txt",
        stored_path=str(path.relative_to(Path(settings.MEDIA_ROOT))),
        sha256=sha,
        size=len(data),
        content_type="text/plain",
        uploaded_by=w.users["sysadmin"],
    )
    w.add(incident, "OSTA", ("sysadmin",))
    w.add(evidence, "OSTA", ("sysadmin",))

    from skillcert.accounts.services.tokens import issue_api_token

    token, _key = issue_api_token(w.users["nj003"], label="victim's integration")
    w.add(token, "ST-10012003", ("nj003",))


# --- the attackers' own objects ----------------------------------------------------------------------


def _attackers_own(w: World) -> None:
    """What the attackers own, for URLs and bodies that take two objects (theirs, and the victim's): their
    organisation, a session with a subject and a person at each attacking station, a print job of
    Suzhou's published certificates, an inquiry at the machinery industry centre."""
    from skillcert.appraisal.services import sessions
    from skillcert.certificates.models import Certificate
    from skillcert.holders import corrections, inquiry
    from skillcert.holders.sms import MemorySmsSender
    from skillcert.orgs import services as org_services
    from skillcert.orgs.choices import Role, RolloutFeature
    from skillcert.orgs.models import Organisation
    from skillcert.people.models import Person
    from skillcert.printing.services import jobs as print_jobs

    for attacker, code in HOME.items():
        w.own[(attacker, Organisation)] = w.orgs[code]
    # The machinery industry centre prints too (R0.6), so its requests get as far as the certificates.
    org_services.set_rollout(
        w.orgs["IND-49"], RolloutFeature.INTEGRATED_PRINTING, datetime.date(2026, 1, 1), actor=None
    )
    # A colleague at each attacking organisation that has none, as a second witness of a destruction.
    for attacker, role in (
        ("nj005", Role.STATION_OPERATOR),
        ("sz001", Role.STATION_OPERATOR),
        ("jx_leader", Role.CERT_ADMIN),
    ):
        mate = org_services.create_user(
            f"{attacker}_mate", None, actor=None, full_name="同事", org=w.orgs[HOME[attacker]], roles=(role,)
        )
        w.users[mate.username] = mate
    for attacker in ("nj005", "sz001"):
        w.own[(attacker, Person)] = Person.objects.filter(organisation=w.orgs[HOME[attacker]]).first()
    suzhou = list(Certificate.objects.filter(organisation=w.orgs["ST-10052001"]).order_by("pk"))
    with _run_on_commit():
        [job] = print_jobs.create_print_jobs(
            organisation=w.orgs["ST-10052001"], certificates=[c.pk for c in suzhou], actor=w.users["sz001"]
        )
    for attacker in ("sz001", "sz_admin"):
        w.own[(attacker, type(job))] = job
    own_correction = corrections.submit(
        suzhou[0],
        changes={"education": "大学本科" if suzhou[0].data.get("education") != "大学本科" else "高中"},
        reason="信息录入错误",
        files=[("id_card", SimpleUploadedFile("id.png", _png()))],
    )
    w.own[("sz_admin", type(own_correction))] = own_correction
    with _settings(SKILLCERT_SMS_SENDER="skillcert.holders.sms.MemorySmsSender", HOLDER_RATE_PER_HOUR=1000):
        import re

        today = timezone.localdate()
        inq = inquiry.start_inquiry(
            organisation_id=w.orgs["IND-49"].pk,
            name="黄强",
            id_number="320105197911110117",
            phone="13605151234",
            received_on=today - datetime.timedelta(days=60),
            client=None,
        )
        code = re.search(r"\d{6}", MemorySmsSender.outbox[-1][1])
        assert code
        w.own[("jx_leader", type(inq))] = inquiry.confirm_inquiry(inq, code.group(), today=today)

    day = timezone.localdate() + datetime.timedelta(days=30)
    for attacker, station in (("nj005", "ST-10012005"), ("sz001", "ST-10052001")):
        session = sessions.create_session(
            w.orgs[station],
            actor=w.users[attacker],
            site="实训楼",
            exam_start=day,
            exam_end=day,
            expected_candidates=1,
            subjects=[{"occupation": "6-18-01-01", "level": 4}],
        )
        w.own[(attacker, type(session))] = session
    _own_values(w, suzhou, job)


def _own_values(w: World, suzhou: list[Any], job: Any) -> None:
    """The values an attacker puts in the other references of a body: their own, valid ones."""
    from skillcert.blanks.choices import BlankState
    from skillcert.blanks.models import BlankSerial

    items = [i.pk for i in job.items.order_by("position")]
    from skillcert.blanks.services import ledger

    spare = BlankSerial.objects.filter(holder=w.orgs["JS-SZ"], state=BlankState.IN_STOCK).order_by("serial")
    spoiled = spare.first()
    assert spoiled is not None
    ledger.spoil_serial(spoiled, reason="卡纸", actor=w.users["sz_admin"])  # Suzhou's own, to destroy
    for attacker in HOME:
        mate = (
            "sz_director"
            if attacker == "sz_admin"
            else "sz_admin"
            if attacker == "sz_director"
            else f"{attacker}_mate"
        )
        w.mine[attacker] = {"witness_1": attacker, "witness_2": mate}
    for attacker in ("nj005", "sz001"):
        session = w.own[(attacker, _session_model())]
        w.mine[attacker].update(session=session.pk, subject=session.subjects.get().pk)
    w.mine["sz001"].update(certificates=[c.pk for c in suzhou], certificate=suzhou[0].number, items=items)
    for attacker in ("sz_admin", "sz_director"):
        w.mine[attacker].update(
            certificates=[c.pk for c in suzhou],
            certificate=suzhou[0].number,
            serials=[spoiled.serial],
        )
    w.mine["sz_admin"]["items"] = items


def _session_model() -> Any:
    from skillcert.appraisal.models import AppraisalSession

    return AppraisalSession
