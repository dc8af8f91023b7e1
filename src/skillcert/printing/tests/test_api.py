"""The printing REST API (X4, X1, X7): printers and calibration page, print jobs, items, PDF, reprint,
steel seal, and the certificates waiting to be printed — scoped, with problem+json errors."""

from __future__ import annotations

from typing import Any

import pytest

from skillcert.blanks.tests.helpers import stock
from skillcert.certificates.services.lifecycle import current_id_cipher
from skillcert.people.protect import decrypt
from skillcert.printing.models import PrintJob
from skillcert.printing.tests.helpers import issue_with_photos, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_print_through_the_api(
    api: Any, demo: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 3)
    client = api("nj003")  # a station operator prints on the Nanjing centre's stock (R1.8)
    station = demo["orgs"]["ST-10012003"]
    waiting = client.get("/api/v1/printing/jobs/printable/", {"organisation": station.pk})
    assert waiting.status_code == 200
    rows = waiting.json()["results"]
    assert sorted(r["number"] for r in rows) == sorted(c.number for c in certs)
    assert all("*" in r["id_number_masked"] for r in rows)  # masked only (X7)
    printer = client.post(
        "/api/v1/printing/printers/",
        {"organisation": station.pk, "name": "Canon LBP", "offset_x_mm": "1.25", "scale": "1.0010"},
        format="json",
    )
    assert printer.status_code == 201, printer.json()
    bad = client.patch(f"/api/v1/printing/printers/{printer.json()['id']}/", {"scale": "1.2"}, format="json")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    page = client.get(f"/api/v1/printing/printers/{printer.json()['id']}/calibration-page/")
    assert page.status_code == 200 and page["Content-Type"] == "application/pdf"
    assert "+1.25 mm" in pdf_text(page.content)

    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            "/api/v1/printing/jobs/",
            {
                "organisation": station.pk,
                "certificates": [c.pk for c in certs],
                "printer": printer.json()["id"],
            },
            format="json",
        )
    assert made.status_code == 201, made.json()
    [job] = made.json()
    assert job["holder"] == demo["orgs"]["JS-NJ"].pk and job["item_count"] == 3
    assert job["calibration"]["offset_x_mm"] == "1.25"
    detail = client.get(f"/api/v1/printing/jobs/{job['id']}/").json()
    assert detail["status"] == "ready" and detail["pages"] == 2
    items = client.get(f"/api/v1/printing/jobs/{job['id']}/items/").json()
    assert [i["serial_text"] for i in items] == ["JS00000001", "JS00000002", "JS00000003"]
    assert [i["sheet"] for i in items] == [1, 1, 2]
    pdf = client.get(f"/api/v1/printing/jobs/{job['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    full = decrypt(current_id_cipher(certs[0]))
    assert certs[0].number in text and full in text  # the insert carries the full number …
    assert full not in made.content.decode() and full not in str(items)  # … the JSON never does

    sealed = client.post(
        f"/api/v1/printing/jobs/{job['id']}/steel-seal/", {"items": [items[0]["id"]]}, format="json"
    )
    assert sealed.status_code == 200 and sealed.json()[0]["steel_seal_by"] == "nj003"
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            f"/api/v1/printing/jobs/{job['id']}/reprint/",
            {"items": [items[1]["id"]], "reason": "卡纸"},
            format="json",
        )
    assert again.status_code == 201, again.json()
    assert again.json()["kind"] == "reprint" and again.json()["parent"] == job["id"]
    new_items = client.get(f"/api/v1/printing/jobs/{again.json()['id']}/items/").json()
    assert [i["serial_text"] for i in new_items] == ["JS00000004"]
    twice = client.post(
        f"/api/v1/printing/jobs/{job['id']}/reprint/",
        {"items": [items[1]["id"]], "reason": "x"},
        format="json",
    )
    assert twice.status_code == 409 and twice.json()["code"] == "printing.item.spoiled"
    # another job's item through this job's URL is not found
    foreign = client.post(
        f"/api/v1/printing/jobs/{job['id']}/steel-seal/", {"items": [new_items[0]["id"]]}, format="json"
    )
    assert foreign.status_code == 404


def test_scope_and_errors(api: Any, demo: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 2)
    with django_capture_on_commit_callbacks(execute=True):
        made = api("nj_admin").post(
            "/api/v1/printing/jobs/",
            {"organisation": demo["orgs"]["JS-NJ"].pk, "certificates": [c.pk for c in certs]},
            format="json",
        )
    job_id = made.json()[0]["id"]
    suzhou = api("sz001")
    assert suzhou.get(f"/api/v1/printing/jobs/{job_id}/").status_code == 404  # X1
    assert suzhou.get(f"/api/v1/printing/jobs/{job_id}/pdf/").status_code == 404
    assert suzhou.get("/api/v1/printing/jobs/").json()["count"] == 0
    other = suzhou.post(
        "/api/v1/printing/jobs/",
        {"organisation": demo["orgs"]["JS-NJ"].pk, "certificates": [certs[0].pk]},
        format="json",
    )
    assert other.status_code == 404 and other.json()["code"] == "printing.organisation.not_found"
    own = suzhou.post(
        "/api/v1/printing/jobs/",
        {"organisation": demo["orgs"]["ST-10052001"].pk, "certificates": [certs[0].pk]},
        format="json",
    )
    assert own.status_code == 404 and own.json()["code"] == "printing.certificate.not_found"
    empty = api("nj_admin").post(
        "/api/v1/printing/jobs/",
        {"organisation": demo["orgs"]["JS-NJ"].pk, "certificates": []},
        format="json",
    )
    assert empty.status_code == 400
    again = api("nj_admin").post(
        "/api/v1/printing/jobs/",
        {"organisation": demo["orgs"]["JS-NJ"].pk, "certificates": [certs[0].pk]},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "printing.certificate.already_printed"
    assert api(None).get("/api/v1/printing/jobs/").status_code == 401
    PrintJob.objects.filter(pk=job_id).update(status="rendering", file="")
    assert api("nj_admin").get(f"/api/v1/printing/jobs/{job_id}/pdf/").status_code == 409
