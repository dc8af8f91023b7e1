"""Back-office pages and REST API of publication (R3.7, R3.8, X1 scoping, problem JSON errors)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.orgs.choices import Role
from skillcert.publication import schedule, services
from skillcert.publication.models import Batch, ReleaseState
from skillcert.publication.testing import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(demo: dict[str, Any]) -> tuple[list[Certificate], schedule.Period]:
    """Certificates issued in a round whose publication day has passed (so the real clock may publish)."""
    cache.clear()
    rnd = schedule.period(2026, 10, "B")
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=2, first_id=300)
    return list(issue_certificates(session, actor=demo["users"]["nj_admin"], issued_on=rnd.data_end)), rnd


def test_r3_7_schedule_api_and_uncovered_year(api: Any) -> None:
    client = api("js_auditor")
    body = client.get("/api/v1/publication/schedule/?year=2026").json()
    assert len(body) == 24 and body[1]["code"] == "2026-01B" and body[3]["publication_date"] == "2026-02-28"
    missing = client.get("/api/v1/publication/schedule/?year=2027")
    assert missing.status_code == 409
    assert missing.json()["code"] == "publication.schedule.calendar_not_covered"


def test_r3_8_api_chain_and_publish(demo: dict[str, Any], api: Any, past: Any) -> None:
    """Submission (window checked against the real clock), sign-offs, compilation and publication over
    the API; wrong people get problem JSON; the public verification answers only afterwards."""
    certs, rnd = past
    nj, js = demo["orgs"]["JS-NJ"], demo["orgs"]["JS"]
    closed = api("nj_admin").post(
        "/api/v1/publication/batches/submit/", {"organisation": "JS-NJ"}, format="json"
    )
    assert closed.status_code == 409 and closed.json()["code"] == "publication.window.closed"
    batch = services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=rnd.window_opens)
    handler, director = member(nj, Role.DATA_HANDLER), member(nj, Role.CENTRE_LEADER)
    url = f"/api/v1/publication/batches/{batch.pk}/"

    def as_user(user: Any) -> Any:
        demo["users"][user.username] = user
        return api(user.username)

    skip = as_user(director).post(url + "sign/", {}, format="json")
    assert skip.status_code == 403 and skip.json()["code"] == "publication.signoff.wrong_role"
    assert as_user(handler).get(url).json()["next_role"] == Role.DATA_HANDLER
    assert as_user(handler).post(url + "sign/", {}, format="json").status_code == 200
    body = as_user(director).post(url + "sign/", {"approve": True}, format="json").json()
    assert body["state"] == "approved" and len(body["signoffs"]) == 2
    assert sorted(body["certificates"]) == sorted(c.number for c in certs)
    # out of scope: a Suzhou station operator does not see Nanjing's batch
    assert api("sz001").get(url).status_code == 404
    compiler = member(js, Role.CERT_ADMIN)
    made = as_user(compiler).post(
        "/api/v1/publication/releases/compile/", {"organisation": "JS", "period": rnd.code}, format="json"
    )
    assert made.status_code == 201, made.content
    rurl = f"/api/v1/publication/releases/{made.json()['id']}/"
    for role in (Role.DATA_HANDLER, Role.DEPARTMENT_HEAD, Role.LEADER_IN_CHARGE):
        assert as_user(member(js, role)).post(rurl + "sign/", {}, format="json").status_code == 200
    assert api("nj_admin").post(rurl + "publish/").status_code in (403, 404)
    freeze = api("js_leader").post(
        "/api/v1/publication/freeze/", {"frozen": True, "reason": "演练"}, format="json"
    )
    assert freeze.json() == {"frozen": True, "reason": "演练"}
    frozen = api("js_leader").post(rurl + "publish/")
    assert frozen.status_code == 409 and frozen.json()["code"] == "publication.publishing.frozen"
    api("js_leader").post(
        "/api/v1/publication/freeze/", {"frozen": False, "reason": "演练结束"}, format="json"
    )
    done = api("js_leader").post(rurl + "publish/")
    assert done.status_code == 200 and done.json()["state"] == ReleaseState.PUBLISHED
    cache.clear()
    verdict = api(None).post(
        "/api/v1/verify/",
        {"method": "number", "number": certs[0].number, "name": certs[0].data["name"]},
        format="json",
    )
    assert verdict.json()["status"] == "valid"
    history = api("js_auditor").get("/api/v1/publication/releases/").json()["results"]
    assert history[0]["state"] == "published" and history[0]["published_by"] == "js_leader"


def test_r3_8_pages_show_next_step_to_the_right_person(demo: dict[str, Any], client: Any, past: Any) -> None:
    certs, rnd = past
    nj = demo["orgs"]["JS-NJ"]
    batch = services.submit_batch(nj, actor=demo["users"]["nj_admin"], now=rnd.window_opens)
    handler, director = member(nj, Role.DATA_HANDLER), member(nj, Role.CENTRE_LEADER)
    client.force_login(director)
    page = client.get("/manage/publication/").content.decode()
    assert (
        f'data-batch="{batch.pk}"' in page
        and "sign-batch" not in page
        and f"/batches/{batch.pk}/sign/" not in page
    )
    client.force_login(handler)
    page = client.get("/manage/publication/").content.decode()
    assert f"/manage/publication/batches/{batch.pk}/sign/" in page
    detail = client.get(f"/manage/publication/batches/{batch.pk}/").content.decode()
    assert certs[0].number in detail
    response = client.post(f"/manage/publication/batches/{batch.pk}/sign/", {"decision": "approve"})
    assert response.status_code == 302
    assert services.next_role(Batch.objects.get(pk=batch.pk)) == Role.CENTRE_LEADER
    # the handler cannot sign again: the service's error comes back as a message, nothing changes
    client.post(f"/manage/publication/batches/{batch.pk}/sign/", {"decision": "approve"})
    assert Batch.objects.get(pk=batch.pk).signoffs.count() == 1
    # the calendar of an uncovered month says why
    page = client.get("/manage/publication/?month=2027-01").content.decode()
    assert "publication.schedule.calendar_not_covered" in page
    feb = client.get("/manage/publication/?month=2026-02").content.decode()
    assert "2026-02-24" in feb and "2026-02-15" in feb and "2026-02-28" in feb


def test_backups_and_history_pages_need_permission(demo: dict[str, Any], client: Any) -> None:
    client.force_login(demo["users"]["nj003"])
    assert client.get("/manage/publication/backups/").status_code == 403
    assert client.get("/manage/publication/").status_code == 403
    client.force_login(demo["users"]["js_leader"])
    assert client.get("/manage/publication/backups/").status_code == 200
    assert client.get("/manage/publication/history/").status_code == 200
