"""The statistics dashboard, a report page and the deadline tracker in headless Debian Chromium
(Playwright), with screenshots under var/screenshots/ for review.

As the provincial auditor (js_auditor; the centre leader must now pass TOTP first): the dashboard
draws its charts with the vendored ECharts
from the dashboard API (certificates per month and level, by occupation, pass rates, blank stock (none in
this demo), verification lookups with a not-found spike on one prefix flagged); the Nanjing quarterly
report shows both tables; the deadline tracker shows who is overdue. No request fails, no script error.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.test_browser import CHROMIUM, SCREENSHOTS, open_page
from tests.test_browser import check_screenshot as check_png

pytestmark = pytest.mark.browser


@pytest.fixture
def reports_demo(transactional_db: None, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"chromium not installed ({CHROMIUM} missing): run scripts/ensure-system-packages")
    from django.utils import timezone

    from skillcert.catalog.seed import load_catalogs
    from skillcert.core import demo
    from skillcert.orgs.models import Organisation
    from skillcert.reports.tests.factories import appraisal
    from skillcert.verification.models import LookupLog

    load_catalogs()
    demo.load_demo(with_appraisal=False)
    orgs = {o.code: o for o in Organisation.objects.all()}
    today = timezone.localdate()
    plan = [
        ("ST-10012003", ("6-18-01-01", 4), (12, 3, 1)),
        ("ST-10012003", ("6-18-01-02", 5), (8, 2, 0)),
        ("ST-10012005", ("6-29-03-01", 3), (6, 4, 1)),
        ("ST-10052001", ("4-01-02-01", 5), (10, 1, 0)),
        ("ST-10052001", ("6-18-01-01", 2), (3, 2, 0)),
    ]
    for months_back in range(0, 12, 2):
        day = (today.replace(day=1) - datetime.timedelta(days=30 * months_back)).replace(day=10)
        for code, subject, counts in plan:
            scaled = tuple(max(0, n - months_back // 3) for n in counts)
            appraisal(orgs[code], day, {subject: scaled})
    appraisal(orgs["ST-10012003"], datetime.date(2026, 4, 10), {("6-18-01-01", 4): (9, 2, 1)})
    appraisal(orgs["ST-10052001"], datetime.date(2026, 5, 10), {("4-01-02-01", 5): (7, 1, 0)})
    # 30 days of public lookups on two prefixes, and a burst of not-found lookups on a third 4 days ago.
    for back in range(30):
        day = timezone.now() - datetime.timedelta(days=back)
        results = [("261001", "valid")] * (40 + back % 7) + [("261001", "not_found")] * 2
        results += [("261005", "valid")] * (25 + back % 5) + [("261005", "not_found")] * (1 + back % 2)
        if back == 4:
            results += [("269901", "not_found")] * 60
        created = LookupLog.objects.bulk_create(
            [LookupLog(channel="web", method="number", result=r, number_prefix=p) for p, r in results]
        )
        LookupLog.objects.filter(pk__in=[log.pk for log in created]).update(at=day)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return {"url": live_server.url, "password": demo.demo_password(), "orgs": orgs}


def test_dashboard_report_and_deadlines_in_chromium(reports_demo: dict[str, Any]) -> None:
    """Dashboards with charts, a report and the deadline tracker, as the provincial centre sees them."""
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with open_page(reports_demo["url"], problems) as page:
        page.goto("/manage/login/")
        page.fill("#id_username", "js_auditor")
        page.fill("#id_password", reports_demo["password"])
        with page.expect_navigation():
            page.locator(".login-card button[type=submit]").click()

        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto("/manage/reports/dashboard/")
        page.wait_for_selector("#dashboard[data-state=ready]")
        for chart in ("chart-cert-month", "chart-cert-occupation", "chart-pass-month", "chart-pass-level",
                      "chart-lookups", "chart-prefix"):  # fmt: skip
            assert page.locator(f"#{chart} canvas").count() == 1, chart
        # The blank ledger is wired; this demo (without appraisal data) holds no stock: "no data", not
        # "not available" (R1.6).
        stock = page.locator("#chart-stock").inner_text()
        assert "本期暂无数据" in stock and "不可用" not in stock
        spikes = page.locator("#spikes").inner_text()
        assert "269901" in spikes and "60" in spikes
        # ECharts' tooltip (HTML with style attributes, allowed on this page only: issue 13 item 7).
        page.hover("#chart-cert-month canvas", position={"x": 200, "y": 150})
        page.locator("#chart-cert-month > div").nth(1).wait_for(state="visible")
        path = SCREENSHOTS / "reports-dashboard-zh.png"
        page.screenshot(path=str(path), full_page=True)
        check_png(path)

        # The organisation list submits on change (skillcert/app.js: no inline handler under the policy).
        nj = reports_demo["orgs"]["JS-NJ"]
        with page.expect_navigation():
            page.select_option("select[name=organisation]", str(nj.pk))
        assert f"organisation={nj.pk}" in page.url
        page.wait_for_selector("#dashboard[data-state=ready]")

        page.goto(f"/manage/reports/{nj.pk}/2026Q2/")
        text = page.locator("main").inner_text()
        assert "综合情况表" in text and "职业工种情况报表" in text and "南京市第003号职业技能鉴定站" in text
        path = SCREENSHOTS / "reports-report-zh.png"
        page.screenshot(path=str(path), full_page=True)
        check_png(path)

        page.goto("/manage/reports/deadlines/?kind=quarter&year=2026")
        assert "逾期未报" in page.locator("#deadlines").inner_text()
        path = SCREENSHOTS / "reports-deadlines-zh.png"
        page.screenshot(path=str(path), full_page=True)
        check_png(path)
    assert problems == [], problems
