"""Back-office certificate pages and the public directory: scoped list, detail and export (X1, X5),
masked ID numbers only and exact-ID search (X7), issuance from an approved session, and the directory of
issuing organisations (R2.11)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_issue import finished_session

pytestmark = pytest.mark.django_db


def issued_at_nj003(demo: dict[str, Any], passed: int = 3) -> list[Certificate]:
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=passed)
    return sorted(issue_certificates(session, actor=demo["users"]["nj_admin"]), key=lambda c: c.number)


def session_of(c: Certificate) -> Any:
    assert c.enrolment is not None
    return c.enrolment.session


def test_x1_list_scoped(demo: dict[str, Any], login: Any) -> None:
    certs = issued_at_nj003(demo)
    page = login("nj003").get("/manage/certificates/")
    assert page.status_code == 200
    for c in certs:
        assert c.number in page.content.decode()
    page = login("sz001").get("/manage/certificates/")
    assert page.status_code == 200
    assert not any(c.number in page.content.decode() for c in certs)


def test_x1_detail_scoped_and_x7_masked(demo: dict[str, Any], login: Any) -> None:
    cert = issued_at_nj003(demo)[0]
    full = cert.person.document_number()
    page = login("nj003").get(f"/manage/certificates/{cert.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert cert.licence_id in html and cert.data["id_number_masked"] in html
    assert full not in html  # X7
    assert f"/manage/appraisal/sessions/{session_of(cert).pk}/" in html
    assert login("sz001").get(f"/manage/certificates/{cert.number}/").status_code == 404
    assert login("nj003").get("/manage/certificates/0000000000000000/").status_code == 404


def test_x7_exact_id_search_only(demo: dict[str, Any], login: Any) -> None:
    cert = issued_at_nj003(demo)[0]
    full = cert.person.document_number()
    client = login("nj003")
    page = client.get("/manage/certificates/", {"document_number": full}).content.decode()
    assert cert.number in page
    others = Certificate.objects.exclude(pk=cert.pk)
    assert others.exists() and not any(o.number in page for o in others)
    for partial in (full[:-1], full[:6], full[-4:]):
        page = client.get("/manage/certificates/", {"document_number": partial}).content.decode()
        assert not any(c.number in page for c in Certificate.objects.all())


def test_filters_number_name_session(demo: dict[str, Any], login: Any) -> None:
    certs = issued_at_nj003(demo)
    client = login("nj003")
    page = client.get("/manage/certificates/", {"number": certs[1].number}).content.decode()
    assert certs[1].number in page and certs[0].number not in page
    page = client.get("/manage/certificates/", {"number": certs[1].number[:-1]}).content.decode()
    assert certs[1].number not in page  # exact only
    session = session_of(certs[0])
    for value in (str(session.pk), session.code):
        page = client.get("/manage/certificates/", {"session": value}).content.decode()
        assert all(c.number in page for c in certs)
    page = client.get("/manage/certificates/", {"name": certs[2].data["name"]}).content.decode()
    assert certs[2].number in page


def test_x5_export_xlsx_and_csv(demo: dict[str, Any], login: Any) -> None:
    certs = issued_at_nj003(demo)
    client = login("nj003")
    response = client.get("/manage/certificates/", {"export": "xlsx", "number": certs[0].number})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号 Certificate number" and len(rows[0]) == 9
    assert len(rows) == 2 and rows[1][0] == certs[0].number
    assert rows[1][2] == certs[0].data["id_number_masked"]
    assert rows[1][8] == session_of(certs[0]).code
    full = certs[0].person.document_number()
    assert all(full not in str(v) for row in rows for v in row)  # X7
    response = client.get("/manage/certificates/", {"export": "csv"})
    text = response.content.decode("utf-8-sig")
    assert all(c.number in text for c in certs)
    assert not any(c.person.document_number() in text for c in certs)
    # scoped (X1): another station's export has none of them
    text = login("sz001").get("/manage/certificates/", {"export": "csv"}).content.decode("utf-8-sig")
    assert not any(c.number in text for c in certs)


def test_issue_view(demo: dict[str, Any], login: Any) -> None:
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=2, failed=1)
    # a station operator may not issue: the refusal is a message, nothing is issued
    response = login("nj003").post(f"/manage/certificates/issue/{session.pk}/", follow=True)
    assert response.status_code == 200 and Certificate.objects.count() == 0
    assert any(" / " in str(m) for m in response.context["messages"])
    response = login("nj_admin").post(f"/manage/certificates/issue/{session.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/manage/certificates/?session={session.pk}"
    assert Certificate.objects.filter(enrolment__session=session).count() == 2
    # GET is refused; another station's user cannot reach the session
    assert login("nj_admin").get(f"/manage/certificates/issue/{session.pk}/").status_code == 405
    assert login("sz001").post(f"/manage/certificates/issue/{session.pk}/").status_code == 404


def test_r2_11_directory_page_public(client: Any, demo: dict[str, Any]) -> None:
    issued_at_nj003(demo, passed=1)
    page = client.get("/directory/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "江苏省人力资源和社会保障厅" in html
    assert "<code>10</code>" in html and "<code>49</code>" in html
    cert = Certificate.objects.get()
    assert cert.data["name"] not in html and cert.number not in html  # no personal data


def test_navigation_lists_certificates(login: Any) -> None:
    page = login("nj003").get("/manage/")
    assert "/manage/certificates/" in page.content.decode()
