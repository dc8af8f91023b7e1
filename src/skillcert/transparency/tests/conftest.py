from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_log_caches() -> Iterator[None]:
    """The per-process head and note caches (a second old at most) must not outlive a test database."""
    from skillcert.transparency.services.log import forget_notes

    forget_notes()
    yield
    forget_notes()
