"""Submission, sign-off chains and publication (R3.8), the freeze switch (R3.9 lock-down), and the rule
that nothing reaches the public outside this path (R3.8, X2)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.audit.models import AuditEntry
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.core.errors import Conflict, NotPermitted, SkillcertError
from skillcert.jobs.models import Job
from skillcert.orgs.choices import Role
from skillcert.publication import schedule, services
from skillcert.publication.models import Batch, BatchState, Release, ReleaseState
from skillcert.publication.testing import member, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(demo: dict[str, Any]) -> list[Certificate]:
    cache.clear()
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=3)
    return list(issue_certificates(session, actor=demo["users"]["nj_admin"]))


@pytest.fixture
def rnd(issued: list[Certificate]) -> schedule.Period:
    return schedule.round_for_data(max(c.issued_on for c in issued))


def at(p: schedule.Period, hours: float = 1) -> datetime.datetime:
    return p.window_opens + datetime.timedelta(hours=hours)


def verify(cert: Certificate) -> str:
    cache.clear()
    body = APIClient().post(
        "/api/v1/verify/",
        {"method": "number", "number": cert.number, "name": cert.data["name"]},
        format="json",
    )
    return str(body.json()["status"])


def people(demo: dict[str, Any]) -> dict[str, Any]:
    nj, js = demo["orgs"]["JS-NJ"], demo["orgs"]["JS"]
    return {
        "nj_handler": member(nj, Role.DATA_HANDLER),
        "nj_director": member(nj, Role.CENTRE_LEADER),
        "js_compiler": member(js, Role.CERT_ADMIN),
        "js_handler": member(js, Role.DATA_HANDLER),
        "js_dept": member(js, Role.DEPARTMENT_HEAD),
        "js_leader_ic": member(js, Role.LEADER_IN_CHARGE),
        "js_netadmin": member(js, Role.NETWORK_ADMIN, exclude=[demo["users"]["js_leader"]]),
    }


def test_r3_8_full_chain_makes_certificates_public(
    demo: dict[str, Any],
    issued: list[Certificate],
    rnd: schedule.Period,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """R3.8: issued certificates are invisible to the public until the whole chain has run; then
    verifiable; every step audited; a backup follows the publication (R3.9)."""
    assert all(verify(c) == "not_found" for c in issued)
    p = people(demo)
    nj, js = demo["orgs"]["JS-NJ"], demo["orgs"]["JS"]
    batch = services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=at(rnd))
    assert batch.state == BatchState.SUBMITTED and batch.certificate_count == 3 and batch.period == rnd.code
    assert services.next_role(batch) == Role.DATA_HANDLER
    batch = services.sign_batch(batch, actor=p["nj_handler"], now=at(rnd))
    assert services.next_role(batch) == Role.CENTRE_LEADER
    batch = services.sign_batch(batch, actor=p["nj_director"], now=at(rnd))
    assert batch.state == BatchState.APPROVED
    release = services.compile_release(js, actor=p["js_compiler"], now=at(rnd, 8))
    assert release.certificate_count == 3 and release.period == rnd.code
    for who in ("js_handler", "js_dept", "js_leader_ic"):
        assert verify(issued[0]) == "not_found"
        release = services.sign_release(release, actor=p[who], now=at(rnd, 8))
    assert release.state == ReleaseState.SIGNED
    publish_at = datetime.datetime.combine(rnd.publication_date, datetime.time(10), tzinfo=schedule.TZ)
    with django_capture_on_commit_callbacks() as callbacks:
        release = services.publish_release(release, actor=p["js_netadmin"], now=publish_at)
    # R3.9: the backup job is recorded in the publishing transaction and queued only on commit
    # (test_backups runs it for real in a committed database).
    job = Job.objects.get(kind="publication.backup")
    assert job.params["release"] == release.pk and job.status == "queued" and len(callbacks) == 1
    assert release.state == ReleaseState.PUBLISHED
    assert all(verify(c) == "valid" for c in issued)
    assert set(
        Certificate.objects.filter(pk__in=[c.pk for c in issued]).values_list("published_at", flat=True)
    ) == {publish_at}
    assert Batch.objects.get(pk=batch.pk).state == BatchState.PUBLISHED
    actions = list(
        AuditEntry.objects.filter(action__startswith="publication.").values_list("action", flat=True)
    )
    for action in (
        "batch.submitted",
        "batch.signed",
        "release.compiled",
        "release.signed",
        "release.published",
    ):
        assert f"publication.{action}" in actions


def test_r3_8_submission_only_inside_the_window(
    demo: dict[str, Any], issued: list[Certificate], rnd: schedule.Period
) -> None:
    nj = demo["orgs"]["JS-NJ"]
    for moment in (rnd.window_opens - datetime.timedelta(minutes=1), rnd.window_closes):
        with pytest.raises(Conflict) as caught:
            services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=moment)
        assert caught.value.code == "publication.window.closed"
        assert "09:00" in caught.value.message_zh
    with pytest.raises(NotPermitted):  # a station operator may not submit
        services.submit_batch(nj, actor=demo["users"]["nj003"], now=at(rnd))
    with pytest.raises(SkillcertError) as caught2:  # the province compiles, it does not submit
        services.submit_batch(demo["orgs"]["JS"], actor=demo["users"]["nj_admin"], now=at(rnd))
    assert caught2.value.code == "publication.batch.not_a_city"
    services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=at(rnd))
    with pytest.raises(Conflict) as again:
        services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=at(rnd, 2))
    assert again.value.code == "publication.batch.exists"


def test_r3_8_chain_order_no_skipping_no_self_no_twice(
    demo: dict[str, Any], issued: list[Certificate], rnd: schedule.Period
) -> None:
    p = people(demo)
    nj = demo["orgs"]["JS-NJ"]
    submitter = member(nj, Role.DATA_HANDLER, exclude=[p["nj_handler"]])  # a handler may submit too
    batch = services.submit_batch(nj, actor=submitter, now=at(rnd))
    codes = []
    for who in (p["nj_director"], submitter, demo["users"]["js_leader"]):
        problem = services.sign_problem(batch, who)
        assert problem is not None
        codes.append(problem.code)  # type: ignore[attr-defined]
        with pytest.raises(NotPermitted):
            services.sign_batch(batch, actor=who, now=at(rnd))
    assert codes == [
        "publication.signoff.wrong_role",  # the director may not skip the handler
        "publication.signoff.own_submission",
        "publication.signoff.wrong_role",  # a province role is not the city's handler
    ]
    # one person holding both city roles signs the first step, then may not sign the second
    both = p["nj_handler"]
    from skillcert.orgs.models import Membership

    Membership.objects.create(user=both, organisation=nj, role=Role.CENTRE_LEADER)
    batch = services.sign_batch(batch, actor=both, now=at(rnd))
    with pytest.raises(NotPermitted) as twice:
        services.sign_batch(batch, actor=both, now=at(rnd))
    assert twice.value.code == "publication.signoff.twice"
    batch = services.sign_batch(batch, actor=p["nj_director"], now=at(rnd))
    assert batch.state == BatchState.APPROVED
    with pytest.raises(Conflict):
        services.sign_batch(batch, actor=p["nj_director"], now=at(rnd))


def test_r3_8_rejection_frees_certificates_for_resubmission(
    demo: dict[str, Any], issued: list[Certificate], rnd: schedule.Period
) -> None:
    p = people(demo)
    nj = demo["orgs"]["JS-NJ"]
    batch = services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=at(rnd))
    with pytest.raises(SkillcertError):  # a rejection needs a reason
        services.sign_batch(batch, actor=p["nj_handler"], approve=False, now=at(rnd))
    batch = services.sign_batch(batch, actor=p["nj_handler"], approve=False, comment="照片缺失", now=at(rnd))
    assert batch.state == BatchState.REJECTED and not batch.items.filter(active=True).exists()
    again = services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=at(rnd, 2))
    assert again.certificate_count == 3


def test_r3_8_publish_rules_and_freeze(
    demo: dict[str, Any], issued: list[Certificate], rnd: schedule.Period
) -> None:
    """Publish only signed releases, only from the publication day, only by the network administrator,
    never while frozen (the lock-down switch)."""
    p = people(demo)
    nj, js = demo["orgs"]["JS-NJ"], demo["orgs"]["JS"]
    batch = services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=at(rnd))
    for who in ("nj_handler", "nj_director"):
        batch = services.sign_batch(batch, actor=p[who], now=at(rnd))
    release = services.compile_release(js, actor=p["js_compiler"], now=at(rnd, 8))
    on_day = datetime.datetime.combine(rnd.publication_date, datetime.time(10), tzinfo=schedule.TZ)
    with pytest.raises(Conflict) as unsigned:
        services.publish_release(release, actor=p["js_netadmin"], now=on_day)
    assert unsigned.value.code == "publication.release.not_signed"
    for who in ("js_handler", "js_dept", "js_leader_ic"):
        release = services.sign_release(release, actor=p[who], now=at(rnd, 8))
    with pytest.raises(Conflict) as early:
        services.publish_release(release, actor=p["js_netadmin"], now=on_day - datetime.timedelta(days=1))
    assert early.value.code == "publication.release.too_early"
    with pytest.raises(NotPermitted):
        services.publish_release(release, actor=p["js_dept"], now=on_day)
    with pytest.raises(NotPermitted):  # freezing needs a security or publishing role
        services.freeze_publishing("泄露", demo["users"]["nj003"])
    services.freeze_publishing("疑似账号泄露，锁定", None)
    assert services.publishing_frozen()
    with pytest.raises(Conflict) as frozen:
        services.publish_release(release, actor=p["js_netadmin"], now=on_day)
    assert frozen.value.code == "publication.publishing.frozen"
    assert verify(issued[0]) == "not_found"
    with pytest.raises(NotPermitted):  # the network administrator cannot lift a lock-down
        services.unfreeze_publishing("ok", p["js_netadmin"])
    services.unfreeze_publishing("排查完毕，已更换口令", demo["users"]["sysadmin"])
    assert not services.publishing_frozen()
    services.publish_release(release, actor=p["js_netadmin"], now=on_day)
    assert verify(issued[0]) == "valid"
    assert Release.objects.get(pk=release.pk).published_by == p["js_netadmin"]


def test_r3_8_release_rejection_returns_city_batches(
    demo: dict[str, Any], issued: list[Certificate], rnd: schedule.Period
) -> None:
    p = people(demo)
    nj, js = demo["orgs"]["JS-NJ"], demo["orgs"]["JS"]
    batch = services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=at(rnd))
    for who in ("nj_handler", "nj_director"):
        batch = services.sign_batch(batch, actor=p[who], now=at(rnd))
    release = services.compile_release(js, actor=p["js_compiler"], now=at(rnd, 8))
    release = services.sign_release(release, actor=p["js_handler"], now=at(rnd, 8))
    release = services.sign_release(
        release, actor=p["js_dept"], approve=False, comment="数据有误", now=at(rnd, 8)
    )
    assert release.state == ReleaseState.REJECTED
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED and batch.release_id is None
    again = services.compile_release(js, actor=p["js_compiler"], now=at(rnd, 9))
    assert list(again.batches.values_list("pk", flat=True)) == [batch.pk]


def test_r3_8_province_own_certificates_and_industry_branch(demo: dict[str, Any]) -> None:
    """The machinery industry: its branch centre submits like a city, the industry centre compiles; the
    shared helper runs the chain for any subtree."""
    session = finished_session(demo, "ST-49003018", "jx_leader", "jx_leader", TURNER, passed=1, first_id=40)
    certs = issue_certificates(session, actor=demo["users"]["jx_leader"])
    published = publish(*certs)
    assert all(c.published_at is not None for c in published)
    release = Release.objects.get()
    assert release.organisation.code == "IND-49"
    assert release.batches.get().organisation.code == "IND-49-JS"


def test_r3_8_published_at_is_not_writable_through_the_api(
    demo: dict[str, Any], api: Any, issued: list[Certificate]
) -> None:
    """Nothing reaches the public query outside the publication path: the certificate API cannot set it."""
    client = api("nj_admin")
    response = client.patch(
        f"/api/v1/certificates/{issued[0].pk}/", {"published_at": "2026-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code in (403, 404, 405)
    assert Certificate.objects.get(pk=issued[0].pk).published_at is None
