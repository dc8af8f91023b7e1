"""Shared test fixtures: catalogs loaded once per test database, the demo organisation tree, clients."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Reference catalogs are part of every real installation, so every test database gets them."""
    from skillcert.catalog.seed import load_catalogs

    with django_db_blocker.unblock():
        load_catalogs()


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    """The demo tree (organisations, users with roles, people), keyed by code / username."""
    from django.contrib.auth import get_user_model

    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation

    load_demo(with_appraisal=False)  # tests build their own sessions
    orgs = {o.code: o for o in Organisation.objects.all()}
    users = {u.username: u for u in get_user_model().objects.all()}
    return {"orgs": orgs, "users": users}


@pytest.fixture
def login(client: Any, demo: dict[str, Any]) -> Any:
    """`login("nj003")` logs the Django test client in as a demo user and returns it."""

    def _login(username: str) -> Any:
        client.force_login(demo["users"][username])
        return client

    return _login


@pytest.fixture
def api(demo: dict[str, Any]) -> Any:
    """`api("nj003")` returns a DRF client authenticated with a new API token of that demo user."""
    from rest_framework.test import APIClient

    from skillcert.accounts.services.tokens import issue_api_token

    def _api(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            _, key = issue_api_token(demo["users"][username], label="test fixture")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return _api


@pytest.fixture(autouse=True)
def _backup_dirs(settings: Any, tmp_path_factory: Any) -> None:
    """Backups queued after a publication (R3.9) go to a temporary directory, never to ./var."""
    settings.SKILLCERT_BACKUP_DIR = tmp_path_factory.mktemp("backups")
    settings.SKILLCERT_BACKUP_TARGETS = []
