from __future__ import annotations

import re
from typing import Any

import pyotp

from skillcert.accounts.services import totp

GOOD = "Kx7#mountain-River"


def post_login(client: Any, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post("/manage/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def enrol_via_http(client: Any, user: Any) -> str:
    """Follow the enrolment page: read the key shown beside the QR and confirm with a real code."""
    page = client.get("/manage/account/two-factor/enrol/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    match = re.search(r'class="totp-secret">([A-Z2-7]+)<', html)
    assert match
    secret = match.group(1)
    assert secret == totp.pending_secret(user)
    return secret


def code_for(secret: str, offset_steps: int = 0) -> str:
    import time

    return pyotp.TOTP(secret).at(int(time.time()) + 30 * offset_steps)
