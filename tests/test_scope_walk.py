"""The scope walk (issue 13 "How it is checked", X1, X7): every URL of the project that names an object,
and every API operation whose body or query names one, requested as users of another station, of
another city and of another tree, with the values of a victim world's objects (`scope_world`). Every
one must be refused — 403 or 404 (405 for a method the URL does not take; a 400 naming the field for
an id in a body) — never a success, a redirect or a server error; and a user entitled to the object
must reach the same URL, so the values are real, not typos that 404 anyway.

The URL list comes from the resolver, not from this file: a new URL with a parameter fails
`test_every_parameterised_url_is_classified` until it is mapped here — DRF views by their viewset
(queryset / `scoped_model`, `lookup_field`), function views in `FUNCTION_URLS`, and the URLs that
are public on purpose in `PUBLIC_URLS` / `HOLDER_URLS` (holder pages, guarded by the holder's own
session). The Django admin is walked separately: only superusers with the sysadmin role get in.

The world is built once for the module inside a transaction rolled back at the end, and every request
runs in a savepoint rolled back after it, so an attacker's request that got through changes nothing
the next request sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from skillcert.accounts.services.tokens import issue_api_token
from skillcert.certificates.models import Certificate
from skillcert.people.models import Person
from tests.scope_bodies import JOB_PARAMS, NOT_REFS, REF_PROPS, Operation, operations, summary, walk_operation
from tests.scope_forms import FORMS, NO_OBJECT_IDS, Form, walk_form
from tests.scope_http import (
    COUNTS,
    REFUSED,
    WRONG_METHOD,
    ApiSchema,
    Walk,
    describe,
    problem_code,
    send,
)
from tests.scope_urls import (
    DRF_EXTRA,
    FUNCTION_URLS,
    HOLDER_URLS,
    PLAIN_ROUTES,
    PUBLIC_URLS,
    ROUTES,
    UNSCOPED_MODELS,
    Case,
    Ref,
    Route,
    cases,
    spec_of,
    unscoped,
    url_of,
)
from tests.scope_world import ATTACKERS, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def walk(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any, request: Any) -> Iterator[Walk]:
    media = tmp_path_factory.mktemp("walk-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=fast,
            SKILLCERT_BACKUP_DIR=tmp_path_factory.mktemp("walk-backups"),
            SKILLCERT_BACKUP_TARGETS=[],
        ),
        transaction.atomic(),
    ):
        world = build_world()
        names = {*ATTACKERS, "sysadmin", "js_leader", "nj_admin", "nj_director", "nj003"}
        browsers, tokens = {}, {}
        for name in sorted(names):
            browsers[name] = Client(raise_request_exception=False)
            browsers[name].force_login(world.users[name])
            tokens[name] = APIClient(raise_request_exception=False)
            _token, key = issue_api_token(world.users[name], label="scope walk")
            tokens[name].credentials(HTTP_AUTHORIZATION=f"Token {key}")
        yield Walk(world, browsers, tokens, SCHEMA)
        transaction.set_rollback(True)
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None and COUNTS:  # the counts the issue asks for, after the module's last test
        with capture.global_and_fixture_disabled():
            print("\nscope walk: " + ", ".join(f"{key} {value}" for key, value in sorted(COUNTS.items())))


def victim_check(walk: Walk, route: Route, url: str, case: Case) -> list[str]:
    """One of the victim's users reaches the URL: GET answers 2xx/3xx, or 405 and then POST (with the
    minimal body) is neither the lookup's "not found" nor a server error — so the value names a real
    object."""
    answers = []
    for user in case.victim.users:
        client = walk.client(user, route.is_api)
        answer = send(client, "get", url, api=route.is_api)
        if answer.status_code == WRONG_METHOD:
            body = walk.schema.minimal_body(url, "post") if route.is_api else None
            answer = send(client, "post", url, body, api=route.is_api)
            if answer.status_code not in (404, WRONG_METHOD) and answer.status_code < 500:
                return []
            if answer.status_code == 404 and route.is_api and problem_code(answer) != "not_found":
                return []  # the path's object was found; something the minimal body named was not
        elif answer.status_code < 400:
            return []
        answers.append(answer)
    return [
        f"victim check: none of {case.victim.users} reaches {url} ({case.label}): "
        + "; ".join(describe(a) for a in answers)
    ]


# --- the path walk ----------------------------------------------------------------------------------


def test_every_parameterised_url_is_classified() -> None:
    """A URL with a parameter is walked (DRF viewset or FUNCTION_URLS), a holder page, or public on
    purpose; anything else fails here until it is classified. Stale table rows fail too."""
    unclassified = []
    for route in ROUTES:
        if route.name in PUBLIC_URLS:
            continue
        spec = spec_of(route)
        if spec is None:
            unclassified.append(f"{route.name} ({route.pattern}, params {route.params})")
    assert not unclassified, "classify these URLs in tests/test_scope_walk.py:\n" + "\n".join(unclassified)
    known = {r.name for r in ROUTES}
    stale = sorted((set(FUNCTION_URLS) | set(HOLDER_URLS) | set(PUBLIC_URLS) | set(DRF_EXTRA)) - known)
    assert not stale, f"table rows for URLs that no longer exist: {stale}"


def test_world_has_a_victim_of_every_scoped_model(walk: Walk) -> None:
    """Every model with `visible_to(user)` has an object in the victim world (and so every URL, body and
    form naming one is walked with a real value); a new scoped model fails here until one is added."""
    from django.apps import apps

    scoped = {m for m in apps.get_models() if hasattr(m._default_manager, "visible_to")}
    missing = sorted(m._meta.label for m in scoped - set(UNSCOPED_MODELS) if not walk.world.of(m))
    assert not missing, f"add objects of these models to tests/scope_world.py: {missing}"


WALKED = [r for r in ROUTES if r.name not in PUBLIC_URLS and r.name not in HOLDER_URLS and not unscoped(r)]
REFERENCE_ROUTES = [r for r in ROUTES if unscoped(r)]


def test_reference_data_urls_are_read_only() -> None:
    """The URLs of reference data (catalog, public keys, numbering schemes) are not walked: nobody owns
    them. They only read, so nobody can change another's either."""
    assert REFERENCE_ROUTES
    assert {r.name: r.methods() for r in REFERENCE_ROUTES} == {r.name: ["get"] for r in REFERENCE_ROUTES}


@pytest.mark.parametrize("route", WALKED, ids=[r.name for r in WALKED])
def test_path_walk(walk: Walk, route: Route) -> None:
    """Every attacker is refused on every method of the URL with the victim's values; one of the
    victim's own users reaches it with GET (or is told the URL takes another method)."""
    spec = spec_of(route)
    assert spec is not None, f"{route.name} is not classified"
    model = next(v for v in spec.values() if isinstance(v, Ref)).model
    all_cases = list(cases(spec, walk.world))
    assert all_cases, f"no victim {model.__name__} in the world (tests/scope_world.py): add one"
    COUNTS["urls walked"] += 1
    failures: list[str] = []
    for case in all_cases:
        url = url_of(route, case)
        if case.only is None:
            failures += victim_check(walk, route, url, case)
        for attacker in case.only or case.victim.attackers:
            for method in route.methods():
                body = walk.schema.minimal_body(url, method) if route.is_api and method != "get" else None
                response = send(walk.client(attacker, route.is_api), method, url, body, api=route.is_api)
                if response.status_code not in REFUSED | {WRONG_METHOD}:
                    failures.append(f"{attacker} {method.upper()} {url} ({case.label}): {describe(response)}")
    assert not failures, "\n".join(failures)


# --- the body and query walk of the API ----------------------------------------------------------------

SCHEMA = ApiSchema.load()
OPERATIONS = operations(SCHEMA)


def test_operations_naming_objects_are_found() -> None:
    """The schema yields the operations of the body walk: the creates, actions and filters that name an
    organisation, session, certificate, serial... (a broken schema reading would walk nothing)."""
    from skillcert.jobs.registry import kinds

    found = {f"{o.method} {o.template}" for o in OPERATIONS}
    assert len(found) > 40
    assert set(kinds(api_only=True)) == set(JOB_PARAMS), "list the job kind's object params in JOB_PARAMS"
    assert {"post /api/v1/printing/jobs/", "post /api/v1/jobs/", "get /api/v1/enrolments/"} <= found


def test_every_writable_related_field_is_walked() -> None:
    """A serializer field that takes another record (DRF `PrimaryKeyRelatedField`, the project's
    `PrimaryKeyField`) in any API request is walked by its name (`REF_PROPS`) or is reference data
    (`NOT_REFS`): a new one fails here until it is classified."""
    from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
    from rest_framework import serializers

    generator, unknown = SchemaGenerator(), []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        request_serializer = generator.create_view(callback, method).schema.get_request_serializer()
        candidates = (
            request_serializer.values() if isinstance(request_serializer, dict) else [request_serializer]
        )
        for candidate in candidates:
            fields = getattr(candidate() if isinstance(candidate, type) else candidate, "fields", {})
            for name, field in fields.items():
                related = isinstance(field, serializers.RelatedField | serializers.ManyRelatedField)
                if related and not field.read_only and name not in REF_PROPS and name not in NOT_REFS:
                    unknown.append(f"{method} {path}: {name}")
    assert not unknown, "classify in tests/scope_bodies.py REF_PROPS or NOT_REFS: " + ", ".join(unknown)


@pytest.mark.parametrize("op", OPERATIONS, ids=[f"{o.method.upper()} {o.template}" for o in OPERATIONS])
def test_body_and_query_walk(walk: Walk, op: Operation) -> None:
    """The operation with a victim's object in a body property (GET: a query parameter) and the
    attacker's own objects everywhere else: refused with 403/404 or a 400 naming that property. A GET
    filter may also answer exactly as it answers for an id that does not exist (an empty list): that
    tells nothing about the victim."""
    COUNTS["operations walked"] += 1
    walked, failures = walk_operation(walk, op)
    assert walked, f"{op.method.upper()} {op.template}: no attacker owns an object for its path"
    assert not failures, summary(failures)


# --- the back-office forms that take object ids ---------------------------------------------------------


def test_every_backoffice_url_without_parameters_is_classified() -> None:
    """A page without a path parameter either posts an object id (walked in FORMS) or takes none that
    names another organisation's record (NO_OBJECT_IDS, with the reason): a new one fails here."""
    known = {f.url for f in FORMS} | set(NO_OBJECT_IDS)
    unclassified = sorted(r.name for r in PLAIN_ROUTES if r.name not in known)
    assert not unclassified, f"classify in tests/scope_forms.py (FORMS or NO_OBJECT_IDS): {unclassified}"
    plain = {f.url for f in FORMS if f.path is None} | set(NO_OBJECT_IDS)
    assert not plain - {r.name for r in PLAIN_ROUTES}, "rows for URLs that no longer exist"


@pytest.mark.parametrize("form", FORMS, ids=[f"{f.url}.{f.field}" for f in FORMS])
def test_backoffice_form_walk(walk: Walk, form: Form) -> None:
    """A form naming a victim's object, posted by each attacker with their own objects everywhere else,
    writes nothing about the victim and does not fail; the victim's own user posting the same value
    writes (the control: the body is one the form accepts)."""
    COUNTS["forms walked"] += 1
    failures = walk_form(walk, form)
    assert not failures, "\n".join(failures)


# --- holder pages and the Django admin ----------------------------------------------------------------


def _holder_browser(certificate: Certificate | None) -> Client:
    """A browser with no staff login; with `certificate`, the session a holder has after the SMS code
    (`holders.services.verify_challenge` leaves the certificate's id in it)."""
    from skillcert.holders.services import SESSION_KEY

    browser = Client(raise_request_exception=False)
    if certificate is not None:
        session = browser.session
        session[SESSION_KEY] = certificate.pk
        session.save()
    return browser


@pytest.mark.parametrize("name", sorted(HOLDER_URLS))
def test_holder_pages_answer_only_the_holders_own_session(walk: Walk, name: str) -> None:
    """A holder page of a certificate: its holder's session reaches it; no session, another Nanjing
    holder's session and a Suzhou holder's session get 403/404 on every method."""
    world = walk.world
    published = [v for v in world.of(Certificate) if v.obj.published_at is not None]
    others = [
        c
        for c in Certificate.objects.filter(published_at__isnull=False).exclude(
            pk__in=[v.obj.pk for v in published]
        )
    ]
    strangers = {"no session": _holder_browser(None)}
    strangers.update({f"holder of {c.number}": _holder_browser(c) for c in others[:1]})
    suzhou = Certificate.objects.filter(
        organisation=world.orgs["ST-10052001"], published_at__isnull=False
    ).first()
    assert suzhou is not None and others
    strangers[f"Suzhou holder of {suzhou.number}"] = _holder_browser(suzhou)
    failures = []
    COUNTS["urls walked"] += 1
    for victim in published:
        url = reverse(name, kwargs={"pk": victim.obj.pk})
        own = send(_holder_browser(victim.obj), "get", url)
        if own.status_code != 200:
            failures.append(f"the holder's own session: GET {url}: {describe(own)}")
        for who, browser in strangers.items():
            for method in ("get", "post"):
                response = send(browser, method, url, {"reason": "遗失", "delivery": "paper"})
                if response.status_code not in REFUSED | {WRONG_METHOD}:
                    failures.append(f"{who} {method.upper()} {url} ({victim.label}): {describe(response)}")
    assert not failures, "\n".join(failures)


def _admin_urls(world: World) -> list[str]:
    from django.contrib import admin
    from django.contrib.contenttypes.models import ContentType

    urls = [reverse("admin:index")]
    urls += [
        reverse("admin:app_list", args=[label]) for label in {m._meta.app_label for m in admin.site._registry}
    ]
    person = world.of(Person)[0].obj
    urls.append(reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(person).pk, person.pk]))
    for model in admin.site._registry:
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls += [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
        victims = world.of(model)
        obj = victims[0].obj if victims else model._default_manager.order_by("pk").first()
        if obj is not None:
            urls += [reverse(f"{base}_{view}", args=[obj.pk]) for view in ("change", "history", "delete")]
    return urls


def test_django_admin_is_for_sysadmins_only(walk: Walk) -> None:
    """Every admin page of every registered model, GET and POST: the attackers, a centre's staff and a
    superuser without the sysadmin role are sent to the admin log-in (itself a redirect to the staff
    log-in), never shown data; the system administrator gets the pages."""
    from skillcert.orgs import services as org_services

    world = walk.world
    root = org_services.create_user("root_without_role", None, actor=None, full_name="无角色超级用户")
    root.is_staff = root.is_superuser = True
    root.save(update_fields=["is_staff", "is_superuser"])
    refused = {name: walk.browsers[name] for name in (*ATTACKERS, "nj_admin", "js_leader")}
    refused["root_without_role"] = Client(raise_request_exception=False)
    refused["root_without_role"].force_login(root)
    failures = []
    urls = _admin_urls(world)
    assert len(urls) > 40
    for url in urls:
        COUNTS["admin urls walked"] += 1
        for who, browser in refused.items():
            for method in ("get", "post"):
                response = send(browser, method, url)
                if response.status_code != 302 or not response["Location"].startswith("/admin/login/"):
                    failures.append(f"{who} {method.upper()} {url}: {describe(response)}")
        # read-only models refuse add and delete to all; "view on site" needs a public page of the object
        if not url.endswith(("/delete/", "/add/")) and not url.startswith("/admin/r/"):
            answer = send(walk.browsers["sysadmin"], "get", url)
            if answer.status_code != 200:
                failures.append(f"sysadmin GET {url}: {describe(answer)}")
    assert not failures, "\n".join(failures[:60])
