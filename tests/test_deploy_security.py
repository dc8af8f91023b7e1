"""Production security settings (issue 13 item 7; X7, R3.9; docs/operations.md "Security settings").

- The settings module, loaded afresh under a production environment, turns on secure cookies, HSTS and
  the redirect to HTTPS, trusts X-Forwarded-Proto only when SKILLCERT_TLS_PROXY says a proxy sets it,
  and in development turns off only what needs HTTPS.
- With those values, real responses carry HSTS, the Content-Security-Policy and secure cookies; the
  lean verification front (verification/front.py) answers with the same headers as Django.
- `skillcert check --deploy` in the documented production configuration finds nothing
  (scripts/check-deploy, which `make lint` and so CI run).
- `skillcert serve` refuses DEBUG, and production without HTTPS reaching it.
- No template has an inline event handler, a style attribute or an inline script without the nonce:
  the policy would block them.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import CommandError, call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

import skillcert
from skillcert.core.demo import demo_password
from skillcert.verification.tests.test_fast import lifecycle_certs  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_FILE = Path(skillcert.__file__).with_name("settings.py")
SECURITY_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
)
HTTPS_PROXY = {"HTTP_X_FORWARDED_PROTO": "https"}


def load_settings(monkeypatch: Any, tmp_path: Path, **env: str) -> ModuleType:
    """skillcert/settings.py executed afresh as a module of its own, under this environment."""
    for name in ("SKILLCERT_ENV", "SKILLCERT_TLS_PROXY", "DEBUG", *SECURITY_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SKILLCERT_VAR_DIR", str(tmp_path / "var"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("skillcert_settings_probe", SETTINGS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def apply(settings: Any, module: ModuleType) -> None:
    """The security settings of `module` in force for this test (the rest stays the test suite's)."""
    for name in SECURITY_SETTINGS:
        if hasattr(module, name):
            setattr(settings, name, getattr(module, name))
        elif hasattr(settings, name):
            delattr(settings, name)
    settings.CONTENT_SECURITY_POLICY = module.CONTENT_SECURITY_POLICY


def test_production_is_the_default_and_development_turns_off_only_https(
    monkeypatch: Any, tmp_path: Path
) -> None:
    production = load_settings(monkeypatch, tmp_path)
    assert production.SKILLCERT_ENV == "production"
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.LANGUAGE_COOKIE_SECURE and production.SECURE_SSL_REDIRECT
    assert production.SECURE_HSTS_SECONDS == 31_536_000 and production.SECURE_HSTS_INCLUDE_SUBDOMAINS
    assert not production.SECURE_HSTS_PRELOAD  # the domain owner's commitment, opt-in
    assert not hasattr(production, "SECURE_PROXY_SSL_HEADER")  # no proxy said: the header is not trusted
    assert production.X_FRAME_OPTIONS == "DENY" and production.SECURE_CONTENT_TYPE_NOSNIFF
    assert production.SECURE_REFERRER_POLICY == "same-origin"
    assert production.SESSION_COOKIE_SAMESITE == "Lax" and production.SESSION_COOKIE_HTTPONLY
    assert not production.DEBUG

    proxied = load_settings(monkeypatch, tmp_path, SKILLCERT_TLS_PROXY="1", SECURE_HSTS_PRELOAD="1")
    assert proxied.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxied.SECURE_HSTS_PRELOAD and "security.W021" not in proxied.SILENCED_SYSTEM_CHECKS

    development = load_settings(monkeypatch, tmp_path, SKILLCERT_ENV="development")
    assert not development.SESSION_COOKIE_SECURE and not development.CSRF_COOKIE_SECURE
    assert not development.SECURE_SSL_REDIRECT and development.SECURE_HSTS_SECONDS == 0
    # What does not need HTTPS stays on.
    assert development.CONTENT_SECURITY_POLICY == production.CONTENT_SECURITY_POLICY
    assert development.X_FRAME_OPTIONS == "DENY"

    one_off = load_settings(monkeypatch, tmp_path, SKILLCERT_ENV="development", SESSION_COOKIE_SECURE="1")
    assert one_off.SESSION_COOKIE_SECURE and not one_off.CSRF_COOKIE_SECURE

    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="SKILLCERT_ENV"):
        load_settings(monkeypatch, tmp_path, SKILLCERT_ENV="prod")


@pytest.mark.django_db
def test_x7_production_responses_carry_hsts_csp_and_secure_cookies(
    settings: Any, monkeypatch: Any, tmp_path: Path, demo: dict[str, Any]
) -> None:
    apply(settings, load_settings(monkeypatch, tmp_path, SKILLCERT_TLS_PROXY="1"))
    client = Client()  # built after the settings: middleware reads them when it is made

    # Plain HTTP is sent to HTTPS; the loopback health check is not.
    plain = client.get("/manage/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/manage/login/"
    assert client.get("/healthz").status_code == 200

    page = client.get("/manage/login/", **HTTPS_PROXY)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page["X-Frame-Options"] == "DENY" and page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy and "unsafe-inline" not in policy
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"

    signed_in = client.post(
        "/manage/login/", {"username": "nj003", "password": demo_password()}, **HTTPS_PROXY
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True and session["httponly"] is True and session["samesite"] == "Lax"

    language = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, **HTTPS_PROXY)
    cookie = language.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] is True and cookie["httponly"] is True


@pytest.mark.django_db
def test_inline_scripts_carry_the_response_nonce(login: Any) -> None:
    """The statistics dashboard's inline script runs only because it carries this response's nonce."""
    client = login("js_auditor")
    page = client.get("/manage/reports/dashboard/")
    assert page.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", page["Content-Security-Policy"])
    assert nonce, page["Content-Security-Policy"]
    inline = re.findall(rb"<script( [^>]*)?>(?!</script>)", page.content)
    assert inline and all(f'nonce="{nonce.group(1)}"'.encode() in (attrs or b"") for attrs in inline)
    # ECharts' tooltips: style attributes on this page only.
    assert "style-src-attr 'unsafe-inline'" in page["Content-Security-Policy"]
    other = client.get("/manage/")
    assert "'nonce-" not in other["Content-Security-Policy"]  # no inline script there, no nonce offered
    assert "style-src-attr" not in other["Content-Security-Policy"]


@pytest.mark.django_db
def test_api_docs_page_needs_no_inline_script(client: Any) -> None:
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts), scripts  # the start-up script is a file
    policy = page["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self'" in policy
    start = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert start, html
    script = client.get(start.group(1).replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_no_template_has_what_the_policy_blocks() -> None:
    """Inline event handlers, `javascript:` URLs and style attributes are refused by the policy whatever
    the nonce; an inline <script> needs it."""
    source = Path(skillcert.__file__).parent
    templates = sorted(p for p in source.rglob("templates/**/*.html"))
    assert len(templates) > 50
    problems = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern, what in (
            (r"<[a-z][^>]*\son[a-z]+\s*=", "inline event handler"),
            (r"javascript:", "javascript: URL"),
            (r"<[a-z][^>]*\sstyle\s*=", "style attribute"),
            (r"<style", "inline <style>"),
        ):
            if re.search(pattern, text, re.IGNORECASE):
                problems.append(f"{path.relative_to(source)}: {what}")
        for attrs in re.findall(r"<script([^>]*)>", text):
            if "src=" not in attrs and 'type="application/json"' not in attrs and "csp_nonce" not in attrs:
                problems.append(f"{path.relative_to(source)}: inline <script> without the nonce")
    assert problems == []


@pytest.fixture
def wsgi_cycle() -> Iterator[None]:
    """As verification/tests/test_front.py: a real WSGI request's connection tidying would close the
    connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_front_and_django_give_the_same_production_headers(
    settings: Any,
    monkeypatch: Any,
    tmp_path: Path,
    wsgi_cycle: None,
    lifecycle_certs: dict[str, Any],  # noqa: F811
) -> None:
    """A plain lookup answered by the lean front carries exactly Django's headers under the production
    settings: HSTS, the policy, the frame and type options; plain HTTP is redirected by both."""
    from skillcert.certificates.services.lifecycle import current_view
    from skillcert.verification.tests.test_front import _both, _environ

    apply(settings, load_settings(monkeypatch, tmp_path, SKILLCERT_TLS_PROXY="1"))
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    cert = lifecycle_certs["plain"]
    body = {"method": "number", "number": cert.number, "name": current_view(cert)["name"]}
    expected, got = _both(lambda: _environ(body, **HTTPS_PROXY), WSGIHandler())
    assert got == expected and got[0].startswith("200")
    headers = dict(got[1])
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "same-origin"
    expected, got = _both(lambda: _environ(body), WSGIHandler())
    assert got == expected and got[0].startswith("301") and got[3] == []  # nothing looked up over HTTP


def test_check_deploy_finds_nothing_in_the_documented_production_configuration() -> None:
    """scripts/check-deploy: the environment of docs/operations.md, `check --deploy --fail-level WARNING`."""
    run = subprocess.run(
        ["bash", str(ROOT / "scripts" / "check-deploy")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "SKILLCERT_BIN": str(Path(sys.executable).parent)},
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "System check identified no issues (1 silenced)." in output, output
    assert "WARNING" not in output and "security.W" not in output


def test_serve_refuses_debug(settings: Any) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--dry-run", "--workers", "1")
    message = str(refused.value)
    assert "DEBUG 已开启" in message and "DEBUG is on" in message


def test_serve_refuses_debug_from_the_command_line(tmp_path: Path) -> None:
    """`DEBUG=1 skillcert serve` exits non-zero with the message, before granian starts."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "1",
        "SKILLCERT_ENV": "development",
        "SKILLCERT_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "skillcert.manage", "serve", "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode != 0
    assert "DEBUG is on" in run.stderr and "DEBUG 已开启" in run.stderr and "granian" not in run.stdout


def test_serve_in_production_needs_https_to_reach_it(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    if hasattr(settings, "SECURE_PROXY_SSL_HEADER"):
        del settings.SECURE_PROXY_SSL_HEADER
    with pytest.raises(CommandError, match="SKILLCERT_TLS_PROXY"):
        call_command("serve", "--dry-run", "--workers", "1")
    tls = ["--", "--ssl-certificate", "c.pem", "--ssl-keyfile", "k.pem"]
    call_command("serve", "--dry-run", "--workers", "1", *tls)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    call_command("serve", "--dry-run", "--workers", "1")


def test_cached_csp_header_is_django_csps(settings: Any, rf: Any) -> None:
    """skillcert.core.csp.CSPMiddleware caches the plain header; it must equal django-csp's for the policy
    in force, follow a replaced policy, and leave nonces and per-view additions to django-csp."""
    from csp.constants import NONCE
    from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
    from django.http import HttpResponse

    from skillcert.core import csp

    def plain(request: Any) -> HttpResponse:
        return HttpResponse("{}", content_type="application/json")

    def with_nonce(request: Any) -> HttpResponse:
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')

    def with_bridge(request: Any) -> HttpResponse:
        return csp.allow(HttpResponse("x"), {"connect-src": ["http://127.0.0.1:19196"]})

    for policy in (settings.CONTENT_SECURITY_POLICY, {"DIRECTIVES": {"default-src": ["'none'"]}}):
        settings.CONTENT_SECURITY_POLICY = policy
        for view in (plain, with_bridge):
            ours = csp.CSPMiddleware(view)(rf.get("/"))["Content-Security-Policy"]
            assert ours == DjangoCSPMiddleware(view)(rf.get("/"))["Content-Security-Policy"], view
    assert csp.CSPMiddleware(plain)(rf.get("/"))["Content-Security-Policy"] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    response = csp.CSPMiddleware(with_nonce)(rf.get("/"))
    nonce = re.search(rb'nonce="([^"]+)"', response.content)
    assert nonce and f"'nonce-{nonce.group(1).decode()}'" in response["Content-Security-Policy"]
