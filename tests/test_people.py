"""People: validated registration (R0.4), bilingual errors naming the field (X6), protection of the
ID number at rest, in logs and on pages (X7), rare characters in names."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from django.db import connection

from skillcert.core.errors import ValidationFailed
from skillcert.people import services
from skillcert.people.idnumber import check_character
from skillcert.people.models import Person

pytestmark = pytest.mark.django_db


def _id(body17: str) -> str:
    return body17 + check_character(body17)


def test_r0_4_registration_derives_gender_and_birth_date(demo: dict[str, Any]) -> None:
    number = _id("32010219850612003")
    person = services.register_person(
        actor=demo["users"]["nj003"],
        organisation=demo["orgs"]["ST-10012003"],
        name="  阿卜杜拉 • 艾买提 ",
        document_number=" ".join(number),
    )
    assert person.name == "阿卜杜拉·艾买提"
    assert person.gender == "M" and person.birth_date == datetime.date(1985, 6, 12)
    assert person.document_number() == number
    assert person.document_masked == number[:3] + "*" * 11 + number[-4:]


def test_r0_4_full_width_and_15_digit_numbers_are_normalised(demo: dict[str, Any]) -> None:
    org = demo["orgs"]["ST-10012003"]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in _id("32010219700101004"))
    person = services.register_person(actor=None, organisation=org, name="𠮷野", document_number=full_width)
    assert person.document_number() == _id("32010219700101004")
    assert person.name == "𠮷野"
    legacy = services.register_person(
        actor=None, organisation=org, name="老号码", document_number="320102650304021"
    )
    assert legacy.document_number() == _id("32010219650304021")
    assert legacy.gender == "M"


def test_r0_4_gender_and_birth_date_are_cross_checked(demo: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.register_person(
            actor=None,
            organisation=demo["orgs"]["ST-10012003"],
            name="李四",
            document_number=_id("32010219850612003"),
            gender="F",
            birth_date=datetime.date(1985, 6, 13),
        )
    assert {e.field for e in exc.value.errors} == {"gender", "birth_date"}
    assert all(e.record == "李四" for e in exc.value.errors)


def test_x6_errors_name_record_and_field_in_both_languages(demo: dict[str, Any]) -> None:
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.register_person(
            actor=None,
            organisation=demo["orgs"]["ST-10012003"],
            name="张3",
            document_number="320102198506120039",
            phone="12345",
            education="99",
        )
    fields = {e.field: e for e in exc.value.errors}
    assert set(fields) == {"name", "document_number", "phone", "education"}
    assert fields["document_number"].code == "people.id_number.checksum"
    assert "身份证号码" in fields["document_number"].message_zh
    assert "ID number" in fields["document_number"].message_en
    assert "320102198506120039" not in str(exc.value)
    assert Person.objects.count() == before  # nothing half-written


def test_duplicate_document_at_the_same_organisation_is_refused(demo: dict[str, Any]) -> None:
    org = demo["orgs"]["ST-10012003"]
    services.register_person(
        actor=None, organisation=org, name="王五", document_number=_id("32010219900101005")
    )
    with pytest.raises(ValidationFailed) as exc:
        services.register_person(
            actor=None, organisation=org, name="王五", document_number=_id("32010219900101005").lower()
        )
    assert exc.value.errors[0].code == "people.document_number.duplicate"
    # the same person may register at another station
    services.register_person(
        actor=None,
        organisation=demo["orgs"]["ST-10012005"],
        name="王五",
        document_number=_id("32010219900101005"),
    )


def test_x7_id_number_is_encrypted_at_rest_and_found_exactly(demo: dict[str, Any]) -> None:
    number = _id("32010219771212006")
    person = services.register_person(
        actor=None, organisation=demo["orgs"]["ST-10012003"], name="赵六", document_number=number
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        raw_row = " ".join(str(v) for v in cursor.fetchone())
    assert number not in raw_row and number[6:14] + number[14:17] not in raw_row
    found = services.find_by_document(demo["users"]["nj003"], "resident_id", number)
    assert [p.pk for p in found] == [person.pk]
    assert services.find_by_document(demo["users"]["sz001"], "resident_id", number) == []


def test_x7_pages_and_api_show_only_masked_numbers(login: Any, api: Any, demo: dict[str, Any]) -> None:
    person = Person.objects.filter(organisation=demo["orgs"]["ST-10012003"]).first()
    assert person is not None
    number = person.document_number()
    page = login("nj003").get(f"/manage/people/{person.pk}/").content.decode()
    assert person.document_masked in page and number not in page
    body = api("nj003").get(f"/api/v1/people/{person.pk}/").content.decode()
    assert number not in body and person.document_masked in body


def test_x7_log_records_mask_id_numbers(caplog: Any) -> None:
    from skillcert.core.logging import MaskIdNumbersFilter

    logger = logging.getLogger("skillcert.test")
    logger.addFilter(MaskIdNumbersFilter())
    number = _id("32010219850612003")
    with caplog.at_level(logging.INFO, logger="skillcert.test"):
        logger.info("looked up %s and 320102650304021", number)
    assert number not in caplog.text and "320102650304021" not in caplog.text
    assert "320***********" in caplog.text


def test_update_with_new_number_rederives_and_audits(api: Any, demo: dict[str, Any]) -> None:
    person = Person.objects.filter(organisation=demo["orgs"]["ST-10012003"], name="张伟").get()
    new_number = _id("32010219910202007")
    response = api("nj003").patch(
        f"/api/v1/people/{person.pk}/", {"document_number": new_number}, format="json"
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.birth_date == datetime.date(1991, 2, 2)
    response = api("nj003").patch(f"/api/v1/people/{person.pk}/", {"gender": "F"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "people.derived.readonly"


def test_ui_form_shows_bilingual_field_error(login: Any, demo: dict[str, Any]) -> None:
    response = login("nj003").post(
        "/manage/people/new/",
        {
            "organisation": demo["orgs"]["ST-10012003"].pk,
            "name": "钱七",
            "document_type": "resident_id",
            "document_number": "320102198506120039",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["document_number"][0]
    assert "身份证号码" in errors and "ID number" in errors


def test_ui_registers_person_and_redirects(login: Any, demo: dict[str, Any]) -> None:
    response = login("nj003").post(
        "/manage/people/new/",
        {
            "organisation": demo["orgs"]["ST-10012003"].pk,
            "name": "孙八",
            "document_type": "resident_id",
            "document_number": _id("32010219800808008"),
            "education": "30",
            "phone": "13912340000",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="孙八")
    assert response["Location"] == f"/manage/people/{person.pk}/"
    assert person.education_id == "30"


def test_x7_bulk_protection_matches_the_per_row_functions() -> None:
    """The import's set-up-once helpers give what encrypt / document_hash give (people/protect.py)."""
    from skillcert.people.protect import (
        bulk_document_hasher,
        bulk_encryptor,
        decrypt,
        document_hash,
    )

    encrypt, digest = bulk_encryptor(), bulk_document_hasher()
    for number in ("11010519491231002X", "320102198001010011", "H12345678"):
        sealed = encrypt(number)
        assert sealed.startswith("v1:") and decrypt(sealed) == number
        assert encrypt(number) != sealed  # a fresh nonce each time
        assert digest("resident_id", number) == document_hash("resident_id", number)
        assert digest("passport", number) != digest("resident_id", number)
