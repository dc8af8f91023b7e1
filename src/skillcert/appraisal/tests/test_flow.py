"""End to end, through the service functions: annual plan (R4.1) → session plan (R4.4) → paper sets and
a re-verifiable draw (R4.4) → 100 candidates from an XLSX with 5 bad rows, rejected whole and then
imported partially on request (X6) → scores with derived results → report and approval (R4.5) →
eligibility. Runs on SQLite and on PostgreSQL in CI."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from skillcert.appraisal.choices import Result, ReviewStatus
from skillcert.appraisal.models import AppraisalSession, Enrolment, PaperDraw
from skillcert.appraisal.services import enrolment, papers, plans, reports, scores, sessions
from skillcert.audit.models import AuditEntry
from skillcert.catalog.models import Level, Occupation
from skillcert.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from skillcert.people.idnumber import check_character

pytestmark = pytest.mark.django_db
TURNER = "6-18-01-01"  # 车工
WELDER = "6-18-02-04"  # 焊工


SURNAMES, GIVEN = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def person_name(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[i % 20]


def resident_id(i: int) -> str:
    body = f"320102{1970 + i % 30}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return body + check_character(body)


def roster_xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["姓名 name", "证件号码 document_number", "文化程度", "联系电话", "职业编码", "等级", "工作单位"]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def actors(demo: dict[str, Any]) -> dict[str, Any]:
    return {
        "station": demo["orgs"]["ST-10012003"],
        "operator": demo["users"]["nj003"],
        "reviewer": demo["users"]["nj_admin"],
        "other_station_user": demo["users"]["nj005"],
    }


def approved_session(actors: dict[str, Any], exam_start: datetime.date | None = None) -> AppraisalSession:
    start = exam_start or datetime.date.today() + datetime.timedelta(days=10)
    session = sessions.create_session(
        actors["station"],
        actor=actors["operator"],
        site="南京市玄武区中山路1号实训楼",
        exam_start=start,
        exam_end=start + datetime.timedelta(days=1),
        expected_candidates=100,
        subjects=[{"occupation": TURNER, "level": 4}, {"occupation": WELDER, "level": 2}],
    )
    session = sessions.submit_session(session, actor=actors["operator"])
    return sessions.review_session(session, actor=actors["reviewer"], approve=True)


def test_r4_1_annual_plan_submit_return_approve_and_lateness(actors: dict[str, Any]) -> None:
    year = datetime.date.today().year + 1
    with pytest.raises(ValidationFailed) as exc:
        plans.save_annual_plan(
            actors["station"],
            year,
            [
                {"occupation": "9-99-99-99", "level": 4, "planned_count": 10},
                {"occupation": TURNER, "level": 7, "planned_count": -1},
            ],
            actor=actors["operator"],
        )
    assert {e.code for e in exc.value.errors} == {
        "appraisal.plan.occupation",
        "appraisal.plan.level",
        "appraisal.plan.count",
    }
    plan = plans.save_annual_plan(
        actors["station"],
        year,
        [{"occupation": TURNER, "level": level, "planned_count": 10 * level} for level in range(1, 6)],
        actor=actors["operator"],
    )
    assert plan.lines.count() == 5 and plan.due_date == datetime.date(year, 2, 28)
    plan = plans.submit_annual_plan(plan, actor=actors["operator"])
    assert not plan.is_late()
    with pytest.raises(NotPermitted):  # the station cannot approve its own plan
        plans.review_annual_plan(plan, actor=actors["operator"], approve=True)
    with pytest.raises(ValidationFailed):
        plans.review_annual_plan(plan, actor=actors["reviewer"], approve=False, comment=" ")
    plan = plans.review_annual_plan(plan, actor=actors["reviewer"], approve=False, comment="技师人数偏多")
    assert plan.status == ReviewStatus.RETURNED
    plan = plans.save_annual_plan(
        actors["station"],
        year,
        [{"occupation": TURNER, "level": 4, "planned_count": 30}],
        actor=actors["operator"],
    )
    plan = plans.review_annual_plan(
        plans.submit_annual_plan(plan, actor=actors["operator"]), actor=actors["reviewer"], approve=True
    )
    assert plan.status == ReviewStatus.APPROVED
    with pytest.raises(Conflict):
        plans.save_annual_plan(actors["station"], year, [], actor=actors["operator"])
    late = plans.save_annual_plan(
        actors["station"],
        2020,
        [{"occupation": TURNER, "level": 4, "planned_count": 1}],
        actor=actors["operator"],
    )
    assert plans.submit_annual_plan(late, actor=actors["operator"]).is_late()


def test_r4_7_suspended_station_cannot_submit(actors: dict[str, Any], demo: dict[str, Any]) -> None:
    from skillcert.orgs.services import set_accreditation

    start = datetime.date.today() + datetime.timedelta(days=5)
    session = sessions.create_session(
        actors["station"],
        actor=actors["operator"],
        site="实训楼",
        exam_start=start,
        exam_end=start,
        expected_candidates=5,
        subjects=[{"occupation": TURNER, "level": 5}],
    )
    set_accreditation(actors["station"], "suspended", "年检不合格", actor=demo["users"]["js_leader"])
    with pytest.raises(Conflict) as exc:
        sessions.submit_session(session, actor=actors["operator"])
    assert exc.value.code == "appraisal.session.station_not_active"
    assert "暂停" in exc.value.message_zh


def test_r4_4_paper_sets_draw_is_reverifiable_and_hidden_until_exam(
    actors: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    session = approved_session(actors)
    subject = session.subjects.get(occupation__code=TURNER)
    turner, level = subject.occupation, Level.objects.get(number=4)
    sets = [
        papers.register_paper_set(
            actors["station"],
            turner,
            level,
            f"{label}卷",
            f"{label}.pdf",
            f"%PDF-1.4 paper {label}".encode(),
            actor=actors["operator"],
        )
        for label in "甲乙丙丁"
    ]
    papers.audit_paper_set(sets[3], actor=actors["reviewer"], approve=False, comment="题目超纲")
    for paper in sets[:2]:
        papers.audit_paper_set(paper, actor=actors["reviewer"], approve=True)
    with pytest.raises(Conflict) as exc:  # only two audited sets so far
        papers.draw_paper(subject, actor=actors["reviewer"])
    assert exc.value.code == "appraisal.draw.too_few"
    papers.audit_paper_set(sets[2], actor=actors["reviewer"], approve=True)
    with pytest.raises(NotPermitted):
        papers.draw_paper(subject, actor=actors["operator"])
    draw = papers.draw_paper(subject, actor=actors["reviewer"])
    assert draw.candidate_ids == sorted(p.pk for p in sets[:3])
    assert papers.verify_draw(draw)
    assert draw.candidate_ids[papers.draw_index(draw.seed, draw.candidate_ids)] == draw.paper_set_id
    tampered = PaperDraw(
        subject=subject,
        seed=draw.seed,
        candidate_ids=draw.candidate_ids,
        paper_set_id=next(i for i in draw.candidate_ids if i != draw.paper_set_id),
    )
    assert not papers.verify_draw(tampered)
    entry = AuditEntry.objects.get(action="appraisal.paper.drawn")
    data: Any = entry.data
    assert data["seed"] == draw.seed and data["drawn"] == draw.paper_set_id
    # the station may not fetch the drawn paper before the exam date; the centre may
    with pytest.raises(NotFound):
        papers.fetch_drawn_paper(actors["operator"], draw)
    paper, content = papers.fetch_drawn_paper(actors["reviewer"], draw)
    assert content.startswith(b"%PDF") and paper.pk == draw.paper_set_id
    session.exam_start = datetime.date.today()
    session.save()
    draw.refresh_from_db()
    assert papers.fetch_drawn_paper(actors["operator"], draw)[0].pk == draw.paper_set_id


def test_end_to_end_plan_to_approved_roster(actors: dict[str, Any]) -> None:
    session = approved_session(actors, exam_start=datetime.date.today() - datetime.timedelta(days=1))
    good = [
        [person_name(i), resident_id(i), "高中", f"139{i:08d}", TURNER, "四级", "南京机床厂"]
        for i in range(95)
    ]
    bad = [
        [
            "坏校验",
            resident_id(200)[:-1] + ("0" if resident_id(200)[-1] != "0" else "1"),
            "高中",
            "",
            TURNER,
            "4",
            "",
        ],
        ["无职业", resident_id(201), "高中", "", "9-99-99-99", "4", ""],
        ["错等级", resident_id(202), "高中", "", TURNER, "六级", ""],
        ["", resident_id(203), "高中", "", TURNER, "4", ""],
        ["重复号", resident_id(5), "高中", "", TURNER, "4", ""],
    ]
    content = roster_xlsx(good[:50] + bad + good[50:])
    before = Enrolment.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        enrolment.import_enrolments(session, content, "roster.xlsx", actor=actors["operator"])
    assert exc.value.code == "appraisal.import.rejected"
    assert Enrolment.objects.count() == before  # rejected whole: nothing written
    by_row = {(e.record, e.field) for e in exc.value.errors}
    assert ("第52行 row 52", "document_number") in by_row  # bad checksum, row 52 (header + 50 good rows + 1)
    assert ("第53行 row 53", "occupation") in by_row
    assert ("第54行 row 54", "level") in by_row
    assert ("第55行 row 55", "name") in by_row
    assert ("第56行 row 56", "document_number") in by_row  # repeats row 7's number
    assert len({e.record for e in exc.value.errors}) == 5, [str(e) for e in exc.value.errors[:3]]
    report = enrolment.import_enrolments(
        session, content, "roster.xlsx", actor=actors["operator"], accept_valid_rows=True
    )
    assert (report.total, report.imported, report.rejected_rows) == (100, 95, 5)
    # the five are fixed and added; the same person cannot be enrolled twice
    fixed = [["补录" + GIVEN[i], resident_id(300 + i), "初中", "", TURNER, "4", ""] for i in range(5)]
    assert (
        enrolment.import_enrolments(
            session, roster_xlsx(fixed), "fix.xlsx", actor=actors["operator"]
        ).imported
        == 5
    )
    with pytest.raises(ValidationFailed) as exc:
        enrolment.import_enrolments(session, roster_xlsx(fixed[:1]), "again.xlsx", actor=actors["operator"])
    assert exc.value.errors[0].code == "appraisal.enrolment.duplicate"
    assert session.enrolments.count() == 100

    # scores: 80 pass, 15 fail in practical, 5 absent; results are derived
    for index, e in enumerate(session.enrolments.order_by("id")):
        if index < 80:
            scores.record_scores(e, actor=actors["operator"], theory="75.5", practical=61)
        elif index < 95:
            scores.record_scores(e, actor=actors["operator"], theory=88, practical="59.5")
        else:
            scores.record_scores(e, actor=actors["operator"], absent=True)
    results = list(session.enrolments.values_list("result", flat=True))
    assert (results.count(Result.PASS), results.count(Result.FAIL), results.count(Result.ABSENT)) == (
        80,
        15,
        5,
    )
    with pytest.raises(ValidationFailed) as exc:
        scores.record_scores(
            session.enrolments.order_by("id")[0], actor=actors["operator"], theory="100.5", practical="x"
        )
    assert {e.field for e in exc.value.errors} == {"theory", "practical"}

    report_obj = reports.submit_report(session, actor=actors["operator"], examiners="王考评,李考评")
    with pytest.raises(Conflict):  # scores are locked once submitted
        scores.record_scores(
            session.enrolments.order_by("id")[0], actor=actors["operator"], theory=90, practical=90
        )
    roster = reports.qualified_roster(session.subjects.get(occupation__code=TURNER))
    assert len(roster.rows) == 80 and not roster.approval_form
    summary = reports.appraisal_report(session.subjects.get(occupation__code=TURNER))
    assert (summary.enrolled, summary.sat, summary.passed) == (100, 95, 80)
    assert summary.examiners == ["王考评", "李考评"]
    assert not session.enrolments.filter(eligible=True).exists()
    with pytest.raises(NotPermitted):
        reports.review_report(report_obj, actor=actors["operator"], approve=True)
    report_obj = reports.review_report(report_obj, actor=actors["reviewer"], approve=True)
    assert report_obj.status == ReviewStatus.APPROVED
    assert session.enrolments.filter(eligible=True).count() == 80
    assert set(session.enrolments.filter(eligible=True).values_list("result", flat=True)) == {Result.PASS}
    actions = set(AuditEntry.objects.filter(organisation=actors["station"]).values_list("action", flat=True))
    assert {
        "appraisal.session.approved",
        "appraisal.enrolment.imported",
        "appraisal.score.recorded",
        "appraisal.report.submitted",
        "appraisal.report.approved",
    } <= actions


def test_technician_levels_need_comprehensive_review(actors: dict[str, Any]) -> None:
    session = approved_session(actors)
    welder = session.subjects.get(occupation__code=WELDER)
    e = enrolment.enrol_manual(
        session,
        welder,
        actor=actors["operator"],
        name="技师甲",
        document_type="resident_id",
        document_number=resident_id(400),
    )
    e = scores.record_scores(e, actor=actors["operator"], theory=80, practical=80)
    assert e.result == ""  # incomplete: the comprehensive review is missing
    e = scores.record_scores(e, actor=actors["operator"], theory=80, practical=80, comprehensive="59.9")
    assert e.result == Result.FAIL
    e = scores.record_scores(e, actor=actors["operator"], theory=80, practical=80, comprehensive=60)
    assert e.result == Result.PASS
    assert reports.qualified_roster(welder).approval_form
    from skillcert.appraisal.models import PassRule

    PassRule.objects.create(
        occupation=Occupation.objects.get(code=WELDER, edition=2022),
        level_id=2,
        theory_min=Decimal(70),
        practical_min=Decimal(85),
        comprehensive_min=Decimal(60),
    )
    e = scores.record_scores(e, actor=actors["operator"], theory=80, practical=80, comprehensive=60)
    assert e.result == Result.FAIL  # the occupation-specific rule wins


def test_enrolment_requires_approved_session_and_scope(actors: dict[str, Any]) -> None:
    start = datetime.date.today() + datetime.timedelta(days=3)
    draft = sessions.create_session(
        actors["station"],
        actor=actors["operator"],
        site="实训楼",
        exam_start=start,
        exam_end=start,
        expected_candidates=5,
        subjects=[{"occupation": TURNER, "level": 5}],
    )
    with pytest.raises(Conflict):
        enrolment.enrol_manual(
            draft,
            draft.subjects.get(),
            actor=actors["operator"],
            name="甲",
            document_type="resident_id",
            document_number=resident_id(500),
        )
    session = approved_session(actors)
    with pytest.raises(NotPermitted):
        enrolment.enrol_manual(
            session,
            session.subjects.order_by("id")[0],
            actor=actors["other_station_user"],
            name="乙",
            document_type="resident_id",
            document_number=resident_id(501),
        )


def test_r4_5_results_cannot_be_submitted_before_the_exam(actors: dict[str, Any]) -> None:
    session = approved_session(actors)  # exam in ten days
    subject = session.subjects.get(occupation__code=TURNER)
    e = enrolment.enrol_manual(
        session,
        subject,
        actor=actors["operator"],
        name="早报",
        document_type="resident_id",
        document_number=resident_id(600),
    )
    scores.record_scores(e, actor=actors["operator"], theory=90, practical=90)
    with pytest.raises(Conflict) as exc:
        reports.submit_report(session, actor=actors["operator"])
    assert exc.value.code == "appraisal.report.before_exam"


def test_x7_photo_files_of_refused_enrolments_are_pruned(
    actors: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    """R0.3, X7: the photo of an enrolment that was refused (rolled back) leaves a file that no record
    names; the daily prune deletes it, and only it."""
    import os
    from io import StringIO

    from django.core.management import call_command
    from PIL import Image

    from skillcert.appraisal.tests.test_views import spec_photo
    from skillcert.people.models import Photo
    from skillcert.people.services import prune_orphan_photos

    settings.MEDIA_ROOT = tmp_path
    session = approved_session(actors)
    subject = session.subjects.get(occupation__code=TURNER)
    person = {"name": "照片甲", "document_type": "resident_id", "document_number": resident_id(700)}
    kept = enrolment.enrol_manual(
        session, subject, actor=actors["operator"], photo_upload=spec_photo(), **person
    )
    assert kept.photo is not None
    second = io.BytesIO()
    Image.open(io.BytesIO(spec_photo())).save(second, "JPEG", quality=85, dpi=(350, 350))
    with pytest.raises(ValidationFailed):  # already enrolled: refused, nothing recorded
        enrolment.enrol_manual(
            session, subject, actor=actors["operator"], photo_upload=second.getvalue(), **person
        )
    files = {p.stem: p for p in (tmp_path / "photos").glob("??/*.jpg")}
    orphans = set(files) - set(Photo.objects.values_list("sha256", flat=True))
    assert len(files) == 2 and len(orphans) == 1  # the refused one's file is still there
    young = tmp_path / "photos" / "ab" / ("ab" * 32 + ".jpg")  # an upload whose transaction is in flight
    young.parent.mkdir(parents=True, exist_ok=True)
    young.write_bytes(second.getvalue())
    long_ago = datetime.datetime.now().timestamp() - 7 * 3600
    for path in files.values():
        os.utime(path, (long_ago, long_ago))

    assert prune_orphan_photos() == sorted(orphans)
    assert not files[orphans.pop()].exists() and young.exists()
    assert Photo.objects.get(pk=kept.photo_id).read() == spec_photo()  # the recorded one is untouched
    assert AuditEntry.objects.filter(action="people.photos.pruned").count() == 1
    out = StringIO()
    call_command("prune_photos", "--hours", "6", stdout=out)
    assert out.getvalue().strip() == "removed 0 orphan photo files" and young.exists()
    assert "skillcert.people.prune_orphan_photos_daily" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
