"""Health check, API docs, i18n (X3), demo idempotency and the back-office shell."""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

import skillcert

LOCALE = Path(skillcert.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.django_db
def test_healthz_reports_database_and_version(client: Any) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["version"] == skillcert.__version__
    assert body["database"]["reachable"] is True


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client: Any) -> None:
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/people/" in schema["paths"]
    assert "Problem" in schema["components"]["schemas"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # assets come from the installed sidecar package


@pytest.mark.django_db
def test_demo_is_idempotent(demo: dict[str, Any]) -> None:
    from django.apps import apps

    call_command("demo")  # the fixture leaves out the appraisal demo; the command adds it once
    counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
    # Nanjing's session awaiting approval (4 candidates) and Suzhou's issued and published one (2; R3.8)
    assert counts["appraisal.AppraisalSession"] == 2 and counts["appraisal.Enrolment"] == 6
    assert counts["certificates.Certificate"] == 2 and counts["publication.Release"] == 1
    call_command("demo")
    assert {m._meta.label: m.objects.count() for m in apps.get_models()} == counts


def _po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:

            def join(s: str) -> str:
                return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s)).replace('\\"', '"')

            if join(msgid.group(1)):
                entries[join(msgid.group(1))] = join(msgstr.group(1))
    return entries


def test_x3_every_ui_string_has_a_chinese_translation_and_the_mo_is_current() -> None:
    entries = _po_entries()
    assert len(entries) > 100
    untranslated = [k for k, v in entries.items() if not v]
    assert untranslated == []
    with (LOCALE / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [k for k, v in entries.items() if "%(" not in k and compiled.gettext(k) != v]
    assert stale == [], "run: cd src/skillcert && skillcert compilemessages"


@pytest.mark.django_db
def test_x3_chinese_by_default_english_on_request(login: Any) -> None:
    client = login("nj_admin")
    zh = client.get("/manage/").content.decode()
    assert 'lang="zh-hans"' in zh and "工作台" in zh and "登记人员" in zh
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/manage/"})
    assert response.status_code == 302
    en = client.get("/manage/").content.decode()
    assert 'lang="en"' in en and "Dashboard" in en and "Registered people" in en and "工作台" not in en


@pytest.mark.django_db
def test_navigation_follows_roles(login: Any) -> None:
    station = login("nj003").get("/manage/").content.decode()
    assert "/manage/people/" in station and "/manage/audit/" not in station
    auditor = login("js_auditor").get("/manage/").content.decode()
    assert "/manage/audit/" in auditor


@pytest.mark.django_db
def test_django_admin_is_for_system_administrators_only(login: Any) -> None:
    assert login("sysadmin").get("/admin/").status_code == 200
    response = login("js_leader").get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_login_page_and_redirect(client: Any, demo: dict[str, Any]) -> None:
    from skillcert.core.demo import demo_password

    assert client.get("/manage/").status_code == 302
    response = client.post("/manage/login/", {"username": "nj003", "password": demo_password()})
    assert response.status_code == 302 and response["Location"] == "/manage/"
    client.post("/manage/logout/")
    bad = client.post("/manage/login/", {"username": "nj003", "password": "wrong-password"})
    assert bad.status_code == 200 and bad.context["form"].errors
    assert client.get("/manage/").status_code == 302


@pytest.mark.django_db
def test_occupation_list_has_real_catalog_and_csv_export(login: Any) -> None:
    client = login("nj003")
    page = client.get("/manage/occupations/?q=车工").content.decode()
    assert "6-18-01-01" in page
    csv_text = client.get("/manage/occupations/?q=6-18&export=csv").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("职业编码 Code")
    assert all(",6-18-" in f",{line}" for line in lines[1:]) and len(lines) > 10


def test_stylesheet_is_served_without_debug(client: Any, settings: Any) -> None:
    assert settings.DEBUG is False
    response = client.get("/static/skillcert/app.css")
    assert response.status_code == 200
    assert b".topbar" in b"".join(response.streaming_content)


def test_openapi_schema_generates_without_warnings(tmp_path: Any) -> None:
    """X4: the documented API is complete — drf-spectacular resolves every serializer and enum."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    assert "/api/v1/certificates/" in target.read_text()


def test_too_many_fields_is_a_problem_json_400(api: Any, settings: Any) -> None:
    """A body with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS gets problem JSON, not Django's HTML
    error page (found by the schema fuzz on POST /api/v1/printing/jobs/)."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(["certificates=1"] * 50)
    r = api("nj_admin").post("/api/v1/printing/jobs/", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "request.too_large"
