"""Back-office appraisal pages, driven through the Django test client with the demo users: nj003 operates
station ST-10012003, nj005 another Nanjing station, nj_admin reviews at the Nanjing centre above both.

Covers the annual plan (R4.1), the session plan, paper sets and the hidden draw (R4.4), enrolment by
card reader, by hand and by roster with errors per row and field (R0.3, R0.4, X6), the score table, the
results report and its forms (R4.5), and scoping: outside the user's subtree every page, photo, paper
and form answers 404 (X1)."""

from __future__ import annotations

import base64
import datetime
import io
import json
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from PIL import Image, ImageDraw

from skillcert.appraisal.choices import EnrolmentSource, Result, ReviewStatus
from skillcert.appraisal.models import AnnualPlan, AppraisalSession, Enrolment, PaperDraw, PaperSet
from skillcert.appraisal.services import enrolment, papers, scores, sessions
from skillcert.audit.models import AuditEntry
from skillcert.catalog.models import Level, Occupation
from skillcert.people.idnumber import check_character

pytestmark = pytest.mark.django_db
TURNER = "6-18-01-01"  # 车工
WELDER = "6-18-02-04"  # 焊工
STATION = "ST-10012003"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def url(name: str, *args: Any) -> str:
    return reverse(f"appraisal:{name}", args=args)


def resident_id(i: int, birth: str = "19900307") -> str:
    body = f"320102{birth}{i % 1000:03d}"
    return body + check_character(body)


def html(response: Any) -> str:
    return response.content.decode()


def approved_session(
    demo: dict[str, Any], *, start: datetime.date | None = None, subjects: list[dict[str, Any]] | None = None
) -> AppraisalSession:
    start = start or datetime.date.today() + datetime.timedelta(days=10)
    operator = demo["users"]["nj003"]
    session = sessions.create_session(
        demo["orgs"][STATION],
        actor=operator,
        site="南京市玄武区中山路1号实训楼",
        exam_start=start,
        exam_end=start + datetime.timedelta(days=1),
        expected_candidates=30,
        subjects=subjects or [{"occupation": TURNER, "level": 4}, {"occupation": WELDER, "level": 2}],
    )
    session = sessions.submit_session(session, actor=operator)
    return sessions.review_session(session, actor=demo["users"]["nj_admin"], approve=True)


def card_photo_b64() -> str:
    """A chip photo as the reader bridge delivers it: a 102×126 BMP, base64."""
    image = Image.new("RGB", (102, 126), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    draw.ellipse((31, 22, 71, 70), fill=(224, 186, 160))
    draw.rectangle((20, 80, 82, 126), fill=(40, 50, 70))
    out = io.BytesIO()
    image.save(out, "BMP")
    return base64.b64encode(out.getvalue()).decode()


def card_payload(name: str = "钱多多", number: str | None = None, exp: str = "20400101") -> dict[str, Any]:
    """The vendor bridge's /readcard answer (design.md)."""
    return {
        "partyName": name,
        "gender": "男",
        "nation": "汉",
        "bornDay": "19900307",
        "certAddress": "江苏省南京市玄武区中山路1号",
        "certNumber": number or resident_id(123),
        "certOrg": "南京市公安局玄武分局",
        "effDate": "20200101",
        "expDate": exp,
        "identityPic": card_photo_b64(),
    }


def post_card(client: Any, session: AppraisalSession, subject_id: int, card: dict[str, Any]) -> Any:
    return client.post(
        url("enrol_card", session.pk),
        data=json.dumps({"subject": subject_id, "card": card}),
        content_type="application/json",
    )


def spec_photo() -> bytes:
    """An e-photo meeting R0.3: JPEG, 358×441 px, 350 dpi, blue background."""
    image = Image.new("RGB", (358, 441), (67, 142, 219))
    draw = ImageDraw.Draw(image)
    draw.ellipse((119, 90, 239, 250), fill=(226, 188, 160))
    draw.rectangle((70, 300, 288, 441), fill=(30, 30, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, dpi=(350, 350))
    return out.getvalue()


def xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet: Any = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROSTER_HEADER = [
    "姓名 name",
    "证件号码 document_number",
    "文化程度",
    "联系电话",
    "职业编码",
    "等级",
    "工作单位",
]


def upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def drawn_session(demo: dict[str, Any]) -> tuple[AppraisalSession, Any, PaperDraw]:
    """An approved session whose 车工 subject has a paper drawn from three audited sets."""
    session = approved_session(demo)
    subject = session.subjects.get(occupation__code=TURNER)
    operator, reviewer = demo["users"]["nj003"], demo["users"]["nj_admin"]
    for label in "ABC":
        paper = papers.register_paper_set(
            demo["orgs"][STATION],
            subject.occupation,
            subject.level,
            f"{label}卷",
            f"{label}.pdf",
            f"%PDF-1.4 paper {label}".encode(),
            actor=operator,
        )
        papers.audit_paper_set(paper, actor=reviewer, approve=True)
    return session, subject, papers.draw_paper(subject, actor=reviewer)


# --- rendering and scope (X1) ----------------------------------------------------------------------


def test_x1_pages_render_for_the_station_and_the_centre(login: Any, demo: dict[str, Any]) -> None:
    """Every appraisal page opens for the station operator and the centre's reviewer; the navigation
    links them; the session list exports as CSV and XLSX from the same filter (rule 7)."""
    session = approved_session(demo)
    for username in ("nj003", "nj_admin"):
        client = login(username)
        dashboard = html(client.get("/manage/"))
        for name in ("plans", "sessions", "papers"):
            assert f'href="{url(name)}"' in dashboard
            assert client.get(url(name)).status_code == 200
        assert client.get(url("plan_create")).status_code == 200
        assert client.get(url("session_create")).status_code == 200
        page = client.get(url("session", session.pk))
        assert page.status_code == 200 and session.code in html(page)
        assert session.code in html(client.get(url("sessions")))
    client = login("nj003")
    csv = client.get(url("sessions"), {"code": session.code, "export": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and session.code in csv.content.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(client.get(url("sessions"), {"export": "xlsx"}).content))
    assert session.code in [c.value for c in next(iter(book.active.iter_rows(min_row=2, max_row=2)))]  # type: ignore[union-attr]
    assert client.get(url("sessions"), {"status": "approved"}).context["paginator"].count == 1
    assert client.get(url("sessions"), {"status": "draft"}).context["paginator"].count == 0
    # anonymous users go to the login page
    client.logout()
    assert client.get(url("session", session.pk)).status_code == 302


def test_pages_render_the_demo_records_made_by_system_actors(login: Any, demo: dict[str, Any]) -> None:
    """The demo's finished session, plan and papers were made by the system actor (no user): every page
    and form of it renders for the station, the city centre and the province."""
    from skillcert.core.demo import load_demo

    load_demo()  # adds the appraisal part the fixture leaves out
    session = AppraisalSession.objects.get(organisation__code=STATION)
    subject = session.subjects.get()
    plan = AnnualPlan.objects.get(organisation__code=STATION)
    for username in ("nj003", "nj_admin", "js_leader"):
        client = login(username)
        for target in (
            url("plans"),
            url("plan", plan.pk),
            url("sessions"),
            url("session", session.pk),
            url("papers"),
        ):
            assert client.get(target).status_code == 200, (username, target)
    centre = html(login("nj_admin").get(url("session", session.pk)))
    assert url("report_review", session.pk) in centre and url("drawn_paper", session.pk, subject.pk) in centre
    station = html(login("nj003").get(url("session", session.pk)))  # the exam date has passed
    assert (
        url("report_review", session.pk) not in station
        and url("drawn_paper", session.pk, subject.pk) in station
    )
    assert login("nj003").get(url("drawn_paper", session.pk, subject.pk)).status_code == 200


def test_x1_another_station_gets_404_for_session_photo_paper_and_forms(
    login: Any, demo: dict[str, Any]
) -> None:
    """nj005 (station 005) cannot open, or act on, anything of station 003: same 404 as for nothing."""
    session, subject, _draw = drawn_session(demo)
    client = login("nj003")
    assert post_card(client, session, subject.pk, card_payload()).status_code == 201
    e = Enrolment.objects.get(session=session)
    plan_response = client.post(
        url("plan_create"),
        {
            "organisation": demo["orgs"][STATION].pk,
            "year": 2031,
            "lines-rows": 1,
            "lines-0-occupation": TURNER,
            "lines-0-level": "4",
            "lines-0-planned_count": "3",
        },
    )
    assert plan_response.status_code == 302
    plan = AnnualPlan.objects.get(organisation=demo["orgs"][STATION], year=2031)

    other = login("nj005")
    for target in (
        url("session", session.pk),
        url("photo", e.photo_id),
        url("drawn_paper", session.pk, subject.pk),
        url("subject_report", session.pk, subject.pk, "pdf"),
        url("subject_roster", session.pk, subject.pk, "xlsx"),
        url("application", e.pk, "pdf"),
        url("roster_template", session.pk),
        url("plan", plan.pk),
    ):
        assert other.get(target).status_code == 404, target
    for target in (
        url("scores", session.pk),
        url("enrol_manual", session.pk),
        url("session_submit", session.pk),
        url("plan_submit", plan.pk),
    ):
        assert other.post(target, {}).status_code == 404, target
    assert post_card(other, session, subject.pk, card_payload("孙某", resident_id(124))).status_code == 404
    assert session.code not in html(other.get(url("sessions")))
    assert "2031" not in html(other.get(url("plans")))
    assert not any(
        p.organisation_id == session.organisation_id for p in other.get(url("papers")).context["object_list"]
    )
    # the station itself may not review or draw: 403
    own = login("nj003")
    assert own.post(url("session_review", session.pk), {"decision": "approve"}).status_code == 403
    assert own.post(url("draw", session.pk, subject.pk)).status_code == 403


# --- annual plan (R4.1) ----------------------------------------------------------------------------


def test_r4_1_annual_plan_created_submitted_returned_and_approved_through_pages(
    login: Any, demo: dict[str, Any]
) -> None:
    """R4.1: lines per occupation and level, errors on the row and cell they concern (X6), submit,
    return with a required comment, approve; the 28 February due date and the late badge."""
    station = demo["orgs"][STATION]
    client = login("nj003")
    year = datetime.date.today().year + 1
    bad = client.post(
        url("plan_create"),
        {
            "organisation": station.pk,
            "year": year,
            "lines-rows": 3,
            "lines-0-occupation": TURNER,
            "lines-0-level": "4",
            "lines-0-planned_count": "10",
            "lines-2-occupation": "9-99-99-99",
            "lines-2-level": "2",
            "lines-2-planned_count": "5",
        },
    )
    assert bad.status_code == 200
    page = html(bad)
    assert "职业“9-99-99-99”不存在 / Unknown occupation" in page
    assert 'class="has-errors"' in page
    assert not AnnualPlan.objects.filter(organisation=station, year=year).exists()

    ok = client.post(
        url("plan_create"),
        {
            "organisation": station.pk,
            "year": year,
            "lines-rows": 2,
            "lines-0-occupation": TURNER,
            "lines-0-level": "4",
            "lines-0-planned_count": "10",
            "lines-1-occupation": WELDER,
            "lines-1-level": "2",
            "lines-1-planned_count": "3",
        },
    )
    plan = AnnualPlan.objects.get(organisation=station, year=year)
    assert ok.status_code == 302 and ok["Location"] == url("plan", plan.pk)
    assert plan.lines.count() == 2
    detail = html(client.get(url("plan", plan.pk)))
    assert f"{year}-02-28" in detail and url("plan_submit", plan.pk) in detail
    assert url("plan_review", plan.pk) not in detail  # the station does not review itself
    # a second "new plan" for the same year is refused instead of replacing the lines silently
    again = client.post(url("plan_create"), {"organisation": station.pk, "year": year, "lines-rows": 0})
    assert again.status_code == 200 and url("plan", plan.pk) in html(again)
    assert client.post(url("plan_submit", plan.pk)).status_code == 302
    plan.refresh_from_db()
    assert plan.status == ReviewStatus.SUBMITTED
    assert client.post(url("plan_review", plan.pk), {"decision": "approve"}).status_code == 403

    reviewer = login("nj_admin")
    assert url("plan_review", plan.pk) in html(reviewer.get(url("plan", plan.pk)))
    no_comment = reviewer.post(url("plan_review", plan.pk), {"decision": "return", "comment": " "})
    assert (
        no_comment.status_code == 200
        and "退回时必须填写意见 / A comment is required when returning" in html(no_comment)
    )
    reviewer.post(url("plan_review", plan.pk), {"decision": "return", "comment": "技师人数偏多"})
    plan.refresh_from_db()
    assert plan.status == ReviewStatus.RETURNED and plan.review_comment == "技师人数偏多"

    client = login("nj003")
    assert "技师人数偏多" in html(client.get(url("plan", plan.pk)))
    edited = client.post(
        url("plan", plan.pk),
        {"lines-rows": 1, "lines-0-occupation": TURNER, "lines-0-level": "4", "lines-0-planned_count": "12"},
    )
    assert edited.status_code == 302 and plan.lines.get().planned_count == 12
    client.post(url("plan_submit", plan.pk))
    login("nj_admin").post(url("plan_review", plan.pk), {"decision": "approve", "comment": ""})
    plan.refresh_from_db()
    assert plan.status == ReviewStatus.APPROVED

    # a plan submitted after 28 February of its year carries the late badge
    client = login("nj003")
    client.post(
        url("plan_create"),
        {
            "organisation": station.pk,
            "year": 2020,
            "lines-rows": 1,
            "lines-0-occupation": TURNER,
            "lines-0-level": "5",
            "lines-0-planned_count": "1",
        },
    )
    late = AnnualPlan.objects.get(organisation=station, year=2020)
    client.post(url("plan_submit", late.pk))
    listing = client.get(url("plans"), {"year": 2020})
    assert [p.pk for p in listing.context["object_list"]] == [late.pk]
    assert 'class="badge late"' in html(listing)


# --- session plan (R4.4) ---------------------------------------------------------------------------


def test_r4_4_session_created_through_the_form_submitted_and_approved(
    login: Any, demo: dict[str, Any]
) -> None:
    """R4.4: the new-session form shows the service's errors next to the fields and rows; a valid plan
    is saved as a draft, submitted to the responsible centre and approved there."""
    station = demo["orgs"][STATION]
    client = login("nj003")
    start = datetime.date.today() + datetime.timedelta(days=20)
    form = {
        "station": station.pk,
        "site": "南京市玄武区中山路1号实训楼",
        "exam_start": start.isoformat(),
        "exam_end": (start - datetime.timedelta(days=1)).isoformat(),
        "expected_candidates": "40",
        "subjects-rows": 5,
        "subjects-0-occupation": TURNER,
        "subjects-0-level": "4",
        "subjects-1-national_bank": "on",  # a ticked box alone is not a row
        "subjects-3-occupation": "9-99-99-99",
        "subjects-3-level": "3",
    }
    before = AppraisalSession.objects.count()
    bad = client.post(url("session_create"), form)
    assert bad.status_code == 200
    page = html(bad)
    assert "结束日期早于开始日期 / The end date is before the start date" in page
    assert "职业“9-99-99-99”不存在 / Unknown occupation" in page
    assert AppraisalSession.objects.count() == before

    form.update(
        {
            "exam_end": (start + datetime.timedelta(days=1)).isoformat(),
            "subjects-3-occupation": WELDER,
            "subjects-3-level": "2",
            "subjects-3-national_bank": "on",
        }
    )
    ok = client.post(url("session_create"), form)
    session = AppraisalSession.objects.get(organisation=station)
    assert ok.status_code == 302 and ok["Location"] == url("session", session.pk)
    assert session.status == ReviewStatus.DRAFT and session.expected_candidates == 40
    assert sorted(session.subjects.values_list("occupation__code", "level_id", "national_bank")) == [
        (TURNER, 4, False),
        (WELDER, 2, True),
    ]
    detail = html(client.get(url("session", session.pk)))
    assert url("session_submit", session.pk) in detail and "cardreader" not in detail  # not approved yet
    client.post(url("session_submit", session.pk))
    session.refresh_from_db()
    assert session.status == ReviewStatus.SUBMITTED
    assert session.responsible_centre == demo["orgs"]["JS-NJ"]

    reviewer = login("nj_admin")
    assert url("session_review", session.pk) in html(reviewer.get(url("session", session.pk)))
    assert reviewer.post(url("session_review", session.pk), {"decision": "approve"}).status_code == 302
    session.refresh_from_db()
    assert session.status == ReviewStatus.APPROVED
    assert 'id="cardreader"' in html(login("nj003").get(url("session", session.pk)))


# --- enrolment (R0.3, R0.4, X6) --------------------------------------------------------------------


def test_x6_roster_upload_rejected_whole_with_error_table_then_valid_rows_imported(
    login: Any, demo: dict[str, Any]
) -> None:
    """X6: a roster with bad rows is rejected whole and the page lists row, field and the Chinese and
    English message of every error; with "import only the valid rows" the good rows go in."""
    session = approved_session(demo)
    good = [
        [f"学员{'甲乙丙'[i]}", resident_id(10 + i), "高中", "", TURNER, "四级", "南京机床厂"]
        for i in range(3)
    ]
    bad_checksum = resident_id(20)[:-1] + ("0" if resident_id(20)[-1] != "0" else "1")
    rows = [
        *good[:2],
        ["坏校验", bad_checksum, "高中", "", TURNER, "4", ""],
        good[2],
        ["错等级", resident_id(21), "", "", TURNER, "六级", ""],
    ]
    content = xlsx(ROSTER_HEADER, rows)
    client = login("nj003")
    rejected = client.post(url("enrol_import", session.pk), {"file": upload("roster.xlsx", content)})
    assert rejected.status_code == 200
    page = html(rejected)
    assert "名册有2行错误，未导入任何记录 / 2 rows have errors; nothing was imported" in page
    assert "第4行 row 4" in page and "证件号码 (document_number)" in page
    assert "第6行 row 6" in page and "等级 (level)" in page
    assert "等级“六级”无效" in page and "Invalid level &#x27;六级&#x27;" in page
    assert session.enrolments.count() == 0

    partial = client.post(
        url("enrol_import", session.pk), {"file": upload("roster.xlsx", content), "accept_valid_rows": "on"}
    )
    assert partial.status_code == 200
    assert session.enrolments.count() == 3
    result = partial.context["import_result"]
    assert (result["imported"], result["total"], result["rows"]) == (3, 5, 2)
    assert "第4行 row 4" in html(partial) and "第6行 row 6" in html(partial)
    assert set(session.enrolments.values_list("source", flat=True)) == {EnrolmentSource.IMPORT}

    fixed = xlsx(ROSTER_HEADER, [["补录", resident_id(22), "初中", "", TURNER, "4", ""]])
    done = client.post(url("enrol_import", session.pk), {"file": upload("fix.xlsx", fixed)})
    assert done.status_code == 302 and session.enrolments.count() == 4
    # a file of the wrong type is named as such
    wrong = client.post(url("enrol_import", session.pk), {"file": upload("roster.txt", b"x")})
    assert "名册应为XLSX或CSV文件" in html(wrong)
    template = client.get(url("roster_template", session.pk))
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_r0_4_card_reader_post_enrols_with_the_chip_photo_served_only_in_scope(
    login: Any, demo: dict[str, Any], settings: Any
) -> None:
    """R0.4/R0.3: the bridge's JSON, posted by cardreader.js, enrols the candidate with the chip photo;
    the photo is served as JPEG to users who can see the enrolment and 404 to others (X1)."""
    session = approved_session(demo)
    subject = session.subjects.get(occupation__code=TURNER)
    client = login("nj003")
    page = html(client.get(url("session", session.pk)))
    assert 'data-bridge-url="http://127.0.0.1:19196/readcard"' in page
    assert f'data-post-url="{url("enrol_card", session.pk)}"' in page and "skillcert/cardreader.js" in page
    settings.SKILLCERT_CARD_BRIDGE_URL = "http://127.0.0.1:28000/api/readcard"
    assert 'data-bridge-url="http://127.0.0.1:28000/api/readcard"' in html(
        client.get(url("session", session.pk))
    )

    number = resident_id(123)
    response = post_card(client, session, subject.pk, card_payload("钱多多", number))
    assert response.status_code == 201, response.content
    body = response.json()
    e = Enrolment.objects.get(pk=body["enrolment"])
    assert e.source == EnrolmentSource.CARD_READER and e.person.name == "钱多多"
    assert e.person.gender == "M" and e.person.nation == "汉"
    assert e.photo is not None and (e.photo.width, e.photo.height) == (102, 126)
    assert body["document_masked"] == number[:3] + "*" * 11 + number[-4:]
    assert body["photo"] == url("photo", e.photo_id)

    detail = html(client.get(url("session", session.pk), {"subject": subject.pk}))
    assert url("photo", e.photo_id) in detail and "钱多多" in detail
    assert number not in detail  # only the masked number reaches the page (X7)
    photo = client.get(url("photo", e.photo_id))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert photo.content[:2] == b"\xff\xd8"
    assert Image.open(io.BytesIO(photo.content)).size == (102, 126)
    assert login("nj_admin").get(url("photo", e.photo_id)).status_code == 200
    assert login("nj005").get(url("photo", e.photo_id)).status_code == 404
    assert login("nj003").get(url("photo", "0" * 64)).status_code == 404

    client = login("nj003")
    again = post_card(client, session, subject.pk, card_payload("钱多多", number))
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "appraisal.enrolment.duplicate"
    expired = post_card(client, session, subject.pk, card_payload("孙过期", resident_id(125), exp="20200101"))
    assert expired.status_code == 400
    assert [x["field"] for x in expired.json()["errors"]] == ["expDate"]
    assert (
        post_card(client, session, 999_999, card_payload("李某", resident_id(127))).json()["errors"][0][
            "field"
        ]
        == "subject"
    )
    garbage = client.post(url("enrol_card", session.pk), data="{not json", content_type="application/json")
    assert garbage.status_code == 400 and garbage.json()["code"] == "appraisal.card.json"
    assert session.enrolments.count() == 1


def test_r0_3_manual_enrolment_checks_the_uploaded_photo(login: Any, demo: dict[str, Any]) -> None:
    """R0.3/R0.4: manual entry; a photo that misses the spec is refused with the reason next to the
    photo field, a spec photo is stored with the enrolment."""
    session = approved_session(demo)
    subject = session.subjects.get(occupation__code=TURNER)
    client = login("nj003")
    png = io.BytesIO()
    Image.new("RGB", (358, 441), (67, 142, 219)).save(png, "PNG")
    data = {
        "subject": subject.pk,
        "name": "王手工",
        "document_type": "resident_id",
        "document_number": resident_id(301),
        "education": "60",
        "phone": "13912345678",
        "work_unit": "南京机床厂",
    }
    refused = client.post(
        url("enrol_manual", session.pk), {**data, "photo": upload("me.png", png.getvalue())}
    )
    assert refused.status_code == 200
    assert "照片格式为 PNG，应为 JPEG（.jpg） / The photo is a PNG file; it must be JPEG (.jpg)" in html(
        refused
    )
    assert refused.context["manual_form"].errors["photo"]
    assert session.enrolments.count() == 0

    ok = client.post(url("enrol_manual", session.pk), {**data, "photo": upload("me.jpg", spec_photo())})
    assert ok.status_code == 302
    e = session.enrolments.get()
    assert e.source == EnrolmentSource.MANUAL and e.photo is not None and e.photo.source == "upload"
    assert e.work_unit == "南京机床厂" and e.person.education_id == "60"
    duplicate = client.post(url("enrol_manual", session.pk), data)
    assert "已报名本场次" in html(duplicate) and duplicate.context["manual_form"].errors["document_number"]


# --- scores -----------------------------------------------------------------------------------------


def test_score_table_saves_all_rows_or_none_and_derives_results(login: Any, demo: dict[str, Any]) -> None:
    """The score table goes through scores.record_scores per row in one transaction: one bad row keeps
    every row unsaved and is marked; the results (合格/不合格/缺考) are derived, never typed."""
    session = approved_session(demo)
    operator = demo["users"]["nj003"]
    turner = session.subjects.get(occupation__code=TURNER)
    welder = session.subjects.get(occupation__code=WELDER)
    people = [
        enrolment.enrol_manual(
            session,
            welder if i == 3 else turner,
            actor=operator,
            name=f"考生{'甲乙丙丁'[i]}",
            document_type="resident_id",
            document_number=resident_id(400 + i),
        )
        for i in range(4)
    ]
    a, b, c, d = people
    client = login("nj003")
    page = html(client.get(url("session", session.pk)))
    assert f'name="comprehensive_{d.pk}"' in page and f'name="comprehensive_{a.pk}"' not in page
    posted = {
        f"theory_{a.pk}": "75.5",
        f"practical_{a.pk}": "61",
        f"theory_{b.pk}": "101",
        f"practical_{b.pk}": "59.5",
        f"absent_{c.pk}": "on",
        f"theory_{d.pk}": "80",
        f"practical_{d.pk}": "80",
        f"comprehensive_{d.pk}": "60",
    }
    bad = client.post(url("scores", session.pk), posted)
    assert bad.status_code == 200
    assert "理论知识考核成绩应为0–100之间、最多一位小数的数，实为“101”" in html(bad)
    assert 'value="101"' in html(bad)  # the typed values are kept for correction
    assert set(session.enrolments.values_list("result", flat=True)) == {""}  # nothing saved

    posted[f"theory_{b.pk}"] = "88"
    ok = client.post(url("scores", session.pk), posted)
    assert ok.status_code == 302
    results = dict(session.enrolments.values_list("pk", "result"))
    assert results == {a.pk: Result.PASS, b.pk: Result.FAIL, c.pk: Result.ABSENT, d.pk: Result.PASS}
    recorded = AuditEntry.objects.filter(action="appraisal.score.recorded").count()
    assert client.post(url("scores", session.pk), posted).status_code == 302
    assert AuditEntry.objects.filter(action="appraisal.score.recorded").count() == recorded  # unchanged rows

    scores_file = xlsx(["证件号码", "理论", "实操", "缺考"], [[resident_id(401), "90", "70", ""]])
    imported = client.post(url("score_import", session.pk), {"file": upload("scores.xlsx", scores_file)})
    assert imported.status_code == 302
    assert session.enrolments.get(pk=b.pk).result == Result.PASS
    rejected = client.post(
        url("score_import", session.pk),
        {"file": upload("scores.xlsx", xlsx(["证件号码", "理论", "实操"], [[resident_id(499), "90", "70"]]))},
    )
    assert "此人未报名本场次" in html(rejected) and "第2行 row 2" in html(rejected)
    assert login("nj_admin").post(url("scores", session.pk), posted).status_code == 403


# --- paper sets and the draw (R4.4) ---------------------------------------------------------------


def test_r4_4_paper_sets_audited_drawn_and_hidden_from_the_station_until_the_exam(
    login: Any, demo: dict[str, Any]
) -> None:
    """R4.4: the station uploads paper sets, the centre audits and draws one; the page shows the seed and
    that the draw re-verifies to the centre only; the station gets 404 for the drawn paper before the exam
    date (and sees no label or seed), the reviewer gets the file; from the exam date the station too."""
    session = approved_session(demo)
    subject = session.subjects.get(occupation__code=TURNER)
    station = demo["orgs"][STATION]
    client = login("nj003")
    for label in "ABC":
        response = client.post(
            url("papers"),
            {
                "organisation": station.pk,
                "occupation": TURNER,
                "level": "4",
                "label": f"{label}卷",
                "file": upload(f"{label}.pdf", f"%PDF-1.4 paper {label}".encode()),
            },
        )
        assert response.status_code == 302
    bad = client.post(
        url("papers"),
        {
            "organisation": station.pk,
            "occupation": TURNER,
            "level": "4",
            "label": "D卷",
            "file": upload("D.exe", b"MZ"),
        },
    )
    assert "试卷文件应为PDF、Word、OFD或ZIP / The paper file must be PDF, Word, OFD or ZIP" in html(bad)
    listing = html(client.get(url("papers")))
    sets = list(PaperSet.objects.filter(organisation=station).order_by("label"))
    assert [p.label for p in sets] == ["A卷", "B卷", "C卷"]
    assert sets[0].file_sha256[:12] in listing and url("paper_audit", sets[0].pk) not in listing
    assert client.post(url("paper_audit", sets[0].pk), {"decision": "approve"}).status_code == 403

    reviewer = login("nj_admin")
    assert url("paper_audit", sets[0].pk) in html(reviewer.get(url("papers")))
    refused = reviewer.post(
        url("paper_audit", sets[0].pk), {"decision": "return", "comment": ""}, follow=True
    )
    assert "不通过时必须填写意见" in html(refused)
    for paper in sets:
        assert reviewer.post(url("paper_audit", paper.pk), {"decision": "approve"}).status_code == 302
    assert set(PaperSet.objects.filter(organisation=station).values_list("status", flat=True)) == {"audited"}
    assert url("draw", session.pk, subject.pk) in html(reviewer.get(url("session", session.pk)))
    assert reviewer.post(url("draw", session.pk, subject.pk)).status_code == 302
    draw = PaperDraw.objects.get(subject=subject)
    centre_page = html(reviewer.get(url("session", session.pk)))
    assert draw.seed in centre_page and "badge ok" in centre_page
    assert url("drawn_paper", session.pk, subject.pk) in centre_page

    station_page = html(login("nj003").get(url("session", session.pk)))
    assert draw.seed not in station_page and draw.paper_set.label not in station_page
    assert url("drawn_paper", session.pk, subject.pk) not in station_page
    assert login("nj003").get(url("drawn_paper", session.pk, subject.pk)).status_code == 404
    fetched = login("nj_admin").get(url("drawn_paper", session.pk, subject.pk))
    assert (
        fetched.status_code == 200 and fetched.content == f"%PDF-1.4 paper {draw.paper_set.label[0]}".encode()
    )
    assert fetched["Content-Type"] == "application/pdf" and "attachment" in fetched["Content-Disposition"]
    assert login("nj005").get(url("drawn_paper", session.pk, subject.pk)).status_code == 404

    AppraisalSession.objects.filter(pk=session.pk).update(exam_start=datetime.date.today())
    client = login("nj003")
    assert client.get(url("drawn_paper", session.pk, subject.pk)).status_code == 200
    assert draw.seed in html(client.get(url("session", session.pk)))


# --- after the session (R4.5) ----------------------------------------------------------------------


def test_r4_5_results_submitted_and_approved_through_the_pages(login: Any, demo: dict[str, Any]) -> None:
    """R4.5: submitting with an unscored candidate names that candidate; once every candidate has a
    result the station submits, enrolment and scores close, and the centre's approval makes the qualified
    candidates eligible."""
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    session = approved_session(demo, start=yesterday, subjects=[{"occupation": TURNER, "level": 4}])
    subject = session.subjects.get()
    operator = demo["users"]["nj003"]
    passed, failed = (
        enrolment.enrol_manual(
            session,
            subject,
            actor=operator,
            name=name,
            document_type="resident_id",
            document_number=resident_id(500 + i),
        )
        for i, name in enumerate(["合格者", "未评者"])
    )
    scores.record_scores(passed, actor=operator, theory=80, practical=70)
    client = login("nj003")
    incomplete = client.post(url("report_submit", session.pk), {"examiners": "王考评,李考评"})
    assert incomplete.status_code == 200
    assert "未评者" in html(incomplete) and "成绩未录入完整 / Scores are incomplete" in html(incomplete)
    scores.record_scores(failed, actor=operator, theory=50, practical=70)
    assert client.post(url("report_submit", session.pk), {"examiners": "王考评,李考评"}).status_code == 302
    page = html(client.get(url("session", session.pk)))
    assert 'id="cardreader"' not in page and f'name="theory_{passed.pk}"' not in page
    assert url("report_review", session.pk) not in page

    reviewer = login("nj_admin")
    assert url("report_review", session.pk) in html(reviewer.get(url("session", session.pk)))
    assert reviewer.post(url("report_review", session.pk), {"decision": "approve"}).status_code == 302
    assert list(session.enrolments.filter(eligible=True)) == [passed]
    assert session.report.status == ReviewStatus.APPROVED


def test_r4_5_forms_download_as_pdf_and_xlsx(login: Any, demo: dict[str, Any]) -> None:
    """R4.5: the appraisal report (附表四), qualified roster (附表六) and application form (附表五) download
    as PDF and XLSX, named after the session; outside the scope they are 404 (X1)."""
    pytest.importorskip("skillcert.appraisal.forms_pdf")
    pytest.importorskip("skillcert.appraisal.forms_xlsx")
    session = approved_session(demo)
    subject = session.subjects.get(occupation__code=TURNER)
    operator = demo["users"]["nj003"]
    e = enrolment.enrol_manual(
        session,
        subject,
        actor=operator,
        name="表格甲",
        document_type="resident_id",
        document_number=resident_id(600),
        photo_upload=spec_photo(),
    )
    scores.record_scores(e, actor=operator, theory=80, practical=75)
    client = login("nj003")
    for name in ("subject_report", "subject_roster"):
        pdf = client.get(url(name, session.pk, subject.pk, "pdf"))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and session.code in pdf["Content-Disposition"]
        sheet = client.get(url(name, session.pk, subject.pk, "xlsx"))
        assert sheet.status_code == 200 and sheet["Content-Type"].endswith("spreadsheetml.sheet")
        assert sheet.content[:2] == b"PK" and "attachment" in sheet["Content-Disposition"]
    application = client.get(url("application", e.pk, "pdf"))
    assert application.status_code == 200 and application.content.startswith(b"%PDF")
    assert "filename*=utf-8''" in application["Content-Disposition"]
    assert login("nj_admin").get(url("application", e.pk, "pdf")).status_code == 200
    assert login("nj005").get(url("application", e.pk, "pdf")).status_code == 404
    assert Level.objects.count() == 5 and Occupation.objects.filter(code=TURNER).exists()
