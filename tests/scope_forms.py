"""The back-office forms that take object ids in their body, as the scope walk posts them: a valid body
of the poster's own objects, with the victim's value in the field under test (tests/test_scope_walk.py)."""

from __future__ import annotations

import datetime
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skillcert.blanks.models import BlankSerial
from skillcert.certificates.models import Certificate
from skillcert.holders.models import CertificateInquiry
from skillcert.orgs.models import Organisation
from skillcert.printing.models import PrintItem, PrintJob
from tests.scope_http import Walk, Watch, describe, send
from tests.scope_urls import Ref, User
from tests.scope_world import HOMES, STATIONS, World

LIST_FIELDS = {"certificate", "certificates", "item"}  # multiple-choice fields: the value goes in a list


@dataclass(frozen=True)
class Form:
    """A back-office form posting an object reference in `field`. `body(world, poster)` is a valid
    submission of `poster` with their own objects; the walk puts a victim's value into `field`."""

    url: str
    field: str
    ref: Ref
    body: Any
    path: Any = None  # (world, poster) -> URL kwargs naming the poster's own object
    method: str = "post"
    query: bool = False  # the field travels in the query string
    owners: tuple[str, ...] | None = None  # only victims owned here
    controller: str | None = None  # who posts the victim's own value as the control (else its users)
    today: datetime.date | None = (
        None  # the service's clock, for windows (requisitions: 1-10 Jan/Apr/Jul/Oct)
    )
    no_control: str = ""  # why no submission can succeed here today (the control is skipped)


def _home(world: World, user: str) -> Any:
    return world.orgs[HOMES[user]]


def _station(world: World, user: str) -> Any:
    return world.orgs[STATIONS[user]]


def _rows(prefix: str, level: str = "4", **extra: str) -> dict[str, str]:
    row = {"occupation": "6-18-01-01", "level": level, **extra}
    return {f"{prefix}-rows": "1", **{f"{prefix}-0-{k}": v for k, v in row.items()}}


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _own_certs(world: World, user: str) -> list[int]:
    return list(world.mine.get(user, {}).get("certificates") or [])


def _witnesses(world: World, user: str) -> dict[str, str]:
    mine = world.mine.get(user) or {"witness_1": user, "witness_2": "nj_section"}
    return {"witness_1": mine["witness_1"], "witness_2": mine["witness_2"]}


FORMS: list[Form] = [
    Form(
        "backoffice:person_create",
        "organisation",
        Ref(Organisation),
        lambda w, u: {
            "organisation": _station(w, u).pk,
            "name": "越权测试",
            "document_type": "resident_id",
            "document_number": "11010519491231002X",
        },
        owners=("ST-10012003",),
    ),
    Form("backoffice:people_export_job", "organisation", Ref(Organisation), lambda w, u: {}, query=True),
    Form(
        "appraisal:plan_create",
        "organisation",
        Ref(Organisation),
        lambda w, u: {"organisation": _station(w, u).pk, "year": "2029", **_rows("lines", planned_count="9")},
        owners=("ST-10012003",),
    ),
    Form(
        "appraisal:session_create",
        "station",
        Ref(Organisation),
        lambda w, u: {
            "station": _station(w, u).pk,
            "site": "实训楼",
            "exam_start": "2027-03-10",
            "exam_end": "2027-03-10",
            "expected_candidates": "5",
            **_rows("subjects"),
        },
        owners=("ST-10012003",),
    ),
    Form(
        "appraisal:papers",
        "organisation",
        Ref(Organisation),
        lambda w, u: {
            "organisation": _station(w, u).pk,
            "occupation": "6-18-01-01",
            "level": "4",
            "label": "Z卷",
            "file": _upload("z.pdf", b"%PDF-1.4 walk"),
        },
        owners=("ST-10012003",),
    ),
    Form(
        "printing:job_new",
        "organisation",
        Ref(Organisation),
        lambda w, u: {"organisation": _home(w, u).pk, "certificate": _own_certs(w, u)},
        controller="nj003",
        no_control="the victim's organisation is tested with the attacker's own certificates",
    ),
    Form(
        "printing:job_new",
        "certificate",
        Ref(Certificate),
        lambda w, u: {"organisation": _home(w, u).pk},
    ),
    Form(
        "printing:printers",
        "organisation",
        Ref(Organisation),
        lambda w, u: {"organisation": _home(w, u).pk, "name": "越权打印机"},
    ),
    Form(
        "printing:job_action",
        "item",
        Ref(PrintItem),
        lambda w, u: {"action": "seal"},
        path=lambda w, u: {"pk": (w.own.get((u, PrintJob)) or w.print_job).pk},  # type: ignore[attr-defined]
    ),
    Form(
        "blanks:receive",
        "holder",
        Ref(Organisation),
        lambda w, u: {
            "holder": _home(w, u).pk,
            "level": "4",
            "first": "JS09990001",
            "last": "JS09990010",
            "document_number": "鉴证函〔2026〕9号",
            "document_date": "2026-12-01",
            "received_on": "2026-12-02",
        },
        owners=("JS",),
    ),
    Form(
        "blanks:allocate",
        "source",
        Ref(Organisation),
        lambda w, u: {"source": _home(w, u).pk, "target": w.orgs["JS-NJ"].pk, "level": "4", "count": "1"},
        owners=("JS",),
    ),
    Form(
        "blanks:allocate",
        "target",
        Ref(Organisation),
        lambda w, u: {"source": _home(w, u).pk, "level": "4", "count": "1"},
        owners=("JS-NJ",),
        controller="js_leader",
    ),
    Form(
        "blanks:fee",
        "city",
        Ref(Organisation),
        lambda w, u: {"city": _home(w, u).pk, "year": "2026", "quarter": "3", "amount": "100.00"},
        owners=("JS-NJ",),
        controller="js_leader",
    ),
    Form("blanks:spoil", "serials", Ref(BlankSerial, "serial"), lambda w, u: {"reason": "卡纸"}),
    Form(
        "blanks:destroy",
        "holder",
        Ref(Organisation),
        lambda w, u: {"holder": _home(w, u).pk, "destroyed_on": "2026-12-01", **_witnesses(w, u)},
        owners=("JS-NJ",),
        no_control="needs the holder's own spoiled serial: the serials case below is the control",
    ),
    Form(
        "blanks:destroy",
        "serials",
        Ref(BlankSerial, "serial"),
        lambda w, u: {"holder": _home(w, u).pk, "destroyed_on": "2026-12-01", **_witnesses(w, u)},
    ),
    Form(
        "blanks:destroy",
        "witness_1",
        Ref(User, "username"),
        lambda w, u: {
            "holder": _home(w, u).pk,
            "destroyed_on": "2026-12-01",
            "serials": " ".join(w.mine.get(u, {}).get("serials") or []),
            "witness_2": _witnesses(w, u)["witness_2"],
        },
        no_control="the victim (a station operator) destroys nothing; the attackers must not name them",
    ),
    Form(
        "blanks:requisition_new",
        "city",
        Ref(Organisation),
        lambda w, u: {"city": _home(w, u).pk, "planned_4": "10"},
        owners=("JS-NJ",),
        today=datetime.date(2027, 1, 5),
    ),
    Form(
        "blanks:notice_new",
        "organisation",
        Ref(Organisation),
        lambda w, u: {
            "organisation": _home(w, u).pk,
            "title": "领取通知",
            "place": "证书室",
            "collect_from": "2026-12-10T09:00",
            "collect_until": "2026-12-31T17:00",
            "certificates": _own_certs(w, u),
        },
        owners=("JS-NJ",),
        no_control="tested with the attacker's own certificates; the certificates case below is the control",
    ),
    Form(
        "blanks:notice_new",
        "certificates",
        Ref(Certificate),
        lambda w, u: {
            "organisation": _home(w, u).pk,
            "title": "领取通知",
            "place": "证书室",
            "collect_from": "2026-12-10T09:00",
            "collect_until": "2026-12-31T17:00",
        },
        controller="nj_admin",
    ),
    Form(
        "blanks:recall",
        "organisation",
        Ref(Organisation),
        lambda w, u: {"organisation": _home(w, u).pk},
        owners=("JS-NJ",),
    ),
    Form(
        "publication:submit",
        "organisation",
        Ref(Organisation),
        lambda w, u: {"organisation": _home(w, u).pk},
        owners=("JS-NJ",),
        no_control="a city submits only inside the submission window (R3.7)",
    ),
    Form(
        "publication:compile",
        "organisation",
        Ref(Organisation),
        lambda w, u: {"organisation": _home(w, u).pk},
        owners=("JS",),
        no_control="a province compiles only after the submission window (R3.7)",
    ),
    Form(
        "exchange:import",
        "organisation",
        Ref(Organisation, "code"),
        lambda w, u: {"organisation": _home(w, u).code, "file": _upload("walk.csv", "姓名\n".encode())},
        owners=("JS-NJ",),
    ),
    Form(
        "exchange:export",
        "organisation",
        Ref(Organisation, "code"),
        lambda w, u: {"organisation": _home(w, u).code, "date_from": "2026-01-01", "date_to": "2026-12-31"},
        method="get",
        query=True,
        owners=("JS-NJ",),
    ),
    Form(
        "holders-staff:inquiry",
        "certificate",
        Ref(Certificate),
        lambda w, u: {"answer": "已核实"},
        path=lambda w, u: {"pk": (w.own.get((u, CertificateInquiry)) or w.of(CertificateInquiry)[0].obj).pk},
        controller="js_leader",
    ),
]


def form_request(walk: Walk, form: Form, poster: str, value: Any) -> tuple[str, dict[str, Any]]:
    world = walk.world
    kwargs = form.path(world, poster) if form.path else {}
    url = reverse(form.url, kwargs=kwargs)
    body = dict(form.body(world, poster))
    body[form.field] = value
    if form.query:
        from urllib.parse import urlencode

        query = {k: v for k, v in body.items() if form.method == "get" or k == form.field}
        url += "?" + urlencode(query)
        body = {k: v for k, v in body.items() if k not in query}
    return url, body


def walk_form(walk: Walk, form: Form) -> list[str]:
    """Post the form with each victim's value as each of its attackers (and, as the control, as the
    victim's own user); the failures: a server error, or anything written about the victim."""
    from unittest import mock

    world = walk.world
    victims = [v for v in world.of(form.ref.model) if form.owners is None or v.owner in form.owners]
    assert victims, f"no victim {form.ref.model.__name__} for {form.url}"
    failures: list[str] = []
    controlled = 0
    # The service's clock, for forms that work only in a window (requisitions: 1-10 Jan/Apr/Jul/Oct).
    with (
        mock.patch("django.utils.timezone.localdate", return_value=form.today)
        if form.today
        else nullcontext()
    ):
        for victim in victims:
            value = getattr(victim.obj, form.ref.field)
            posted = [value] if form.field in LIST_FIELDS else value
            if not form.no_control:
                for user in (form.controller,) if form.controller else victim.users:
                    url, body = form_request(walk, form, user, posted)
                    if send(walk.browsers[user], form.method, url, body, watch=Watch(world, victim)).written[
                        1
                    ]:
                        controlled += 1
                        break
            for attacker in victim.attackers:
                url, body = form_request(walk, form, attacker, posted)
                response = send(walk.browsers[attacker], form.method, url, body, watch=Watch(world, victim))
                touched, _rows = response.written
                if response.status_code >= 500 or touched:
                    failures.append(
                        f"{attacker} {form.method.upper()} {url} {form.field}={value} ({victim.label}): "
                        f"{describe(response)} {touched}"
                    )
    if not form.no_control and not controlled:
        failures.append(
            f"control: no victim user's own submission of {form.url} wrote anything (wrong body?)"
        )
    return failures


# The other URLs without a path parameter: what they take, and why no form walk is needed.
_LIST = "a list page: its filters go through the scoped queryset (and `scope_choices`)"
NO_OBJECT_IDS: dict[str, str] = {
    "healthz": "no input",
    "set_language": "a language code",
    "admin-login": "a redirect to the staff log-in",
    "login": "credentials",
    "backoffice:login": "credentials",
    "backoffice:logout": "no input",
    "home": "no input",
    "directory": "public directory, no input",
    "accounts:password_change": "the caller's own password",
    "accounts:tokens": "the caller's own API tokens (revoking names the token in its path)",
    "holders:certificate-proof": "the holder session's own certificate, no id in the request",
    "tlog-checkpoint": "the public checkpoint, no input",
    "tlog-vkeys": "the log's public keys, no input",
    "tlog-cosignatures": "a witness's cosignature: checked against the configured witness keys, no object id",
    "accounts:totp_verify": "the caller's own code",
    "accounts:totp_enrol": "the caller's own code",
    "accounts:security": "the security page of the caller's subtree (its POSTs have ids in the path)",
    "accounts:report_leak": "a description and files: the platform-wide lock-down, sysadmin only",
    "accounts:lift": "a reason: the platform-wide lock-down, sysadmin only",
    "publication:freeze": "a reason: the platform-wide publishing freeze",
    "reports:index": "redirects to reports:report, which the path walk covers",
    "reports:deadlines": "filters by kind and year only",
    "reports:dashboard": "charts of the caller's own subtree",
    "blanks:stock": "the caller's own stock",
    "blanks:overview": "year and quarter only",
    "verification:verify": "public verification (number + name / ID + name)",
    "verification:upload": "public verification of an uploaded file",
    "holders:identity": "public: a certificate number, name and ID number start the SMS check",
    "holders:verify": "public: the SMS code of the challenge in the caller's session",
    "holders:certificate": "the certificate of the caller's holder session",
    "holders:certificate-pdf": "the certificate of the caller's holder session",
    "holders:certificate-ofd": "the certificate of the caller's holder session",
    "holders:inquiry": "public: an inquiry to an answering centre (any of them, by design, R3.4)",
    "holders:inquiry-confirm": "public: the SMS code of the caller's inquiry",
    "holders:inquiry-status": "public: a reference number and the phone it was filed with",
    "holders:correction": "the certificate of the caller's holder session",
    **{
        name: _LIST
        for name in (
            "appraisal:plans",
            "appraisal:sessions",
            "certificates:list",
            "publication:overview",
            "publication:history",
            "publication:backups",
            "printing:jobs",
            "blanks:receipts",
            "blanks:allocations",
            "blanks:serials",
            "blanks:requisitions",
            "blanks:destructions",
            "blanks:distributions",
            "holders-staff:inquiries",
            "holders-staff:corrections",
            "holders-staff:reissues",
            "backoffice:dashboard",
            "backoffice:organisations",
            "backoffice:people",
            "backoffice:occupations",
            "backoffice:calendar",
            "backoffice:audit",
            "backoffice:jobs",
        )
    },
}
