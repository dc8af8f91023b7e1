"""X1: a station user can neither read nor change another station's people — through the UI and the API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from skillcert.people.models import Person

pytestmark = pytest.mark.django_db


def _person_at(demo: dict[str, Any], org_code: str) -> Person:
    return Person.objects.filter(organisation=demo["orgs"][org_code]).order_by("pk").first()  # type: ignore[return-value]


def test_x1_station_user_lists_only_own_people_in_ui(login: Any, demo: dict[str, Any]) -> None:
    client = login("nj003")
    page = client.get("/manage/people/").content.decode()
    own = Person.objects.filter(organisation=demo["orgs"]["ST-10012003"])
    assert own.count() >= 3
    for person in own:
        assert person.name in page
    for person in Person.objects.exclude(organisation=demo["orgs"]["ST-10012003"]):
        assert person.name not in page


def test_x1_station_user_cannot_open_other_stations_person_in_ui(login: Any, demo: dict[str, Any]) -> None:
    client = login("nj003")
    other = _person_at(demo, "ST-10012005")
    assert client.get(f"/manage/people/{other.pk}/").status_code == 404
    own = _person_at(demo, "ST-10012003")
    assert client.get(f"/manage/people/{own.pk}/").status_code == 200


def test_x1_station_user_cannot_register_person_at_other_station_in_ui(
    login: Any, demo: dict[str, Any]
) -> None:
    client = login("nj003")
    before = Person.objects.count()
    response = client.post(
        "/manage/people/new/",
        {
            "organisation": demo["orgs"]["ST-10012005"].pk,
            "name": "越权",
            "document_type": "resident_id",
            "document_number": "11010519491231002X",
        },
    )
    assert response.status_code == 200  # the form comes back with an error: that station is not a choice
    assert "organisation" in response.context["form"].errors
    assert Person.objects.count() == before


def test_x1_exports_are_scoped_too(login: Any, demo: dict[str, Any]) -> None:
    client = login("nj003")
    csv_text = client.get("/manage/people/?export=csv").content.decode("utf-8-sig")
    assert "张伟" in csv_text
    assert "陈静" not in csv_text and "李娜" not in csv_text


def test_x1_station_user_cannot_read_other_station_person_via_api(api: Any, demo: dict[str, Any]) -> None:
    client = api("nj003")
    listing = client.get("/api/v1/people/").json()
    orgs = {row["organisation"] for row in listing["results"]}
    assert orgs == {demo["orgs"]["ST-10012003"].pk}
    other = _person_at(demo, "ST-10012005")
    response = client.get(f"/api/v1/people/{other.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_x1_station_user_cannot_change_other_station_person_via_api(api: Any, demo: dict[str, Any]) -> None:
    client = api("nj003")
    other = _person_at(demo, "ST-10012005")
    response = client.patch(f"/api/v1/people/{other.pk}/", {"phone": "13900000000"}, format="json")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.phone != "13900000000"


def test_x1_station_user_cannot_create_person_at_other_station_via_api(
    api: Any, demo: dict[str, Any]
) -> None:
    client = api("nj003")
    before = Person.objects.count()
    response = client.post(
        "/api/v1/people/",
        {
            "organisation": demo["orgs"]["ST-10012005"].pk,
            "name": "越权",
            "document_number": "11010519491231002X",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "organisation"
    assert Person.objects.count() == before


def test_x1_city_sees_its_stations_and_province_sees_all_below(api: Any, demo: dict[str, Any]) -> None:
    city = {r["organisation"] for r in api("nj_admin").get("/api/v1/people/?page_size=100").json()["results"]}
    assert city == {demo["orgs"]["ST-10012003"].pk, demo["orgs"]["ST-10012005"].pk}
    province = api("js_leader").get("/api/v1/people/?page_size=100").json()
    assert (
        province["count"]
        == Person.objects.filter(organisation__path__startswith=demo["orgs"]["JS"].path).count()
    )
    industry = {r["organisation"] for r in api("jx_leader").get("/api/v1/people/").json()["results"]}
    assert industry == {demo["orgs"]["ST-49003018"].pk}


def test_x1_organisation_tree_is_scoped(api: Any, demo: dict[str, Any]) -> None:
    codes = {o["code"] for o in api("nj_admin").get("/api/v1/organisations/").json()["results"]}
    assert codes == {"JS-NJ", "JS-NJ-HR", "ST-10012003", "ST-10012005"}
    assert api("nj003").get(f"/api/v1/organisations/{demo['orgs']['JS-SZ'].pk}/").status_code == 404


def test_x1_exact_id_search_within_scope_only(api: Any, demo: dict[str, Any]) -> None:
    from skillcert.core.demo import PEOPLE
    from skillcert.people.idnumber import check_character

    suzhou_body = next(body for org, _n, body, *_ in PEOPLE if org == "ST-10052001")
    number = suzhou_body + check_character(suzhou_body)
    assert api("nj003").get("/api/v1/people/", {"document_number": number}).json()["count"] == 0
    assert api("sz001").get("/api/v1/people/", {"document_number": number}).json()["count"] == 1
    # a partial number never matches (X7: no partial-match listing)
    assert api("sz001").get("/api/v1/people/", {"document_number": number[:10]}).json()["count"] == 0


def test_unauthenticated_api_gets_bilingual_problem(api: Any) -> None:
    response = api(None).get("/api/v1/people/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "auth.not_authenticated"
    assert body["message"]["zh"] and body["message"]["en"]


def test_auditor_without_people_change_cannot_register(api: Any, demo: dict[str, Any]) -> None:
    response = api("js_auditor").post(
        "/api/v1/people/",
        {
            "organisation": demo["orgs"]["ST-10012003"].pk,
            "name": "王五",
            "document_number": "11010519491231002X",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.not_permitted"


def _problem_fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_x1_list_filter_on_an_id_outside_scope_answers_like_a_missing_id(
    api: Any, demo: dict[str, Any]
) -> None:
    """A foreign-key filter of a list (`?session=`, `?organisation=`) naming another station's record is
    refused like an id that does not exist, not answered with an empty list that tells the record
    exists (decision 0003; found by tests/test_scope_walk.py)."""
    from skillcert.appraisal.models import AppraisalSession
    from skillcert.appraisal.services import sessions

    day = datetime.date.today()
    theirs = sessions.create_session(
        demo["orgs"]["ST-10012003"],
        actor=demo["users"]["nj003"],
        site="实训楼",
        exam_start=day,
        exam_end=day,
        expected_candidates=1,
        subjects=[{"occupation": "6-18-01-01", "level": 4}],
    )
    subject = theirs.subjects.get()
    missing = AppraisalSession.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    attacker = api("sz001")
    for query, field in [
        (f"/api/v1/enrolments/?session={theirs.pk}", "session"),
        (f"/api/v1/enrolments/?subject={subject.pk}", "subject"),
        (f"/api/v1/sessions/?organisation={demo['orgs']['ST-10012003'].pk}", "organisation"),
        (f"/api/v1/printing/printers/?organisation={demo['orgs']['JS-NJ'].pk}", "organisation"),
    ]:
        refused = attacker.get(query)
        assert refused.status_code == 400, (query, refused.content)
        assert _problem_fields(refused) == {field}
        unknown = attacker.get(query.rsplit("=", 1)[0] + f"={missing}")
        assert (unknown.status_code, unknown.json()["code"]) == (400, refused.json()["code"])
    # the station itself filters by its own records as before
    own = api("nj003").get(f"/api/v1/enrolments/?session={theirs.pk}")
    assert own.status_code == 200 and own.json()["count"] == 0
    assert (
        api("nj003").get(f"/api/v1/sessions/?organisation={demo['orgs']['ST-10012003'].pk}").json()["count"]
        == 1
    )


def test_x1_organisations_within_an_organisation_outside_scope_are_none(
    api: Any, demo: dict[str, Any]
) -> None:
    """`?within=` an organisation the caller cannot see (even an ancestor) answers as for one that does
    not exist: nothing."""
    province = demo["orgs"]["JS"].pk
    assert api("sz001").get(f"/api/v1/organisations/?within={province}").json()["count"] == 0
    assert api("sz001").get("/api/v1/organisations/?within=987654321").json()["count"] == 0
    nanjing = api("nj_admin").get(f"/api/v1/organisations/?within={demo['orgs']['JS-NJ'].pk}").json()
    assert {o["code"] for o in nanjing["results"]} == {"JS-NJ", "JS-NJ-HR", "ST-10012003", "ST-10012005"}
