"""Job kinds: a job kind is a function `(job, progress) -> result`, registered by name.

Apps register their kinds in their own `jobs.py` (imported when the jobs app is ready), so the jobs
app depends on nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Progress(Protocol):
    def total(self, n: int) -> None: ...
    def advance(self, n: int = 1, message: str | None = None) -> None: ...
    def error(self, record: str, field: str, code: str, message_zh: str, message_en: str) -> None: ...


JobFunction = Callable[[Any, Progress], Any]
_KINDS: dict[str, tuple[JobFunction, str]] = {}


def job_kind(name: str, permission: str = "jobs.run") -> Callable[[JobFunction], JobFunction]:
    def register(fn: JobFunction) -> JobFunction:
        _KINDS[name] = (fn, permission)
        return fn

    return register


def get_kind(name: str) -> tuple[JobFunction, str] | None:
    return _KINDS.get(name)


def kinds() -> list[str]:
    return sorted(_KINDS)
