"""R1.6, X1: the two witnesses of a destruction are people of the destroying centre — its own staff and
those below it (its HR bureau, its stations) or above it (the province) — never another city's staff.
Found by the scope walk (tests/test_scope_walk.py): a Suzhou administrator recorded a destruction of
Suzhou's blanks "witnessed" by a Nanjing station operator, and the username field told whether any
account existed. Now both answers are the same refusal, naming the field."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from skillcert.blanks.models import DestructionBatch
from skillcert.blanks.services import destruction
from skillcert.blanks.tests.helpers import stock
from skillcert.core.errors import ValidationFailed
from skillcert.orgs import services as org_services
from skillcert.orgs.choices import Role

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 2, 1)


@pytest.fixture
def suzhou(demo: dict[str, Any]) -> dict[str, Any]:
    """Suzhou's certificate administrator and a colleague, with one spoiled Suzhou blank."""
    stock(demo, first=1, last=20, to_city=10, city="JS-SZ")
    users = {
        name: org_services.create_user(
            name, None, actor=None, full_name=name, org=demo["orgs"]["JS-SZ"], roles=(Role.CERT_ADMIN,)
        )
        for name in ("sz_cert", "sz_mate")
    }
    destruction.register_spoiled(["JS00000001"], reason="卡纸", actor=users["sz_cert"])
    return users


def test_r1_6_a_witness_from_another_city_is_refused_like_an_unknown_user(
    demo: dict[str, Any], suzhou: dict[str, Any]
) -> None:
    for outsider in (demo["users"]["nj003"], demo["users"]["nj_admin"]):
        with pytest.raises(ValidationFailed) as refused:
            destruction.destroy(
                holder=demo["orgs"]["JS-SZ"],
                serials=["JS00000001"],
                destroyed_on=DAY,
                witness_1=outsider,
                witness_2=suzhou["sz_mate"],
                actor=suzhou["sz_cert"],
            )
        assert [e.field for e in refused.value.errors] == ["witness_1"]
        assert refused.value.errors[0].code == "blanks.witness.unknown"
    assert not DestructionBatch.objects.exists()
    with pytest.raises(ValidationFailed) as unknown:
        destruction.find_witness("no_such_user", demo["orgs"]["JS-SZ"], "witness_2")
    with pytest.raises(ValidationFailed) as foreign:
        destruction.find_witness("nj003", demo["orgs"]["JS-SZ"], "witness_2")
    assert unknown.value.errors[0].code == foreign.value.errors[0].code == "blanks.witness.unknown"
    # people of the centre's own line witness: its staff, a station below it, the province above it
    batch = destruction.destroy(
        holder=demo["orgs"]["JS-SZ"],
        serials=["JS00000001"],
        destroyed_on=DAY,
        witness_1=destruction.find_witness("sz001", demo["orgs"]["JS-SZ"], "witness_1"),
        witness_2=destruction.find_witness("js_leader", demo["orgs"]["JS-SZ"], "witness_2"),
        actor=suzhou["sz_cert"],
    )
    assert batch.count == 1


def test_r1_6_api_and_form_refuse_another_citys_witness_the_same_way(
    api: Any, client: Any, demo: dict[str, Any], suzhou: dict[str, Any]
) -> None:
    from rest_framework.test import APIClient

    from skillcert.accounts.services.tokens import issue_api_token

    caller = APIClient()
    caller.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(suzhou['sz_cert'])[1]}")
    body = {
        "holder": demo["orgs"]["JS-SZ"].pk,
        "serials": ["JS00000001"],
        "destroyed_on": DAY.isoformat(),
        "witness_2": "sz_mate",
    }
    answers = [
        caller.post("/api/v1/blank-destructions/", {**body, "witness_1": name}, format="json")
        for name in ("nj003", "no_such_user")
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.content
        assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [
            ("witness_1", "blanks.witness.unknown")
        ]
    client.force_login(suzhou["sz_cert"])
    page = client.post(
        "/manage/blanks/destructions/new/",
        {**body, "serials": "JS00000001", "witness_1": "nj003"},
    )
    assert page.status_code == 200 and "nj003" in page.content.decode()
    assert not DestructionBatch.objects.exists()
    ok = caller.post("/api/v1/blank-destructions/", {**body, "witness_1": "sz001"}, format="json")
    assert ok.status_code == 201, ok.content
