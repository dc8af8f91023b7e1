"""Demo data for publication (R3.7, R3.8): the people of both sign-off chains, and one finished
Suzhou session whose certificates were issued in a past round and published through the real chain,
so `make run` shows certificates the public verification finds.

Idempotent like core.demo: users are found by username, the session by its station; only certificates
whose round's publication day has passed are published (never with a clock in the future)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from skillcert.orgs import services as org_services
from skillcert.orgs.choices import Role
from skillcert.orgs.models import Organisation

# (username, full name, organisation code, role)
CHAIN_USERS: list[tuple[str, str, str, str]] = [
    ("nj_handler", "钱数据经办", "JS-NJ", Role.DATA_HANDLER),
    ("nj_director", "孙南京中心主任", "JS-NJ", Role.CENTRE_LEADER),
    ("sz_admin", "郑苏州证书管理员", "JS-SZ", Role.CERT_ADMIN),
    ("sz_handler", "冯苏州数据经办", "JS-SZ", Role.DATA_HANDLER),
    ("sz_director", "陈苏州中心主任", "JS-SZ", Role.CENTRE_LEADER),
    ("js_admin", "褚省证书管理员", "JS", Role.CERT_ADMIN),
    ("js_handler", "卫省数据经办", "JS", Role.DATA_HANDLER),
    ("js_dept_head", "蒋处长", "JS", Role.DEPARTMENT_HEAD),
    ("js_leader_ic", "沈分管领导", "JS", Role.LEADER_IN_CHARGE),
]


def load_publication_demo(by_code: dict[str, Organisation], password: str) -> int:
    """Create the chain users, the Suzhou demo certificates, and publish them; returns how many
    certificates were published now."""
    User = get_user_model()
    for username, full_name, org_code, role in CHAIN_USERS:
        if not User.objects.filter(username=username).exists():
            org_services.create_user(
                username,
                password,
                actor=None,
                full_name=full_name,
                email=f"{username}@demo.skillcert.invalid",
                org=by_code[org_code],
                roles=(role,),
            )
    _issue_suzhou(by_code["ST-10052001"])
    return _publish_past_rounds()


def _past_round_day() -> datetime.date:
    """The last day of data of the latest round already published by its schedule."""
    from skillcert.publication import schedule

    today = schedule.local(timezone.now()).date()
    day = today - datetime.timedelta(days=20)
    while schedule.round_for_data(day).publication_date > today:
        day -= datetime.timedelta(days=7)
    return schedule.round_for_data(day).data_end


def _issue_suzhou(station: Organisation) -> None:
    from skillcert.appraisal.models import AppraisalSession
    from skillcert.appraisal.services import enrolment, reports, scores, sessions
    from skillcert.certificates.services.issue import issue_certificates

    if AppraisalSession.objects.filter(organisation=station).exists():
        return
    issued_on = _past_round_day()
    exam = issued_on - datetime.timedelta(days=10)
    session = sessions.create_session(
        station,
        actor=None,
        site="苏州市姑苏区人民路8号实训中心",
        exam_start=exam,
        exam_end=exam,
        expected_candidates=2,
        subjects=[{"occupation": "6-18-01-01", "level": 4}],
    )
    session = sessions.review_session(sessions.submit_session(session, actor=None), actor=None, approve=True)
    subject = session.subjects.get()
    for person, (theory, practical) in zip(
        station.people.order_by("id"), [("88", "81"), ("79", "90")], strict=False
    ):
        e = enrolment.enrol(
            session, subject, person, actor=None, source="manual", work_unit="苏州工业园区精密机械厂"
        )
        scores.record_scores(e, actor=None, theory=theory, practical=practical)
    report = reports.submit_report(session, actor=None, examiners="周考评,吴考评")
    reports.review_report(report, actor=None, approve=True)
    issue_certificates(session, actor=None, issued_on=issued_on)


def _publish_past_rounds() -> int:
    from skillcert.certificates.models import Certificate
    from skillcert.publication import schedule
    from skillcert.publication.testing import publish_through_chain

    today = schedule.local(timezone.now()).date()
    pending = [
        c
        for c in Certificate.objects.filter(published_at__isnull=True).select_related("organisation")
        if schedule.round_for_data(c.issued_on).publication_date <= today
    ]
    by_round: dict[str, list[Any]] = {}
    for c in pending:
        by_round.setdefault(schedule.round_for_data(c.issued_on).code, []).append(c)
    for _code, certs in sorted(by_round.items()):
        publish_through_chain(certs)
    return len(pending)
