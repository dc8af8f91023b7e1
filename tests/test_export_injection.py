"""No export can carry a live formula (issue 13 item 3; OWASP CSV injection; X5).

A session site or an enrolment work unit of ``=HYPERLINK("http://evil.example/x","点击查看")`` came out as
a live formula in the XLSX exports and unescaped in CSV. This test plants such texts — every trigger
(``= + - @``, TAB, CR, after leading spaces, full-width) — in the text fields the exports show, then
walks every workbook and CSV the back office and the API produce: the list exports (XLSX and CSV),
the appraisal forms (appraisal report, application form, qualified roster and the 技师 approval form),
the roster template, the requisition form (申领审核表), the quarterly report (live and submitted), the
people export job and the import error report. Each file is opened with openpyxl
(``data_only=False``): no cell may be a formula, and each planted text must be there as a plain string
cell; in CSV every risky cell starts with an apostrophe (core/cellsafe.py)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/x","点击查看")'
PAYLOADS = {
    "site": HYPERLINK,
    "work_unit": '=HYPERLINK("http://evil.example/x","点")',
    "org": "+cmd|' /C calc'!A0",
    "org_en": "-2+3+cmd|' /C calc'!A0",
    "person": "@SUM(1+1)*cmd",
    "phone": "\t=1+1",
    "examiners": " =1+2",
    "notes": "\r=1+3",
    "occupation": "＝1+4",
    "label": "=1+5",
    "comment": "=1+6",
    "receipt_doc": "=1+7",
    "place": "=1+8",
    "witness": "=1+9",
    "recipient": "=2+1",
    "certificate_name": "=2+2",
    "filename": '=HYPERLINK("evil.example","点击查看")',
}


def risky(text: str) -> bool:
    """The OWASP rule, written out here rather than taken from the code under test: starts with = + - @
    TAB or CR, also after leading blanks, also full-width."""
    return text[:1] in ("\t", "\r") or text.lstrip(" \t\r\n\u00a0\u3000")[:1] in set("=+-@＝＋－＠")


@pytest.fixture
def planted(demo_full: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    """The full demo (a finished session, published certificates, blank stock) with a risky text in
    every text field an export shows, plus a 技师 session, a requisition, a destruction and a
    distribution so that every list and form has a row."""
    from skillcert.appraisal.models import AnnualPlan, AppraisalSession, Enrolment, PaperSet, SessionReport
    from skillcert.appraisal.services import enrolment
    from skillcert.appraisal.tests.test_views import approved_session
    from skillcert.blanks.models import DestructionBatch, Distribution, Receipt, Requisition, RequisitionLine
    from skillcert.catalog.models import Occupation
    from skillcert.certificates.models import Certificate
    from skillcert.orgs.models import Organisation
    from skillcert.people.models import Person

    settings.MEDIA_ROOT = tmp_path
    orgs = demo_full["orgs"]
    technician = approved_session(demo_full)  # 车工 四级 and 焊工 二级 (the approval form)
    welder = technician.subjects.get(level_id=2)
    person = orgs["ST-10012003"].people.order_by("id").first()
    enrolment.enrol(technician, welder, person, actor=None, source="manual", work_unit="x")

    p = PAYLOADS
    AppraisalSession.objects.update(site=p["site"])
    Enrolment.objects.update(work_unit=p["work_unit"])
    Organisation.objects.update(name=p["org"], name_en=p["org_en"])
    Person.objects.update(name=p["person"], phone=p["phone"])
    SessionReport.objects.update(examiners=p["examiners"], notes=p["notes"])
    Occupation.objects.update(name=p["occupation"])
    for i, paper in enumerate(PaperSet.objects.all()):  # labels are unique per occupation and level
        PaperSet.objects.filter(pk=paper.pk).update(label=f"{p['label']}{i}", audit_comment=p["comment"])
    AnnualPlan.objects.update(review_comment=p["comment"])
    Receipt.objects.update(document_number=p["receipt_doc"])
    get_user_model().objects.update(first_name=p["witness"])
    for cert in Certificate.objects.all():
        cert.data = {**cert.data, "name": p["certificate_name"], "issuing_authority": p["org"]}
        cert.save(update_fields=["data"])
    users = demo_full["users"]
    requisition = Requisition.objects.create(city=orgs["JS-NJ"], year=2026, quarter=2)
    RequisitionLine.objects.create(requisition=requisition, level="4", planned=10)
    DestructionBatch.objects.create(
        holder=orgs["JS-NJ"],
        destroyed_on=datetime.date(2026, 3, 1),
        place=p["place"],
        witness_1=users["nj_admin"],
        witness_2=users["js_leader"],
    )
    Distribution.objects.create(
        certificate=Certificate.objects.order_by("id").first(),
        organisation=orgs["ST-10012003"],
        exam_date=datetime.date(2026, 1, 10),
        recipient=p["recipient"],
    )
    return {"demo": demo_full, "technician": technician, "requisition": requisition}


@pytest.fixture
def demo_full(db: Any) -> dict[str, Any]:
    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation

    load_demo(with_appraisal=True)
    return {
        "orgs": {o.code: o for o in Organisation.objects.all()},
        "users": {u.username: u for u in get_user_model().objects.all()},
    }


def _cells_of_xlsx(content: bytes, where: str) -> list[Any]:
    assert content[:2] == b"PK", f"{where}: not a workbook"
    book = load_workbook(io.BytesIO(content), data_only=False)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert not formulas, f"{where}: formula cells {formulas[:5]}"
    return cells


def _check_xlsx(content: bytes, where: str, found: set[str]) -> None:
    for cell in _cells_of_xlsx(content, where):
        if isinstance(cell.value, str):
            if risky(cell.value):
                assert cell.data_type == "s", (where, cell.coordinate, cell.value)
            # XML reads a CR back as LF
            found.update(v for v in PAYLOADS.values() if v.replace("\r", "\n") in cell.value)


def _check_csv(content: bytes, where: str, found: set[str]) -> None:
    text = content.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not risky(cell), f"{where}: risky CSV cell {cell!r}"
            if cell.startswith("'"):
                found.update(v for v in PAYLOADS.values() if cell[1:].startswith(v))


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


LISTS = [
    "/manage/organisations/",
    "/manage/people/",
    "/manage/occupations/",
    "/manage/certificates/",
    "/manage/appraisal/plans/",
    "/manage/appraisal/sessions/",
    "/manage/appraisal/papers/",
    "/manage/blanks/receipts/",
    "/manage/blanks/allocations/",
    "/manage/blanks/serials/",
    "/manage/blanks/requisitions/",
    "/manage/blanks/destructions/",
    "/manage/blanks/distribution/",
]


def test_x5_no_export_or_form_workbook_holds_a_formula(
    planted: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from rest_framework.test import APIClient

    from skillcert.appraisal.models import AppraisalSession, Enrolment
    from skillcert.jobs.models import Job
    from skillcert.reports import periods
    from skillcert.reports.services.submit import submit_report

    demo = planted["demo"]
    users = demo["users"]
    client.force_login(users["js_leader"])  # the province: every list of its subtree
    found: set[str] = set()
    files = 0

    for url in LISTS:
        for fmt in ("xlsx", "csv"):
            response = client.get(url, {"export": fmt})
            assert response.status_code == 200, (url, fmt, response.status_code)
            body = _body(response)
            (_check_xlsx if fmt == "xlsx" else _check_csv)(body, f"{url}?export={fmt}", found)
            files += 1

    for session in AppraisalSession.objects.all():
        for subject in session.subjects.all():
            for form in ("report", "roster"):
                url = f"/manage/appraisal/sessions/{session.pk}/subjects/{subject.pk}/{form}.xlsx"
                response = client.get(url)
                assert response.status_code == 200, url
                _check_xlsx(_body(response), url, found)
                files += 1
        url = reverse("appraisal:roster_template", args=[session.pk])
        _check_xlsx(_body(client.get(url)), url, found)
        files += 1
    for enrolment in Enrolment.objects.all():
        url = f"/manage/appraisal/enrolments/{enrolment.pk}/application.xlsx"
        _check_xlsx(_body(client.get(url)), url, found)
        files += 1

    url = reverse("blanks:requisition", args=[planted["requisition"].pk])
    _check_xlsx(_body(client.get(url, {"format": "xlsx"})), f"{url}?format=xlsx", found)
    files += 1

    province = demo["orgs"]["JS"]
    url = f"/manage/reports/{province.pk}/2026Q1/xlsx"
    response = client.get(url)
    assert response.status_code == 200, url
    _check_xlsx(_body(response), url, found)
    submission = submit_report(demo["orgs"]["JS-NJ"], periods.parse("2026Q1"), actor=users["nj_admin"])
    api = APIClient()
    api.force_authenticate(users["nj_admin"])
    stored = api.get(f"/api/v1/report-submissions/{submission.pk}/xlsx/")
    assert stored.status_code == 200
    _check_xlsx(_body(stored), "submitted report", found)
    files += 2

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("backoffice:people_export_job"))
    job = Job.objects.get(kind="people.export_xlsx")
    assert started.status_code == 302 and job.status == "succeeded", job.errors
    _check_xlsx(_body(client.get(f"/manage/jobs/{job.pk}/download/")), "people export job", found)
    files += 1

    # the import error report repeats the uploaded file's name in its summary
    client.force_login(users["nj_admin"])
    bad = (
        "certificate_number,name,document_number,occupation_code,occupation_edition,level,issued_on,"
        "organisation\n2410012003400099,张三,x,6-18-01-01,2015,9,2024-01-01,JS-NJ\n"
    )
    upload = SimpleUploadedFile(PAYLOADS["filename"] + ".csv", bad.encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/manage/exchange/import/", {"organisation": "JS-NJ", "file": upload, "partial": "on"}
        )
    assert response.status_code == 302, response.content[:500]
    job = Job.objects.get(kind="exchange.import_certificates")
    assert job.status == "succeeded", job.errors
    _check_xlsx(_body(client.get(f"/manage/jobs/{job.pk}/download/")), "import error report", found)
    files += 1

    missing = set(PAYLOADS.values()) - found
    print(f"{files} files checked; every planted text found as plain text")
    assert not missing, f"planted texts no export showed (the test would not see a regression): {missing}"
