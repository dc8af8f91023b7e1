"""The lean verification hot path gives exactly the service's answers (issue 5 item 5; R2.3, R3.1, X7;
design.md rule 10). Run on SQLite and on PostgreSQL (where lookup and log are one statement)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.services.lifecycle import (
    current_view,
    reissue,
    request_correction,
    review_correction,
    revoke,
)
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.core.errors import SkillcertError
from skillcert.publication.testing import publish
from skillcert.verification import fast, services
from skillcert.verification.models import LookupLog

pytestmark = pytest.mark.django_db

EVIDENCE = ["户籍证明 sha256:01ab", "原证书"]
LOG_FIELDS = ("channel", "method", "result", "reason", "client_network", "number_prefix")


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lifecycle_certs(demo: dict[str, Any], settings: Any, tmp_path: Path) -> dict[str, Any]:
    """Certificates in every state: revoked; reissued with a pending name correction; valid after a
    rejected then an approved name correction; valid with a photo on file; plus their old names."""
    settings.MEDIA_ROOT = tmp_path
    admin, leader = demo["users"]["nj_admin"], demo["users"]["js_leader"]
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=4)
    issued = issue_certificates(session, actor=admin)
    publish(*issued)  # R3.8: only published certificates answer the public
    revoked, reissued, corrected, plain = Certificate.objects.filter(pk__in=[c.pk for c in issued]).order_by(
        "number"
    )
    revoke(revoked, actor=leader, reason="以欺骗手段取得")
    reissue(reissued, actor=admin, reason="遗失", blank_serial="B0000042")
    request_correction(
        reissued, actor=admin, changes={"name": "李四海"}, evidence=EVIDENCE, reason="录入错误"
    )
    old_name = corrected.data["name"]
    request_correction(corrected, actor=admin, changes={"name": "赵六"}, evidence=EVIDENCE, reason="录入错误")
    review_correction(corrected, actor=leader, approve=False, comment="材料不全")
    request_correction(corrected, actor=admin, changes={"name": "钱七"}, evidence=EVIDENCE, reason="录入错误")
    review_correction(corrected, actor=leader, approve=True, comment="材料齐全")
    assert current_view(corrected)["name"] == "钱七"
    sha = "cd" * 32
    (tmp_path / "photos" / "cd").mkdir(parents=True)
    (tmp_path / "photos" / "cd" / f"{sha}.jpg").write_bytes(b"\xff\xd8\xff\xe0fakejpeg")
    Certificate.objects.filter(pk=plain.pk).update(data={**plain.data, "photo": sha})
    plain.refresh_from_db()
    return {"revoked": revoked, "reissued": reissued, "corrected": corrected, "plain": plain, "old": old_name}


def _cases(c: dict[str, Any]) -> list[tuple[Any, Any]]:
    cases: list[tuple[Any, Any]] = []
    for key in ("revoked", "reissued", "corrected", "plain"):
        cert = c[key]
        name = current_view(cert)["name"]
        spaced = " ".join(cert.number[i : i + 4] for i in range(0, len(cert.number), 4))
        cases += [
            (cert.number, name),  # the answer for its status
            (spaced, f" {name} "),  # normalised
            (cert.number, "王五"),  # wrong name
            (cert.number, name[:-1]),  # partial name
            (cert.number[:-1], name),  # partial number
        ]
    cases += [
        (c["corrected"].number, c["old"]),  # the name before the approved correction: no longer
        (c["corrected"].number, "赵六"),  # a rejected correction never applies
        (c["reissued"].number, "李四海"),  # a pending correction does not apply yet
        (c["reissued"].number, c["reissued"].data["name"]),
        ("2610012003499999", "王五"),  # unknown
        ("9" * 40, "王五"),  # longer than any number
        ("%", "王五"),
        ("_" * 16, c["plain"].data["name"]),
        ("", "王五"),  # empty number: 400
        (c["plain"].number, "<script>"),  # malformed name: 400
        (None, None),
    ]
    return cases


def _outcome(verify: Any, number: Any, name: Any, client: str) -> Any:
    before = LookupLog.objects.count()
    try:
        verdict = verify(number, name, channel="api", client=client)
    except SkillcertError as exc:
        answer: Any = ("error", exc.code, exc.status, [e.as_dict() for e in exc.errors])
    else:
        answer = verdict.as_dict()
    logs = list(LookupLog.objects.order_by("id").values(*LOG_FIELDS))[before:]
    return answer, logs


@pytest.mark.parametrize("one_round_trip", [True, False], ids=["one-statement", "select-then-insert"])
def test_r3_1_x7_fast_path_answers_exactly_as_the_service(
    settings: Any, lifecycle_certs: dict[str, Any], one_round_trip: bool
) -> None:
    """Every status (valid, revoked, reissued, corrected name, pending/rejected correction, not found in
    each way, photo only with number + name, 400s): same verdict JSON and same log row."""
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    settings.VERIFY_ONE_ROUND_TRIP = one_round_trip
    statuses = set()
    for number, name in _cases(lifecycle_certs):
        expected = _outcome(services.verify_by_number, number, name, "203.0.113.7")
        got = _outcome(fast.verify_by_number, number, name, "203.0.113.99")
        assert got == expected, (number, name)
        assert len(got[1]) == 1  # exactly one log row per lookup
        statuses.add(got[0][0] if isinstance(got[0], tuple) else got[0]["status"])
    assert statuses == {"valid", "revoked", "reissued", "not_found", "error"}
    photo = fast.verify_by_number(
        lifecycle_certs["plain"].number, lifecycle_certs["plain"].data["name"], channel="web", client=None
    )
    assert photo.as_dict()["certificate"]["photo"].startswith("data:image/jpeg;base64,")
    reissued = fast.verify_by_number(
        lifecycle_certs["reissued"].number,
        lifecycle_certs["reissued"].data["name"],
        channel="web",
        client=None,
    )
    assert reissued.certificate is not None and reissued.certificate["blank_serial"] == "B0000042"
    assert reissued.certificate["reissue_mark"] == "补发"


def test_x7_fast_path_shares_the_rate_limit_and_logs_it(
    settings: Any, lifecycle_certs: dict[str, Any]
) -> None:
    settings.VERIFY_RATE_PER_MINUTE = 3
    cert = lifecycle_certs["plain"]
    _away_from_a_minute_boundary()
    services.verify_by_number(cert.number, cert.data["name"], channel="api", client="198.51.100.4")
    fast.verify_by_number(cert.number, cert.data["name"], channel="api", client="198.51.100.4")
    fast.verify_by_number(cert.number, cert.data["name"], channel="api", client="198.51.100.4")
    with pytest.raises(services.RateLimited) as limited:
        fast.verify_by_number(cert.number, cert.data["name"], channel="api", client="198.51.100.4")
    assert 1 <= limited.value.retry_after <= 60 and limited.value.status == 429
    with pytest.raises(services.RateLimited):
        services.verify_by_number(cert.number, cert.data["name"], channel="api", client="198.51.100.4")
    rows = list(LookupLog.objects.order_by("id").values_list("result", flat=True))
    assert rows == ["valid", "valid", "valid", "rate_limited", "rate_limited"]
    fast.verify_by_number(cert.number, cert.data["name"], channel="cli", client=None)  # the CLI: no limit


def _away_from_a_minute_boundary() -> None:
    """The per-minute counters are per clock minute: start a counting test early in one."""
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)


def _redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.redis
def test_x7_redis_rate_limit_in_one_round_trip_counts_like_the_service(settings: Any) -> None:
    """With the shared Redis cache (CACHE_URL, as `skillcert serve` wants): the fast count (one Lua call)
    and the service's add+incr count the same keys, per minute and per day."""
    if not _redis_available():
        pytest.skip("no Redis server answers on 127.0.0.1:6379 (CI starts one)")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/13",
            "KEY_PREFIX": "skillcert-test-fast",
        }
    }
    cache.clear()
    assert fast._redis_script() is not None
    settings.VERIFY_RATE_PER_MINUTE, settings.VERIFY_RATE_PER_DAY = 3, 4
    _away_from_a_minute_boundary()
    for count in (fast.count_lookup, services.count_lookup, fast.count_lookup):
        count("192.0.2.10")
    with pytest.raises(services.RateLimited) as minute:
        fast.count_lookup("192.0.2.10")
    assert minute.value.retry_after <= 60
    with pytest.raises(services.RateLimited):
        services.count_lookup("192.0.2.10")
    # As in the service, a lookup stopped by the minute limit is not counted for the day: 3 so far.
    settings.VERIFY_RATE_PER_MINUTE = 100
    fast.count_lookup("192.0.2.10")
    with pytest.raises(services.RateLimited) as day:
        fast.count_lookup("192.0.2.10")
    assert day.value.retry_after > 60
    fast.count_lookup("2001:db8:1:2::5")  # another client is not affected
    cache.clear()


def test_api_uses_the_fast_path_and_logs_once(settings: Any, lifecycle_certs: dict[str, Any]) -> None:
    cert = lifecycle_certs["revoked"]
    body = {"method": "number", "number": cert.number, "name": cert.data["name"]}
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().post("/api/v1/verify/", body, format="json", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert list(LookupLog.objects.values_list("channel", "result")) == [("api", "revoked")]
    if connection.vendor == "postgresql":
        # design.md rule 10: one round trip (lookup + log in one statement)
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert "INSERT INTO" in queries[0]["sql"]
    else:
        assert len(queries) == 2


def test_database_failure_is_cannot_determine(monkeypatch: Any, lifecycle_certs: dict[str, Any]) -> None:
    """Rule 9: the register not answering is never 'not found' nor 'valid'."""
    monkeypatch.setattr(fast, "PG_LOOKUP_AND_LOG", "SELECT * FROM no_such_table_anywhere")
    monkeypatch.setattr(fast, "LOOKUP", "SELECT * FROM no_such_table_anywhere WHERE 1 = %s")
    cert = lifecycle_certs["plain"]
    verdict = fast.verify_by_number(cert.number, cert.data["name"], channel="api", client="192.0.2.7")
    assert (verdict.status, verdict.reason) == ("cannot_determine", "verification.unavailable")


def test_api_plain_bodies_answer_as_through_the_serializer(
    monkeypatch: Any, settings: Any, lifecycle_certs: dict[str, Any]
) -> None:
    """The API skips its serializer only for a plain number + name body; any body answers the same
    (status code and JSON) as when every body goes through the serializer."""
    from skillcert.verification import api

    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    cert = lifecycle_certs["reissued"]
    name = cert.data["name"]
    bodies: list[Any] = [
        {"method": "number", "number": cert.number, "name": name},
        {"method": "number", "number": f"  {cert.number}\t", "name": f" {name} "},
        {"method": "number", "number": int(cert.number), "name": name},
        {"method": "number", "number": cert.number, "name": name, "document_type": "resident_id"},
        {"method": "number", "number": cert.number, "name": name, "payload": "x"},
        {"method": "number", "number": "   ", "name": name},
        {"method": "number", "number": cert.number, "name": "\x00" + name},
        {"method": "number", "number": "1" * 65, "name": name},
        {"method": "number", "number": cert.number, "name": "名" * 101},
        {"method": "number", "number": cert.number, "name": "<script>"},
        {"method": "number", "number": cert.number},
        {"method": "number", "number": ["x"], "name": name},
        {"method": "Number", "number": cert.number, "name": name},
    ]

    def answers() -> list[tuple[int, Any]]:
        out = []
        for body in bodies:
            response = APIClient().post("/api/v1/verify/", body, format="json", REMOTE_ADDR="192.0.2.50")
            out.append((response.status_code, response.json()))
        return out

    plain = answers()
    monkeypatch.setattr(api, "plain_number_lookup", lambda data: None)
    assert answers() == plain
    assert [code for code, _ in plain].count(200) == 5 and plain[0][1]["status"] == "reissued"


@pytest.mark.parametrize("one_round_trip", [True, False])
def test_r3_8_unpublished_certificates_are_not_found_on_the_fast_path(
    settings: Any, lifecycle_certs: dict[str, Any], one_round_trip: bool
) -> None:
    """R3.8: nothing reaches the public query outside the publication path, hot path included."""
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    settings.VERIFY_ONE_ROUND_TRIP = one_round_trip
    cert = lifecycle_certs["plain"]
    assert fast.verify_by_number(cert.number, cert.data["name"], channel="api", client=None).status == "valid"
    Certificate.objects.filter(pk=cert.pk).update(published_at=None)
    expected = services.verify_by_number(cert.number, cert.data["name"], channel="api", client=None)
    got = fast.verify_by_number(cert.number, cert.data["name"], channel="api", client=None)
    assert got.as_dict() == expected.as_dict() and got.status == "not_found"
