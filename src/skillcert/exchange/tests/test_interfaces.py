"""The exchange faces (X4, X5, X6): back-office upload page → import job with progress and the XLSX error
report, REST API, CLI `skillcert import-certificates`, national export page, VC download, DID document."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from skillcert.certificates.models import Certificate
from skillcert.exchange import vc
from skillcert.exchange.tests.helpers import row, write_csv, write_xlsx
from skillcert.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_upload_page_runs_a_job_with_report(
    login: Any, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Upload → job page with row errors on screen → XLSX error report download (partial import)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    client = login("nj_admin")
    page = client.get("/manage/exchange/import/")
    assert page.status_code == 200 and "certificate_number" in page.content.decode()
    path = write_xlsx(tmp_path / "a.xlsx", [row(0), row(1, level="7"), row(2)])
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/manage/exchange/import/", {"organisation": "JS-NJ", "file": f, "partial": "on"}
        )
    assert response.status_code == 302
    job = Job.objects.get(kind="exchange.import_certificates")
    assert response["Location"] == f"/manage/jobs/{job.pk}/"
    result: Any = job.result
    assert job.status == "succeeded" and result["created"] == 2 and result["rejected"] == 1
    assert job.done == 3
    detail = client.get(response["Location"]).content.decode()
    assert "exchange.level.invalid" not in detail  # codes stay in the report; the page shows messages
    assert "等级应为1–5" in detail and "the level must be 1–5" in detail
    download = client.get(f"/manage/jobs/{job.pk}/download/")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    lines = list(book["错误 errors"].iter_rows(values_only=True))
    assert lines[1][:3] == (3, "level", "exchange.level.invalid")
    assert not list((settings.MEDIA_ROOT / "imports").iterdir())  # the upload is removed once read
    assert Certificate.objects.count() == 2
    assert login("nj003").get("/manage/exchange/import/").status_code == 403


def test_api_import_export_and_credential(
    api: Any, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    client = api("nj_admin")
    path = write_csv(tmp_path / "a.csv", [row(0), row(1)])
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/exchange/imports/", {"file": f, "organisation": "JS-NJ"}, format="multipart"
        )
    assert response.status_code == 202, response.content
    body = client.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert body["status"] == "succeeded" and body["result"]["created"] == 2
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        again = client.post("/api/v1/exchange/imports/", {"file": f}, format="multipart").json()
    again = client.get(f"/api/v1/jobs/{again['id']}/").json()
    assert again["result"]["status"] == "unchanged" and again["result"]["unchanged"] == 2

    with path.open("rb") as f:
        refused = api("nj003").post("/api/v1/exchange/imports/", {"file": f}, format="multipart")
    assert refused.status_code == 403 and refused.json()["code"] == "auth.not_permitted"
    with path.open("rb") as f:
        hidden = client.post(
            "/api/v1/exchange/imports/", {"file": f, "organisation": "JS-SZ"}, format="multipart"
        )
    assert hidden.status_code == 404

    national = client.get("/api/v1/exchange/national/", {"from": "2024-01-01", "to": "2024-12-31"})
    assert national.status_code == 200 and national.json()["count"] == 2
    bad = client.get("/api/v1/exchange/national/", {"from": "2024-13-01", "to": "2024-12-31"})
    assert bad.status_code == 400 and bad.json()["code"] == "exchange.date.format"

    credential = client.get("/api/v1/exchange/credentials/2410012003400001/").json()
    did = api(None).get("/issuers/JS-HRSS/did.json").json()
    key = vc.public_key_from_multibase(did["verificationMethod"][0]["publicKeyMultibase"])
    assert credential["issuer"]["id"] == did["id"] == "did:web:testserver:issuers:JS-HRSS"
    assert vc.verify_proof(credential, key)
    assert api("sz001").get("/api/v1/exchange/credentials/2410012003400001/").status_code == 404


def test_cli_import_all_or_nothing_then_partial(demo: dict[str, Any], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(0), row(1, name="")])
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import-certificates", str(path), "--org", "JS-NJ", stdout=io.StringIO(), stderr=err)
    assert "row 3 name [people.name.empty]" in err.getvalue()
    assert Certificate.objects.count() == 0
    out = io.StringIO()
    report = tmp_path / "r.xlsx"
    call_command(
        "import-certificates",
        str(path),
        "--org",
        "JS-NJ",
        "--partial",
        "--report",
        str(report),
        "--as",
        "nj_admin",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "committed: 2 rows, 1 created, 0 unchanged, 1 rejected" in out.getvalue()
    assert load_workbook(report)["错误 errors"].max_row == 2
    with pytest.raises(CommandError):
        call_command(
            "import-certificates",
            str(path),
            "--org",
            "ST-10012003",
            "--as",
            "nj003",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_export_page_and_credential_download(login: Any, demo: dict[str, Any], tmp_path: Path) -> None:
    from skillcert.exchange.services.imports import import_certificates

    import_certificates(write_csv(tmp_path / "a.csv", [row(0)]), actor=None, organisation=demo["orgs"]["JS"])
    client = login("js_leader")
    assert client.get("/manage/exchange/export/").status_code == 200
    response = client.get(
        "/manage/exchange/export/", {"organisation": "JS", "date_from": "2024-01-01", "date_to": "2024-12-31"}
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["count"] == 1
    vc_response = login("nj_admin").get("/manage/exchange/credentials/2410012003400001/")
    assert (
        vc_response.status_code == 200
        and json.loads(vc_response.content)["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    )


def test_cli_exports(demo: dict[str, Any], tmp_path: Path) -> None:
    """`skillcert export-national` and `skillcert export-credential` (R2.6)."""
    from skillcert.exchange.services.credentials import did_document
    from skillcert.exchange.services.imports import import_certificates

    import_certificates(
        write_csv(tmp_path / "a.csv", [row(0), row(1)]), actor=None, organisation=demo["orgs"]["JS"]
    )
    target = tmp_path / "n.json"
    err = io.StringIO()
    call_command(
        "export-national",
        "--org",
        "JS",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--out",
        str(target),
        stderr=err,
    )
    assert json.loads(target.read_text("utf-8"))["count"] == 2 and "2 certificates" in err.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "export-national", "--org", "JS", "--from", "2024-01-01", "--to", "2024-12-31", "--as", "nj003"
        )
    out = io.StringIO()
    call_command("export-credential", "2410012003400002", "--host", "certs.example.cn", stdout=out)
    credential = json.loads(out.getvalue())
    method = did_document(demo["orgs"]["JS-HRSS"], "certs.example.cn")["verificationMethod"][0]
    assert vc.verify_proof(credential, vc.public_key_from_multibase(method["publicKeyMultibase"]))
