"""Certificate API: scoped and read-only (X1), masked ID numbers only (X7), lookup by number with bad
input answered as problem JSON, events, issuance, numbering configurations, and the public directory
(R2.11)."""

from __future__ import annotations

from typing import Any

import pytest

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.models import Certificate
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.certificates.tests.test_views import issued_at_nj003

pytestmark = pytest.mark.django_db


def test_x1_list_and_detail_scoped(demo: dict[str, Any], api: Any) -> None:
    certs = issued_at_nj003(demo)
    data = api("nj003").get("/api/v1/certificates/").json()
    assert sorted(r["number"] for r in data["results"]) == [c.number for c in certs]
    assert api("sz001").get("/api/v1/certificates/").json()["count"] == 0
    assert api("nj003").get(f"/api/v1/certificates/{certs[0].number}/").status_code == 200
    response = api("sz001").get(f"/api/v1/certificates/{certs[0].number}/")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert api(None).get("/api/v1/certificates/").status_code == 401


def test_x7_masked_only_and_exact_search(demo: dict[str, Any], api: Any) -> None:
    certs = issued_at_nj003(demo)
    client = api("nj003")
    full = certs[0].person.document_number()
    for url in ("/api/v1/certificates/", f"/api/v1/certificates/{certs[0].number}/"):
        body = client.get(url).content.decode()
        assert certs[0].data["id_number_masked"] in body and full not in body
    found = client.get("/api/v1/certificates/", {"document_number": full}).json()
    assert [r["number"] for r in found["results"]] == [certs[0].number]
    assert client.get("/api/v1/certificates/", {"document_number": full[:-2]}).json()["count"] == 0


@pytest.mark.parametrize("number", ["x" * 40, "ab%00cd", "..", "0", "ÿÿ", "1.5", "²", "9" * 30])
def test_bad_numbers_are_problems_not_500(demo: dict[str, Any], api: Any, number: str) -> None:
    response = api("nj003").get(f"/api/v1/certificates/{number}/")
    assert response.status_code in {400, 404}
    assert response["Content-Type"] == "application/problem+json"
    response = api("nj003").get("/api/v1/certificates/", {"number": number, "session": number})
    assert response.status_code in {200, 400}


def test_events_action(demo: dict[str, Any], api: Any) -> None:
    cert = issued_at_nj003(demo, passed=1)[0]
    events = api("nj003").get(f"/api/v1/certificates/{cert.number}/events/").json()
    assert [e["kind"] for e in events] == ["issued"]
    assert events[0]["actor_label"].endswith("(nj_admin)") or events[0]["actor_label"] == "nj_admin"
    assert api("sz001").get(f"/api/v1/certificates/{cert.number}/events/").status_code == 404


def test_issue_endpoint(demo: dict[str, Any], api: Any) -> None:
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=2, failed=1)
    response = api("nj003").post("/api/v1/certificates/issue/", {"session": session.pk}, format="json")
    assert response.status_code == 403
    assert (
        api("sz001").post("/api/v1/certificates/issue/", {"session": session.pk}, format="json").status_code
        == 404
    )
    response = api("nj_admin").post("/api/v1/certificates/issue/", {"session": session.pk}, format="json")
    assert response.status_code == 201
    numbers = response.json()["numbers"]
    assert response.json()["count"] == 2
    assert sorted(numbers) == sorted(Certificate.objects.values_list("number", flat=True))
    again = api("nj_admin").post("/api/v1/certificates/issue/", {"session": session.pk}, format="json")
    assert again.status_code == 201 and again.json()["numbers"] == []
    bad = api("nj_admin").post("/api/v1/certificates/issue/", {"session": "x"}, format="json")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"


def test_numbering_configs(api: Any) -> None:
    rows = api("nj003").get("/api/v1/numbering-configs/").json()["results"]
    assert sorted(r["area_code"] for r in rows) == ["10", "49"]
    assert api("nj003").post("/api/v1/numbering-configs/", {}).status_code == 405


def test_r2_11_directory_json_public(demo: dict[str, Any], api: Any) -> None:
    response = api(None).get("/api/v1/directory/")
    assert response.status_code == 200
    entries = {e["area_code"]: e for e in response.json()}
    assert set(entries) == {"10", "49"}
    jiangsu, machinery = entries["10"], entries["49"]
    assert jiangsu["issuing_authority"]["name"] == "江苏省人力资源和社会保障厅"
    assert jiangsu["issues"][0]["kind"] == "qualification"
    assert jiangsu["reissued_by"] == jiangsu["issuing_authority"]  # R1.7
    assert not jiangsu["industry_specific_only"] and jiangsu["industry_code"] == ""
    assert machinery["industry_specific_only"] and machinery["industry_code"] == "49"  # R4.3
    # a bad token does not matter: the directory takes no credentials at all
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert client.get("/api/v1/directory/").status_code == 200
