"""Job kinds: a job kind is a function `(job, progress) -> result`, registered by name.

Apps register their kinds in their own `jobs.py` (imported when the jobs app is ready), so the jobs
app depends on nobody.

Every kind declares how its params are authorised (issue 13 item 1, X1): `authorise(params, actor,
organisation)` resolves each object the params name through the actor's scope and returns the clean
params, or raises NotFound / ValidationFailed. It runs when the job is started and again, for the
job's actor, just before the job runs, so neither a crafted API request nor a role withdrawn in
between lets a job reach another organisation's records. A kind that services start on the user's
behalf (rendering a print job, an import of a file the service stored) is not startable through the
jobs API at all (`api=False`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Progress(Protocol):
    def total(self, n: int) -> None: ...
    def advance(self, n: int = 1, message: str | None = None) -> None: ...
    def error(self, record: str, field: str, code: str, message_zh: str, message_en: str) -> None: ...


JobFunction = Callable[[Any, Progress], Any]
# (params, actor, organisation) -> clean params; actor None is the system (jobs it queues itself).
Authorise = Callable[[dict[str, Any], Any, Any], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: JobFunction
    permission: str
    authorise: Authorise
    api: bool


_KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, permission: str, authorise: Authorise, api: bool = False
) -> Callable[[JobFunction], JobFunction]:
    """Register a job kind. `authorise` is required: a kind cannot be registered without saying how
    the objects its params name are checked against the actor's scope."""

    def register(fn: JobFunction) -> JobFunction:
        _KINDS[name] = JobKind(name, fn, permission, authorise, api)
        return fn

    return register


def no_params(params: dict[str, Any], actor: Any, organisation: Any) -> dict[str, Any]:
    """For kinds that take no params: any given are refused rather than ignored."""
    from skillcert.core.errors import field_error

    if params:
        raise field_error(
            None,
            "params",
            "jobs.params.unexpected",
            "此类任务不接受参数",
            "This kind of job takes no params",
        )
    return {}


def get_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds(*, api_only: bool = False) -> list[str]:
    return sorted(name for name, kind in _KINDS.items() if kind.api or not api_only)


def param_object(params: dict[str, Any], key: str, queryset: Any, organisation: Any, org_field: str) -> Any:
    """The object `params[key]` names, looked up in `queryset` (already scoped to the actor) and
    inside the job's organisation subtree (`org_field` names the object's organisation, "" for an
    organisation itself); NotFound otherwise — the same answer for an object that
    does not exist and one out of scope, so ids of other organisations cannot be probed."""
    from skillcert.core.errors import NotFound, field_error

    raw = params.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().isdigit():
        raise field_error(
            None,
            f"params.{key}",
            "jobs.params.invalid",
            f"参数{key}应为记录编号",
            f"params.{key} must be an id",
        )
    path_field = f"{org_field}__path" if org_field else "path"
    found = (
        queryset.filter(pk=int(raw), **{f"{path_field}__startswith": organisation.path}).first()
        if organisation is not None and organisation.path
        else None
    )
    if found is None:
        raise NotFound(
            "jobs.params.not_found",
            f"参数{key}所指的记录不存在或不在本机构范围内",
            f"The record params.{key} names does not exist in the job's organisation or your scope",
        )
    return found


def refuse_unknown_params(params: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    """Params a kind does not know are refused, never ignored: a typo must not widen an export."""
    from skillcert.core.errors import field_error

    unknown = sorted(set(params) - set(allowed))
    if unknown:
        listed = ", ".join(unknown)
        raise field_error(
            None,
            "params",
            "jobs.params.unexpected",
            f"未知参数：{listed}",
            f"Unknown params: {listed}",
        )
