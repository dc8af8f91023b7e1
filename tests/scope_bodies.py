"""The API operations whose body (or, for GET, query) names another object, and the bodies the scope walk
sends them (tests/test_scope_walk.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model

from skillcert.appraisal.models import AppraisalSession, SessionSubject
from skillcert.blanks.models import BlankSerial, CollectionNotice
from skillcert.certificates.models import Certificate
from skillcert.jobs.models import Job
from skillcert.orgs.models import Organisation
from skillcert.printing.models import Printer, PrintItem
from skillcert.publication.models import Release
from tests.scope_http import EXAMPLES, REFUSED, ApiSchema, Walk, describe, send
from tests.scope_urls import ROUTES, Ref, Route, User, spec_of
from tests.scope_world import ATTACKERS, Victim

# Properties (and query parameters) that name another object, by name; where the schema describes the
# value as a code, the organisation's code is sent instead of its id.
REF_PROPS: dict[str, Ref] = {
    "organisation": Ref(Organisation),
    "parent": Ref(Organisation),
    "source": Ref(Organisation),
    "target": Ref(Organisation),
    "holder": Ref(Organisation),
    "city": Ref(Organisation),
    "within": Ref(Organisation),
    "session": Ref(AppraisalSession),
    "subject": Ref(SessionSubject),
    "certificates": Ref(Certificate),
    "certificate": Ref(Certificate, "number"),
    "printer": Ref(Printer),
    "items": Ref(PrintItem),
    "serials": Ref(BlankSerial, "serial"),
    "witness_1": Ref(User, "username"),
    "witness_2": Ref(User, "username"),
    "notice": Ref(CollectionNotice),
    "release": Ref(Release),
}

# Related fields that name reference data or the caller's own record, not another organisation's object.
NOT_REFS = {"region", "education", "occupation", "level"}
# Objects named inside a job's params, per job kind offered by the API.
JOB_PARAMS: dict[str, dict[str, Ref]] = {
    "people.export_xlsx": {"organisation": Ref(Organisation)},
    "publication.backup": {"release": Ref(Release)},
    "blanks.recall_uncollected": {},
}
MISSING = {"pk": 987654321, "number": "2699999999999999", "serial": "ZZ99999999", "code": "NO-SUCH-ORG"}
MISSING_USER = "no_such_user"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # /api/v1/sessions/{id}/enrol/
    refs: dict[str, Ref]  # body properties (or query parameters for GET) naming objects
    arrays: frozenset[str]  # which of them take a list


def _org_ref(description: str) -> Ref:
    return Ref(Organisation, "code") if "code" in description.lower() else Ref(Organisation)


def operations(schema: ApiSchema) -> list[Operation]:
    """The operations with a reference in their body (GET: their query), from the schema."""
    out = []
    for template, item in schema.doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch"):
                continue
            if method == "get":
                props = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
            else:
                props = dict(schema.body_schema(op).get("properties", {}))
            refs, arrays = {}, set()
            for name, node in props.items():
                if name not in REF_PROPS:
                    continue
                node = schema.resolve(node.get("schema", node))
                ref = REF_PROPS[name]
                if ref.model is Organisation:
                    ref = _org_ref(node.get("description", "") + props[name].get("description", ""))
                refs[name] = ref
                if node.get("type") == "array":
                    arrays.add(name)
            if template == "/api/v1/jobs/" and method == "post":
                refs["params"] = Ref(Job)  # expanded per job kind in `bodies`
            if refs:
                out.append(Operation(method, template, refs, frozenset(arrays)))
    return out


def path_model(template: str) -> type[Model] | None:
    """The model a path parameter of the operation names (the attacker's own object goes there)."""
    if "{" not in template:
        return None
    route = next(r for r in ROUTES if r.is_api and re.fullmatch(_route_regex(r), template))
    spec = spec_of(route)
    assert spec is not None
    return next(v for v in spec.values() if isinstance(v, Ref)).model


def _route_regex(route: Route) -> str:
    """The route's pattern as a regex matching the schema's path template (`{id}` for each parameter)."""
    text = "/" + route.pattern.replace("^", "").replace("$", "")
    text = re.sub(r"\(\?P<[^>]+>[^)]*\)|<[^>]+>", "PARAM", text)
    return re.escape(text).replace("PARAM", r"\{[^}]+\}")


def bodies(walk: Walk, op: Operation, prop: str, attacker: str, value: Any) -> Iterator[dict[str, Any]]:
    """The minimal body of the operation with the attacker's own objects in every other reference and
    `value` in `prop` (for the jobs endpoint: one body per job kind and object parameter)."""
    schema = walk.schema.body_schema(walk.schema.doc["paths"][op.template][op.method])
    properties = schema.get("properties", {})
    wanted = set(schema.get("required", [])) | (set(EXAMPLES) & set(properties))
    base = {n: walk.schema.sample(properties[n], n) for n in sorted(wanted) if n in properties}
    for other, ref in op.refs.items():
        if other in (prop, "params"):
            continue
        mine = walk.world.mine.get(attacker, {}).get(other)
        if mine is None and ref.model is Organisation:
            mine = getattr(walk.world.own[(attacker, Organisation)], ref.field)
        if mine is not None:
            base[other] = mine if other in op.arrays else (mine[0] if isinstance(mine, list) else mine)
        elif other not in schema.get("required", []):
            base.pop(other, None)
    if prop == "params":
        for kind, params in JOB_PARAMS.items():
            for name, ref in params.items():
                if ref.model is type(value):
                    yield {**base, "kind": kind, "params": {name: getattr(value, ref.field)}}
        return
    yield {**base, prop: [value] if prop in op.arrays else value}


def names_field(response: Any, prop: str) -> bool:
    try:
        errors = json.loads(response.body)["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    return any(e["field"] == prop or e["field"].startswith((f"{prop}.", f"{prop}[")) for e in errors)


def summary(failures: list[str]) -> str:
    """The failures grouped by operation and property: a count and the first two of each."""
    groups: dict[str, list[str]] = {}
    for line in failures:
        key = re.sub(r"^\S+ ", "", line)
        key = re.sub(r"/\d+/", "/{id}/", key.split(" (")[0].split(" {")[0].split("=")[0])
        groups.setdefault(key, []).append(line)
    return "\n".join(f"[{len(v)}x] {k}\n    " + "\n    ".join(v[:2]) for k, v in groups.items())


def query_check(
    walk: Walk, client: Any, url: str, prop: str, victim: Victim, value: Any, ref: Ref
) -> list[str]:
    sep = "&" if "?" in url else "?"
    response = send(client, "get", f"{url}{sep}{prop}={value}", api=True)
    if response.status_code in REFUSED or (response.status_code == 400 and names_field(response, prop)):
        return []
    missing = MISSING_USER if ref.model is User else MISSING.get(ref.field, MISSING["pk"])
    control = send(client, "get", f"{url}{sep}{prop}={missing}", api=True)
    if response.status_code < 300 and (response.status_code, response.body) == (
        control.status_code,
        control.body,
    ):
        return []
    return [
        f"GET {url}{sep}{prop}={value} ({victim.label}): {describe(response)}; "
        f"for an id that does not exist: {describe(control)}"
    ]


def walk_operation(walk: Walk, op: Operation) -> tuple[int, list[str]]:
    """Every attacker sends every victim object in every reference of the operation (for an operation on
    one object, the attacker's own object in the path). Returns the requests made and the failures."""
    world, failures, walked = walk.world, [], 0
    in_path = path_model(op.template)
    for attacker in ATTACKERS:
        url = op.template
        if in_path is not None:
            own = world.own.get((attacker, in_path))
            if own is None:
                continue  # this attacker owns no such object to put in the path
            url = re.sub(r"\{[^}]+\}", str(own.pk), op.template, count=1)
        client = walk.tokens[attacker]
        for prop, ref in op.refs.items():
            models = (
                [r.model for p in JOB_PARAMS.values() for r in p.values()]
                if prop == "params"
                else [ref.model]
            )
            for victim in (v for m in dict.fromkeys(models) for v in world.of(m)):
                if attacker not in victim.attackers:
                    continue
                if op.method == "get":
                    walked += 1
                    failures += query_check(
                        walk, client, url, prop, victim, getattr(victim.obj, ref.field), ref
                    )
                    continue
                value = victim.obj if prop == "params" else getattr(victim.obj, ref.field)
                for body in bodies(walk, op, prop, attacker, value):
                    walked += 1
                    failures += _body_check(client, op, url, prop, body, victim)
    return walked, failures


def _body_check(
    client: Any, op: Operation, url: str, prop: str, body: dict[str, Any], victim: Victim
) -> list[str]:
    response = send(client, op.method, url, body, api=True)
    if response.status_code in REFUSED or (response.status_code == 400 and names_field(response, prop)):
        return []
    shown = json.dumps(
        {k: v for k, v in body.items() if not isinstance(v, SimpleUploadedFile)}, ensure_ascii=False
    )
    return [f"{op.method.upper()} {url} {shown[:200]} ({victim.label}): {describe(response)}"]
