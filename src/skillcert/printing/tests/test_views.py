"""The printing pages (R0.2, R0.5, X1, X3): choose certificates, follow the job, download the PDF,
reprint, record the steel seal; printers with calibration by hand and from measurements."""

from __future__ import annotations

from typing import Any

import pytest

from skillcert.blanks.tests.helpers import stock
from skillcert.printing.choices import InsertState
from skillcert.printing.insert import CROSSHAIRS_MM
from skillcert.printing.models import Printer, PrintJob
from skillcert.printing.tests.helpers import issue_with_photos, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_print_reprint_and_seal_pages(
    login: Any, demo: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 3)
    client = login("nj_admin")
    city = demo["orgs"]["JS-NJ"]
    page = client.get("/manage/printing/new/", {"organisation": city.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert all(c.number in html for c in certs) and "南京市职业技能鉴定中心" in html
    assert "/manage/printing/" in client.get("/manage/").content.decode()  # in the navigation
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            "/manage/printing/new/",
            {"organisation": city.pk, "certificate": [str(c.pk) for c in certs[:2]]},
        )
    job = PrintJob.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/manage/printing/jobs/{job.pk}/"
    detail = client.get(made["Location"]).content.decode()
    assert "JS00000001" in detail and "JS00000002" in detail and certs[0].number in detail
    pdf = client.get(f"/manage/printing/jobs/{job.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and certs[0].number in pdf_text(pdf.content)
    # the remaining certificate still waits; the printed ones do not
    waiting = client.get("/manage/printing/new/", {"organisation": city.pk}).content.decode()
    assert certs[2].number in waiting and certs[0].number not in waiting
    first, second = job.items.order_by("position")
    sealed = client.post(f"/manage/printing/jobs/{job.pk}/action/", {"action": "seal", "item": [first.pk]})
    assert sealed.status_code == 302
    first.refresh_from_db()
    assert first.steel_seal_by == demo["users"]["nj_admin"]
    refused = client.post(
        f"/manage/printing/jobs/{job.pk}/action/",
        {"action": "reprint", "item": [second.pk], "reason": ""},
        follow=True,
    )
    assert "printing.reprint.reason" not in refused.content.decode()  # the message, not the code
    assert "重印原因" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            f"/manage/printing/jobs/{job.pk}/action/",
            {"action": "reprint", "item": [second.pk], "reason": "卡纸"},
        )
    second.refresh_from_db()
    assert second.state == InsertState.SPOILED and second.replaced_by is not None
    assert again["Location"] == f"/manage/printing/jobs/{second.replaced_by.print_job_id}/"


def test_scope_of_pages(login: Any, demo: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 1)
    with django_capture_on_commit_callbacks(execute=True):
        login("nj_admin").post(
            "/manage/printing/new/", {"organisation": demo["orgs"]["JS-NJ"].pk, "certificate": [certs[0].pk]}
        )
    job = PrintJob.objects.get()
    suzhou = login("sz001")
    assert suzhou.get(f"/manage/printing/jobs/{job.pk}/").status_code == 404
    assert suzhou.get(f"/manage/printing/jobs/{job.pk}/pdf/").status_code == 404
    assert certs[0].number not in suzhou.get("/manage/printing/new/").content.decode()
    assert login("js_auditor").get("/manage/printing/").status_code == 403


def test_printer_calibration_pages(login: Any, demo: dict[str, Any]) -> None:
    client = login("nj_admin")
    city = demo["orgs"]["JS-NJ"]
    made = client.post("/manage/printing/printers/", {"organisation": city.pk, "name": "HP M454"})
    printer = Printer.objects.get(name="HP M454")  # the demo has printers of its own
    assert made["Location"] == f"/manage/printing/printers/{printer.pk}/"
    bad = client.post(
        made["Location"],
        {"name": "HP M454", "offset_x_mm": "40", "offset_y_mm": "0", "scale": "1"},
        follow=True,
    )
    assert "±30" in bad.content.decode()
    client.post(
        made["Location"],
        {"name": "HP M454", "offset_x_mm": "1.2", "offset_y_mm": "-0.8", "scale": "1", "active": "on"},
    )
    printer.refresh_from_db()
    assert (str(printer.offset_x_mm), str(printer.offset_y_mm)) == ("1.20", "-0.80")
    # printed with that calibration, the crosshairs landed 0.5 mm right and 1 mm high, 0.2 % small
    (x1, y1), (x2, y2) = CROSSHAIRS_MM[0], CROSSHAIRS_MM[-1]
    k = 0.998

    def landed(x: float, y: float) -> tuple[float, float]:
        return 0.5 + k * (1.2 + x), -1.0 + k * (-0.8 + y)

    m1, m2 = landed(x1, y1), landed(x2, y2)
    client.post(
        made["Location"],
        {"action": "measured", "first_x": m1[0], "first_y": m1[1], "last_x": m2[0], "last_y": m2[1]},
    )
    printer.refresh_from_db()
    # with the new calibration every crosshair lands on its nominal place
    s, ox, oy = float(printer.scale), float(printer.offset_x_mm), float(printer.offset_y_mm)
    for x, y in CROSSHAIRS_MM:
        px, py = 0.5 + k * (ox + s * x), -1.0 + k * (oy + s * y)
        assert abs(px - x) < 0.05 and abs(py - y) < 0.05
    page = client.get(f"/manage/printing/printers/{printer.pk}/calibration.pdf")
    assert page["Content-Type"] == "application/pdf" and "HP M454" in pdf_text(page.content)
    assert login("sz001").get(f"/manage/printing/printers/{printer.pk}/").status_code == 404
