"""Who is acting, through which channel, in which request or job.

Set by the request middleware, by management commands and by job runners, so that `log_action` knows
the actor and the request/job id even outside HTTP (design.md anti-pattern: audit that only works in
requests).
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ActionContext:
    channel: str = "system"  # web | api | cli | job | system
    request_id: str = ""
    job_id: str = ""
    actor: Any = None  # a User, or None for the system actor
    actor_label: str = "system"
    client_address: str = ""


_current: contextvars.ContextVar[ActionContext] = contextvars.ContextVar(
    "skillcert_action_context",
    default=ActionContext(),  # noqa: B039 - frozen, never mutated
)


def current() -> ActionContext:
    return _current.get()


@contextlib.contextmanager
def acting(**changes: Any) -> Iterator[ActionContext]:
    """Run a block with the context changed; nested blocks inherit what they don't override."""
    ctx = replace(_current.get(), **changes)
    if not ctx.request_id and ctx.channel in {"cli", "job", "system"}:
        ctx = replace(ctx, request_id=uuid.uuid4().hex)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
