"""Pages with their own Content-Security-Policy allowances, in headless Debian Chromium (issue 13 item 7).

The API docs (drf-spectacular's Swagger UI from the sidecar package) start from a script file of their own
(no inline script) and draw the operations under the policy; the browser reports no refusal.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser import CHROMIUM, SCREENSHOTS, check_screenshot, open_page

pytestmark = pytest.mark.browser


def test_x4_api_docs_render_under_the_policy(
    transactional_db: None, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"chromium not installed ({CHROMIUM} missing): run scripts/ensure-system-packages")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the other browser tests: Playwright's loop
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with open_page(live_server.url, problems) as page:
        response = page.goto("/api/v1/docs/")
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".swagger-ui .info .title")
        assert "skillcert API" in page.locator(".swagger-ui .info .title").inner_text()
        # The operations came from /api/v1/schema/. (No wait_for_function here: Playwright evaluates its
        # text with eval, which the policy refuses.)
        first = page.locator(".swagger-ui .opblock .opblock-summary-path").first
        first.wait_for()
        assert first.inner_text().startswith("/api/v1/")
        path = SCREENSHOTS / "api-docs.png"
        page.screenshot(path=str(path))
        check_screenshot(path)
    assert problems == [], problems
