"""The back office in a real browser (headless Debian Chromium via Playwright), in Chinese then English.

One walk per language: login page -> log in as the Nanjing certificate administrator -> dashboard ->
people list, with a full-page screenshot of each step under var/screenshots/. Checks along the way:
the language really switched (X3), the people list is scoped to the user's subtree (X1), and no full
ID number reaches the page (X7).

Uses the system chromium (never `playwright install`): without /usr/bin/chromium the test skips and
says how to get it.
"""

from __future__ import annotations

import contextlib
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillcert.people.idnumber import check_character

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1280, 800
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
USERNAME = "nj_admin"
TIMEOUT_MS = 20_000

# Any 18-character resident ID number (17 digits + digit/X) standing alone in the page (X7).
FULL_ID = re.compile(r"(?<![\dA-Za-z*])\d{17}[\dXx](?![\dA-Za-z])")
MASKED_ID = re.compile(r"\b\d{3}\*{11}[\dX]{4}\b")

# What each language must show. The people-list column heads come from PERSON_COLUMNS (zh/en pairs).
TEXT: dict[str, dict[str, Any]] = {
    "zh-hans": {
        "login_title": "登录",
        "login_heading": "业务系统登录",
        "login_labels": ["用户名", "密码"],
        "login_button": "登录",
        "brand": "职业资格证书管理平台",
        "dashboard_heading": "工作台",
        "people_card": "登记人员",
        "nav": ["工作台", "机构", "人员"],
        "logout": "退出",
        "people_heading": "人员",
        "people_columns": ["姓名", "证件号码(脱敏)", "登记机构"],
        "people_count": "共 {n} 条记录",
        "filter_button": "筛选",
        "foreign": ["Dashboard", "Registered people", "Back office log in", "Log out"],
    },
    "en": {
        "login_title": "Log in",
        "login_heading": "Back office log in",
        "login_labels": ["Username", "Password"],
        "login_button": "Log in",
        "brand": "Skill Certificate Platform",
        "dashboard_heading": "Dashboard",
        "people_card": "Registered people",
        "nav": ["Dashboard", "Organisations", "People"],
        "logout": "Log out",
        "people_heading": "People",
        "people_columns": ["Name", "Document number (masked)", "Registered at"],
        "people_count": "{n} records",
        "filter_button": "Filter",
        "foreign": ["工作台", "登记人员", "业务系统登录", "退出", "证件号码(脱敏)"],
    },
}
SUFFIX = {"zh-hans": "zh", "en": "en"}


# --- PNG check without Pillow ----------------------------------------------------------------------


def png_facts(path: Path) -> dict[str, int]:
    """Width, height and number of distinct decompressed bytes of a PNG; raises on a broken file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: not a PNG"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path.name}: bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height, bit_depth, color_type = struct.unpack(">IIBB", body[:10])
            channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
            row_bytes = 1 + width * channels * bit_depth // 8
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) == height * row_bytes, f"{path.name}: pixel data does not match {width}x{height}"
    return {"width": width, "height": height, "distinct_bytes": len(set(raw))}


def check_screenshot(path: Path) -> None:
    assert path.is_file(), f"screenshot missing: {path}"
    size = path.stat().st_size
    assert size > 10_000, f"{path.name} is only {size} bytes"
    facts = png_facts(path)
    assert facts["width"] == WIDTH, f"{path.name}: {facts}"
    assert facts["height"] >= HEIGHT, f"{path.name}: {facts}"
    assert facts["distinct_bytes"] > 32, f"{path.name} looks blank: {facts}"


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def browser_demo(transactional_db: None, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Catalogs + demo tree committed for the live server thread; what the Nanjing admin should see."""
    if not CHROMIUM.exists():
        pytest.skip(f"chromium not installed ({CHROMIUM} missing): run scripts/ensure-system-packages")
    from skillcert.catalog.seed import load_catalogs
    from skillcert.core import demo

    # Transactional tests flush the tables, including the catalogs django_db_setup loaded once.
    load_catalogs()
    demo.load_demo()

    parents = {code: parent for code, _name, _en, _kind, parent, _extra in demo.ORGS}
    nanjing = {code for code, parent in parents.items() if parent == "JS-NJ"}
    in_scope = [name for org, name, *_ in demo.PEOPLE if org in nanjing]
    out_of_scope = [name for org, name, *_ in demo.PEOPLE if org not in nanjing]
    full_numbers = [body + check_character(body) for _org, _name, body, *_ in demo.PEOPLE]
    # Playwright's sync API keeps an event loop running in this thread; the ORM would refuse to run.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return {
        "url": live_server.url,
        "password": demo.demo_password(),
        "in_scope": in_scope,
        "out_of_scope": out_of_scope,
        "full_numbers": full_numbers,
    }


@contextlib.contextmanager
def open_page(base_url: str, problems: list[str]) -> Iterator[Any]:
    """A page in headless Debian Chromium as a Chinese user's browser (zh-CN falls back to zh-hans),
    collecting page errors, failed HTTP answers and Content-Security-Policy refusals into `problems`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT},
                device_scale_factor=1,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                base_url=base_url,
            )
            context.set_default_timeout(TIMEOUT_MS)
            pg = context.new_page()
            pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            # Whatever the Content-Security-Policy blocks is a broken page (issue 13 item 7).
            pg.on(
                "console",
                lambda m: (
                    problems.append(f"console: {m.text}") if "Content Security Policy" in m.text else None
                ),
            )
            pg.on(
                "response",
                lambda r: (
                    problems.append(f"HTTP {r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            try:
                yield pg
            finally:
                # While Playwright's loop runs, Django's connections are per-contextvars, not per-thread:
                # ORM queries in the test body open a connection of their own. Close it, or PostgreSQL
                # refuses to drop the test database ("being accessed by other users").
                from django.db import connections

                connections.close_all()
            context.close()
        finally:
            browser.close()


@pytest.fixture
def page(browser_demo: dict[str, Any]) -> Iterator[Any]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*-[ez][nh].png"):  # never pass on a previous run's pictures
        old.unlink()
    browser_demo["problems"] = []
    with open_page(browser_demo["url"], browser_demo["problems"]) as pg:
        yield pg


# --- the walk ----------------------------------------------------------------------------------------


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def body_text(page: Any) -> str:
    return page.locator("body").inner_text()


def check_chrome(page: Any, lang: str, data: dict[str, Any]) -> None:
    """What every page shows in the given language, styled, without failed requests."""
    t = TEXT[lang]
    assert data["problems"] == [], data["problems"]
    assert page.evaluate("getComputedStyle(document.querySelector('header.topbar')).display") == "flex", (
        "app.css not applied"
    )
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("header.topbar .brand").inner_text().strip().endswith(t["brand"])
    assert page.locator(f'button[data-lang="{lang}"]').get_attribute("class") == "current"
    text = body_text(page)
    for foreign in t["foreign"]:
        assert foreign not in text, f"{foreign!r} shown on a {lang} page"


def walk(page: Any, lang: str, data: dict[str, Any]) -> None:
    t, sfx = TEXT[lang], SUFFIX[lang]

    # 1. login page
    shoot(page, f"login-{sfx}.png")
    assert page.url.endswith("/manage/login/")
    check_chrome(page, lang, data)
    assert t["login_title"] in page.title()
    card = page.locator(".login-card")
    assert card.locator("h1").inner_text() == t["login_heading"]
    assert [card.locator(f'label[for="id_{f}"]').inner_text() for f in ("username", "password")] == t[
        "login_labels"
    ]
    assert card.locator("button[type=submit]").inner_text() == t["login_button"]
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", data["password"])
    with page.expect_navigation():
        card.locator("button[type=submit]").click()

    # 2. dashboard: the number of people in scope
    shoot(page, f"dashboard-{sfx}.png")
    assert page.url == data["url"] + "/manage/", f"login failed, at {page.url}: {body_text(page)[:300]}"
    check_chrome(page, lang, data)
    assert page.locator("main h1").inner_text() == t["dashboard_heading"]
    nav = page.locator("nav.sidenav > a").all_inner_texts()
    assert all(label in nav for label in t["nav"]), nav
    assert page.locator("header form[action$='/logout/'] button").inner_text() == t["logout"]
    cards = {
        c.locator("div").nth(1).inner_text(): c.locator(".num").inner_text()
        for c in page.locator(".cards .card").all()
    }
    assert cards.get(t["people_card"]) == str(len(data["in_scope"])), cards

    # 3. people list: scoped (X1), masked (X7)
    page.goto("/manage/people/")
    shoot(page, f"people-{sfx}.png")
    check_chrome(page, lang, data)
    assert page.locator("main h1").inner_text() == t["people_heading"]
    heads = page.locator("table.grid thead th").all_inner_texts()
    assert all(h in heads for h in t["people_columns"]), heads
    assert page.locator("form.filters button[type=submit]").inner_text() == t["filter_button"]
    text = body_text(page)
    assert t["people_count"].format(n=len(data["in_scope"])) in text
    names = page.locator("table.grid tbody tr td:first-child").all_inner_texts()
    assert sorted(names) == sorted(data["in_scope"]), names
    for name in data["out_of_scope"]:
        assert name not in text, f"{name} (outside Nanjing) listed for {USERNAME}"
    assert len(MASKED_ID.findall(text)) == len(data["in_scope"]), text
    html = page.content()
    for source in (text, html):
        assert not FULL_ID.findall(source), f"full ID number on the page: {FULL_ID.findall(source)}"
    for number in data["full_numbers"]:
        assert number not in html


@pytest.mark.browser
def test_back_office_in_chinese_then_english(page: Any, browser_demo: dict[str, Any]) -> None:
    page.goto("/manage/login/")
    walk(page, "zh-hans", browser_demo)

    # Log out (back to the login page), then switch language with the top-bar button.
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()
    assert page.url.endswith("/manage/login/")
    with page.expect_navigation():
        page.locator('header .lang-switch button[data-lang="en"]').click()
    walk(page, "en", browser_demo)

    assert browser_demo["problems"] == []
    for lang in ("zh", "en"):
        for step in ("login", "dashboard", "people"):
            check_screenshot(SCREENSHOTS / f"{step}-{lang}.png")
