"""The scope walk's clients and requests: one browser and one API token per user, the schema, minimal
bodies, requests in a savepoint rolled back after each, and what a request wrote about a victim."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from skillcert.audit.models import AuditEntry
from tests.scope_world import Victim, World

REFUSED = {403, 404}
WRONG_METHOD = 405
COUNTS: Counter[str] = Counter()
LOG = os.environ.get("SKILLCERT_SCOPE_WALK_LOG")  # a file to write every request and answer to

# Values for required properties that are not references, so a body gets past validation to the
# reference under test (the reference's own check must refuse it, not a malformed neighbour).
EXAMPLES: dict[str, Any] = {
    "first_serial": "JS09990001",
    "last_serial": "JS09990010",
    "document_number": "苏鉴函〔2026〕9号",
    "answer": "已核实，证书已补录",
    "reason": "越权测试",
    "comment": "越权测试",
    "title": "越权领取通知",
    "place": "某地",
    "recipient": "某人",
    "address": "某地某路1号",
    "period": "2026Q3",
    "site": "实训楼",
    "name": "越权",
    "label": "Z卷",
    "code": "WALK-ORG",
    "destroyed_on": "2026-12-01",
    "collect_from": "2026-12-01T09:00:00+08:00",
    "collect_until": "2026-12-31T17:00:00+08:00",
}


class ApiSchema:
    """The served OpenAPI document (`/api/v1/schema/`), with what the walk asks of it."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    @classmethod
    def load(cls) -> ApiSchema:
        """Read once, when the test module is collected: no database is needed to describe the API."""
        return cls(Client().get("/api/v1/schema/?format=json").json())

    def operation(self, url: str, method: str) -> dict[str, Any] | None:
        """The operation serving `method url` (query string ignored)."""
        path = url.split("?", 1)[0]
        for template, item in self.doc["paths"].items():
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) and method in item:
                return item[method]  # type: ignore[no-any-return]
        return None

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    def body_schema(self, operation: dict[str, Any]) -> dict[str, Any]:
        content = operation.get("requestBody", {}).get("content", {})
        for media in ("application/json", "multipart/form-data"):
            if media in content:
                return self.resolve(content[media]["schema"])
        return {}

    def minimal_body(self, url: str, method: str) -> dict[str, Any]:
        """A body with every required property of the operation given a value of its type, so the
        request gets past input validation to the object lookup (an empty body may be refused first)."""
        operation = self.operation(url, method)
        schema = self.body_schema(operation) if operation else {}
        props = schema.get("properties", {})
        return {name: self.sample(props[name], name) for name in schema.get("required", []) if name in props}

    def sample(self, node: dict[str, Any], name: str = "") -> Any:
        if name in EXAMPLES:
            return EXAMPLES[name]
        node = self.resolve(node)
        if "enum" in node:
            return node["enum"][0]
        for key in ("oneOf", "anyOf", "allOf"):
            if key in node:
                return self.sample(node[key][0])
        kind, fmt = node.get("type"), node.get("format", "")
        if kind == "boolean":
            return True
        if kind == "integer":
            return max(1, int(node.get("minimum", 1)))
        if kind == "number":
            return 1
        if kind == "array":
            return [self.sample(node.get("items", {}))] if node.get("minItems") else []
        if kind == "object":
            return {}
        if fmt == "date":
            return "2026-12-01"
        if fmt == "date-time":
            return "2026-12-01T10:00:00+08:00"
        if fmt == "binary":
            return SimpleUploadedFile("walk.csv", "姓名,证件号码\n".encode())
        return "x"


@dataclass
class Walk:
    """The victim world, a logged-in browser and an API client per user, and the API's schema."""

    world: World
    browsers: dict[str, Client]
    tokens: dict[str, APIClient]
    schema: ApiSchema

    def client(self, username: str, api: bool) -> Client:
        return self.tokens[username] if api else self.browsers[username]


def send(
    client: Client, method: str, url: str, data: Any = None, *, api: bool = False, watch: Any = None
) -> Any:
    """One request in a savepoint rolled back after it. Returns the response, its body read, and what
    `watch` saw it write before the rollback (`response.written`)."""
    COUNTS["requests"] += 1
    with transaction.atomic():
        if watch is not None:
            watch.before()
        if api and method != "get":
            files = any(isinstance(v, SimpleUploadedFile) for v in (data or {}).values())
            if files:
                for upload in (data or {}).values():
                    if isinstance(upload, SimpleUploadedFile):
                        upload.seek(0)
            fmt = "multipart" if files else "json"
            response = getattr(client, method)(url, data if data is not None else {}, format=fmt)
        elif method in ("get", "post"):
            response = getattr(client, method)(url, data or {})
        else:
            response = getattr(client, method)(url, data or {}, content_type="application/json")
        if response.streaming:
            response.body = b"".join(response.streaming_content)
        else:
            response.body = bytes(response.content)
        response.written = watch.after() if watch is not None else None
        transaction.set_rollback(True)
    if LOG:
        with open(LOG, "a") as fh:
            shown = json.dumps(_shown(data), ensure_ascii=False)[:150]
            fh.write(f"{method.upper()} {url} {shown} -> {describe(response)[:200]}\n")
    return response


def _shown(data: Any) -> Any:
    return (
        {k: v for k, v in data.items() if not isinstance(v, SimpleUploadedFile)}
        if isinstance(data, dict)
        else data
    )


def describe(response: Any) -> str:
    text = response.body[:300].decode("utf-8", "replace").replace("\n", " ")
    location = response.get("Location", "")
    return f"{response.status_code}{' -> ' + location if location else ''} {text[:160]}"


def problem_code(response: Any) -> str:
    try:
        return str(json.loads(response.body).get("code", ""))
    except ValueError:
        return ""


def _references(obj: Any) -> dict[str, int]:
    """How many rows point at `obj`, per relation (foreign keys, one-to-ones and many-to-manys to it)."""
    counts = {}
    for rel in obj._meta.get_fields(include_hidden=True):  # hidden: related_name="+" (e.g. witnesses)
        if not (rel.auto_created and not rel.concrete and rel.is_relation) or rel.related_model is None:
            continue
        name = f"{rel.related_model._meta.label}.{rel.field.name}"
        counts[name] = rel.related_model._base_manager.filter(**{rel.field.name: obj}).count()
    return counts


class Watch:
    """What a request wrote about a victim's object: new rows pointing at it, audit rows on it or at its
    organisation. `before()` runs ahead of the request, `after()` inside its savepoint after it."""

    def __init__(self, world: World, victim: Victim) -> None:
        self.victim, self.owner = victim, world.orgs[victim.owner]

    def before(self) -> None:
        self.refs = _references(self.victim.obj)
        self.last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def after(self) -> tuple[list[str], int]:
        obj = self.victim.obj
        label = f"{obj._meta.app_label}.{type(obj).__name__}"
        rows = list(AuditEntry.objects.filter(pk__gt=self.last))
        found = [
            f"audit {r.action} on {r.object_type}#{r.object_id} at organisation {r.organisation_id}"
            for r in rows
            if r.organisation_id == self.owner.pk or (r.object_type == label and r.object_id == str(obj.pk))
        ]
        found += [
            f"{n - self.refs.get(name, 0)} new {name}"
            for name, n in _references(obj).items()
            if n > self.refs.get(name, 0) and name != "audit.AuditEntry.organisation"
        ]
        return found, len(rows)
