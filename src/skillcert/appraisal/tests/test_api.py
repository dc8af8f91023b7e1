"""The appraisal procedure through the REST API (X4): session plan (R4.4), paper draw hidden from the
station until the exam date, card-reader enrolment with the chip photo (R0.3, R0.4), roster import with
per-row errors (X6), scores, report and approval (R4.5)."""

from __future__ import annotations

import base64
import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from skillcert.appraisal.models import Enrolment, PaperSet
from skillcert.appraisal.tests.test_flow import TURNER, person_name, resident_id, roster_xlsx
from skillcert.people.models import Photo

pytestmark = pytest.mark.django_db


def card_photo_b64() -> str:
    image = Image.new("RGB", (102, 126), (250, 250, 250))
    for x in range(30, 72):
        for y in range(20, 70):
            image.putpixel((x, y), (224, 172, 105))
    out = io.BytesIO()
    image.save(out, "BMP")
    return base64.b64encode(out.getvalue()).decode()


def create_approved_session(api: Any, demo: dict[str, Any], days_ahead: int = 10) -> dict[str, Any]:
    station = demo["orgs"]["ST-10012003"]
    start = datetime.date.today() + datetime.timedelta(days=days_ahead)
    response = api("nj003").post(
        "/api/v1/sessions/",
        {
            "organisation": station.pk,
            "site": "南京市第003号鉴定站实训楼",
            "exam_start": start.isoformat(),
            "exam_end": start.isoformat(),
            "expected_candidates": 30,
            "subjects": [{"occupation": TURNER, "level": 4}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    session = response.json()
    assert session["code"].startswith(f"10012003-{start.year}-") and session["status"] == "draft"
    assert api("nj003").post(f"/api/v1/sessions/{session['id']}/submit/").json()["status"] == "submitted"
    reviewed = api("nj_admin").post(
        f"/api/v1/sessions/{session['id']}/review/", {"approve": True}, format="json"
    )
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "approved"
    return reviewed.json()


def test_station_cannot_approve_own_session(api: Any, demo: dict[str, Any]) -> None:
    start = datetime.date.today() + datetime.timedelta(days=10)
    session = (
        api("nj003")
        .post(
            "/api/v1/sessions/",
            {
                "organisation": demo["orgs"]["ST-10012003"].pk,
                "site": "实训楼",
                "exam_start": start.isoformat(),
                "exam_end": start.isoformat(),
                "expected_candidates": 3,
                "subjects": [{"occupation": TURNER, "level": 5}],
            },
            format="json",
        )
        .json()
    )
    api("nj003").post(f"/api/v1/sessions/{session['id']}/submit/")
    response = api("nj003").post(
        f"/api/v1/sessions/{session['id']}/review/", {"approve": True}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["message"]["zh"]
    # and another station cannot even see it (X1)
    assert api("nj005").get(f"/api/v1/sessions/{session['id']}/").status_code == 404


def test_draw_via_api_hidden_from_station_until_exam_date(
    api: Any, demo: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    session = create_approved_session(api, demo)
    station = demo["orgs"]["ST-10012003"]
    ids = []
    for label in "甲乙丙":
        upload = SimpleUploadedFile(
            f"{label}.pdf", f"%PDF-1.4 车工中级 {label}卷".encode(), "application/pdf"
        )
        response = api("nj003").post(
            "/api/v1/paper-sets/",
            {
                "organisation": station.pk,
                "occupation": TURNER,
                "level": 4,
                "label": f"{label}卷",
                "file": upload,
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    assert (
        api("nj003").post(f"/api/v1/paper-sets/{ids[0]}/audit/", {"approve": True}, format="json").status_code
        == 403
    )
    for pk in ids:
        assert (
            api("nj_admin")
            .post(f"/api/v1/paper-sets/{pk}/audit/", {"approve": True}, format="json")
            .json()["status"]
            == "audited"
        )
    subject = session["subjects"][0]["id"]
    assert api("nj003").post("/api/v1/paper-draws/", {"subject": subject}, format="json").status_code == 403
    draw = api("nj_admin").post("/api/v1/paper-draws/", {"subject": subject}, format="json")
    assert draw.status_code == 201, draw.content
    body = draw.json()
    assert body["verified"] is True and len(body["seed"]) == 64
    audited = PaperSet.objects.filter(
        organisation=station, occupation__code=TURNER, level=4, status="audited"
    )
    assert body["candidate_ids"] == sorted(audited.values_list("pk", flat=True))  # every audited set
    assert set(ids) <= set(body["candidate_ids"])
    # before the exam date the station sees that a draw happened, not its seed, set or paper
    as_station = api("nj003").get(f"/api/v1/paper-draws/{body['id']}/").json()
    assert as_station["hidden"] is True and as_station["seed"] is None and as_station["paper_set"] is None
    hidden = api("nj003").get(f"/api/v1/paper-draws/{body['id']}/paper/")
    assert hidden.status_code == 404
    shown = api("nj_admin").get(f"/api/v1/paper-draws/{body['id']}/paper/")
    assert shown.status_code == 200 and shown.content.startswith(b"%PDF-1.4")


def test_card_reader_enrolment_with_chip_photo(
    api: Any, demo: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    session = create_approved_session(api, demo)
    number = resident_id(77)
    payload = {
        "subject": session["subjects"][0]["id"],
        "partyName": "阿卜杜拉·艾买提",
        "gender": "男",
        "nation": "维吾尔",
        "bornDay": number[6:14],
        "certAddress": "新疆乌鲁木齐市天山区",
        "certNumber": number,
        "certOrg": "乌鲁木齐市公安局",
        "effDate": "20200101",
        "expDate": "20400101",
        "identityPic": card_photo_b64(),
    }
    response = api("nj003").post(f"/api/v1/sessions/{session['id']}/enrol-card/", payload, format="json")
    assert response.status_code == 201, response.content
    enrolment = Enrolment.objects.select_related("person").get(pk=response.json()["id"])
    assert enrolment.source == "card_reader" and enrolment.person.source == "card_reader"
    assert enrolment.person.name == "阿卜杜拉·艾买提" and enrolment.person.nation == "维吾尔"
    photo = Photo.objects.get(pk=enrolment.photo_id)
    assert (photo.width, photo.height, photo.source) == (102, 126, "card_reader")
    assert photo.read()[:3] == b"\xff\xd8\xff"  # stored as JPEG
    again = api("nj003").post(f"/api/v1/sessions/{session['id']}/enrol-card/", payload, format="json")
    assert again.status_code == 400 and again.json()["code"] == "appraisal.enrolment.duplicate"
    man = resident_id(79)  # sequence 079: odd, a man — "女" on the card data contradicts the number
    wrong_gender = {**payload, "certNumber": man, "bornDay": man[6:14], "gender": "女"}
    bad = api("nj003").post(f"/api/v1/sessions/{session['id']}/enrol-card/", wrong_gender, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "gender"


def test_roster_import_scores_report_via_api(api: Any, demo: dict[str, Any]) -> None:
    session = create_approved_session(api, demo, days_ahead=-1)
    rows = [[person_name(i), resident_id(i), "高中", "", TURNER, "4", ""] for i in range(20)]
    rows[3][1] = rows[3][1][:-1] + ("1" if rows[3][1][-1] != "1" else "2")  # broken check digit
    url = f"/api/v1/sessions/{session['id']}/import-roster/"
    file = SimpleUploadedFile("roster.xlsx", roster_xlsx(rows))
    before = Enrolment.objects.count()
    rejected = api("nj003").post(url, {"file": file}, format="multipart")
    assert rejected.status_code == 400
    problem = rejected.json()
    assert problem["code"] == "appraisal.import.rejected"
    assert problem["errors"] == [
        {
            "field": "document_number",
            "code": "people.id_number.checksum",
            "message_zh": problem["errors"][0]["message_zh"],
            "message_en": problem["errors"][0]["message_en"],
            "record": "第5行 row 5",
        }
    ]
    assert Enrolment.objects.count() == before
    file = SimpleUploadedFile("roster.xlsx", roster_xlsx(rows))
    accepted = api("nj003").post(url, {"file": file, "accept_valid_rows": "true"}, format="multipart").json()
    assert (accepted["total"], accepted["imported"], accepted["rejected_rows"]) == (20, 19, 1)
    enrolments = (
        api("nj003").get(f"/api/v1/enrolments/?session={session['id']}&page_size=100").json()["results"]
    )
    assert len(enrolments) == 19
    for index, row in enumerate(enrolments):
        response = api("nj003").post(
            f"/api/v1/enrolments/{row['id']}/scores/",
            {"theory": "70.5", "practical": 55 if index == 0 else 65},
            format="json",
        )
        assert response.status_code == 200, response.content
    results = [
        e["result"]
        for e in api("nj003")
        .get(f"/api/v1/enrolments/?session={session['id']}&page_size=100")
        .json()["results"]
    ]
    assert results.count("pass") == 18 and results.count("fail") == 1
    assert (
        api("nj003")
        .post(f"/api/v1/sessions/{session['id']}/report/", {"examiners": "王考评"}, format="json")
        .json()["report_status"]
        == "submitted"
    )
    approved = api("nj_admin").post(
        f"/api/v1/sessions/{session['id']}/review-report/", {"approve": True}, format="json"
    )
    assert approved.json()["report_status"] == "approved"
    eligible = api("nj003").get(f"/api/v1/enrolments/?session={session['id']}&eligible=true").json()
    assert eligible["count"] == 18
