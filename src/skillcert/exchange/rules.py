"""The coding rules of import format v1 (R3.3, X6): one row in, either clean values or every error.

`RowChecker.check(row_number, cells)` is the tight loop of an import: it touches the database never —
organisations, numbering configurations, occupations, levels and education levels are loaded once when
the checker is built — and reuses the project's own parsers for the certificate number
(`certificates.numbering`), the ID number (`people.idnumber`) and the name (`people.names`), so a number,
an ID or a name is accepted by an import exactly when it is accepted everywhere else. Every error is a
`FieldError` with the row number as record and the column key as field.

This module holds the row rules (`RowChecker.check`) and their result (`CleanRow`); the state loaded
once per import and the per-cell parsers are in `checker_base` (`RowCheckerBase`), the database-free
cell helpers and fast paths in `cells`. Import `CleanRow` and `RowChecker` from here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from skillcert.certificates.choices import CertificateKind
from skillcert.certificates.numbering import National16, Scheme, check_issuer_area, parse_certificate_number
from skillcert.core.errors import FieldError, ValidationFailed
from skillcert.exchange.cells import _CJK_NAME, _GENDERS, _SOURCES, _fast_number, _text
from skillcert.exchange.checker_base import RowCheckerBase
from skillcert.people.idnumber import normalise_document, parse_resident_id
from skillcert.people.models import GENDER_ZH, DocumentType
from skillcert.people.names import normalise_name
from skillcert.people.protect import mask

__all__ = ["CleanRow", "RowChecker"]


@dataclass(slots=True)
class CleanRow:
    """One valid row, ready to be written."""

    row: int
    number: str
    scheme: str
    kind: str
    source: str
    licence_id: str
    organisation_id: int
    authority_id: int
    occupation_id: int
    level: int
    issued_on: datetime.date
    document_type: str
    document_hash: str
    document_number: str
    name: str
    gender: str
    birth_date: datetime.date
    education_id: str | None
    data: dict[str, Any]


class RowChecker(RowCheckerBase):
    """Checks rows for one import by one organisation (its subtree is the scope, X1)."""

    # --- the row ------------------------------------------------------------------------------------

    def check(self, row: int, cells: list[Any]) -> CleanRow | list[FieldError]:
        positions = self.positions
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]

        def cell(key: str) -> Any:
            return cells[positions[key]]

        errors: list[FieldError] = []
        record = str(row)

        # certificate number (certificates.numbering: both schemes, every problem reported)
        raw_number = _text(cell("certificate_number"))
        parsed: Any = _fast_number(raw_number)
        if parsed is not None:
            number = raw_number
        else:
            try:
                parsed = parse_certificate_number(raw_number, field="certificate_number", record=record)
            except ValidationFailed as exc:
                errors += exc.errors
            number = parsed.format() if parsed is not None else ""

        # name and identity document
        raw_name = cell("name")
        name = raw_name.strip() if isinstance(raw_name, str) else ""
        if not _CJK_NAME.match(name):
            try:
                name = normalise_name(_text(raw_name), field="name", record=record)
            except ValidationFailed as exc:
                errors += exc.errors
        document_type = _text(cell("document_type")) or DocumentType.RESIDENT_ID.value
        gender_text = _text(cell("gender")).upper()
        gender = _GENDERS.get(gender_text)
        if gender_text and gender is None:
            errors.append(
                self._error(
                    row,
                    "gender",
                    "exchange.gender.invalid",
                    f"“{gender_text[:10]}”不是有效性别（男/女）",
                    f"'{gender_text[:10]}' is not a gender (男/女, M/F)",
                )
            )
        birth_date = self._date(row, "birth_date", cell("birth_date"), errors)
        document_number = ""
        if document_type == DocumentType.RESIDENT_ID:
            raw_id = _text(cell("document_number"))
            fast = self._fast_resident(raw_id)
            rid: Any = None
            if fast is None:
                try:
                    rid = parse_resident_id(raw_id, field="document_number", record=record, today=self.today)
                except ValidationFailed as exc:
                    errors += exc.errors
                else:
                    fast = (rid.number, rid.gender, rid.birth_date)
            if fast is not None:
                document_number, id_gender, id_birth = fast
                if gender is not None and gender != id_gender:
                    errors.append(
                        self._error(
                            row,
                            "gender",
                            "people.gender.mismatch",
                            "性别与身份证号码不符",
                            "the gender does not match the ID number",
                        )
                    )
                if birth_date is not None and birth_date != id_birth:
                    errors.append(
                        self._error(
                            row,
                            "birth_date",
                            "people.birth_date.mismatch",
                            "出生日期与身份证号码不符",
                            "the birth date does not match the ID number",
                        )
                    )
                gender, birth_date = id_gender, id_birth
        else:
            try:
                document_number = normalise_document(
                    document_type, _text(cell("document_number")), field="document_number", record=record
                )
            except ValidationFailed as exc:
                errors += exc.errors
            if gender is None and not gender_text:
                errors.append(
                    self._error(
                        row,
                        "gender",
                        "people.gender.required",
                        "非居民身份证须填写性别",
                        "the gender is required for documents other than the resident ID",
                    )
                )
            if birth_date is None and not _text(cell("birth_date")):
                errors.append(
                    self._error(
                        row,
                        "birth_date",
                        "people.birth_date.required",
                        "非居民身份证须填写出生日期",
                        "the birth date is required for documents other than the resident ID",
                    )
                )
            elif birth_date is not None and birth_date > self.today:
                errors.append(
                    self._error(
                        row,
                        "birth_date",
                        "people.birth_date.future",
                        "出生日期不能晚于今天",
                        "the birth date cannot be in the future",
                    )
                )

        education = None
        education_text = _text(cell("education"))
        if education_text:
            education = self.education.get(education_text)
            if education is None:
                errors.append(
                    self._error(
                        row,
                        "education",
                        "people.education.invalid",
                        f"文化程度“{education_text[:20]}”不在代码表中",
                        f"unknown education level '{education_text[:20]}'",
                    )
                )

        # occupation (catalog: code + edition) and level
        code, edition = _text(cell("occupation_code")), _text(cell("occupation_edition"))
        occupation = self.occupations.get((code, edition))
        if occupation is None:
            if not code or not edition:
                field = "occupation_code" if not code else "occupation_edition"
                errors.append(
                    self._error(
                        row,
                        field,
                        "exchange.occupation.required",
                        "职业编码和大典版本必须填写",
                        "the occupation code and the catalogue edition are required",
                    )
                )
            else:
                errors.append(
                    self._error(
                        row,
                        "occupation_code",
                        "exchange.occupation.unknown",
                        f"职业“{code[:20]}”（{edition[:6]}版大典）不在职业目录中",
                        f"occupation {code[:20]} (edition {edition[:6]}) is not in the catalogue",
                    )
                )
        level_text = _text(cell("level"))
        level = int(level_text) if level_text in ("1", "2", "3", "4", "5") else None
        if level is None:
            errors.append(
                self._error(
                    row,
                    "level",
                    "exchange.level.invalid",
                    f"等级应为1–5，实为“{level_text[:10]}”",
                    f"the level must be 1–5, not '{level_text[:10]}'",
                )
            )
        elif parsed is not None and parsed.level != level:
            errors.append(
                self._error(
                    row,
                    "level",
                    "exchange.level.mismatch",
                    f"等级{level}与证书编号中的等级{parsed.level}不符",
                    f"level {level} does not match level {parsed.level} in the certificate number",
                )
            )

        # dates
        issued_on = self._date(row, "issued_on", cell("issued_on"), errors)
        if (
            issued_on is None
            and not _text(cell("issued_on"))
            and not isinstance(cell("issued_on"), datetime.date)
        ):
            errors.append(
                self._error(
                    row,
                    "issued_on",
                    "exchange.issued_on.required",
                    "发证日期必须填写",
                    "the issue date is required",
                )
            )
        elif issued_on is not None:
            if issued_on > self.today:
                errors.append(
                    self._error(
                        row,
                        "issued_on",
                        "exchange.issued_on.future",
                        "发证日期晚于今天",
                        "the issue date is in the future",
                    )
                )
            elif parsed is not None and parsed.year != issued_on.year:
                errors.append(
                    self._error(
                        row,
                        "issued_on",
                        "exchange.issued_on.year_mismatch",
                        f"发证年份{issued_on.year}与证书编号中的年份{parsed.year}不符",
                        f"the issue year {issued_on.year} does not match the year "
                        f"{parsed.year} in the certificate number",
                    )
                )
            if birth_date is not None and issued_on <= birth_date:
                errors.append(
                    self._error(
                        row,
                        "issued_on",
                        "exchange.issued_on.before_birth",
                        "发证日期早于出生日期",
                        "the issue date is before the birth date",
                    )
                )

        # issuing organisation: known, inside the importer's subtree, with a numbering configuration
        org_code = _text(cell("organisation"))
        org = self.orgs.get(org_code)
        config = None
        if org is None:
            if not org_code:
                errors.append(
                    self._error(
                        row,
                        "organisation",
                        "exchange.organisation.required",
                        "发证单位代码必须填写",
                        "the issuing organisation code is required",
                    )
                )
            elif org_code in self.known_org_codes:
                errors.append(
                    self._error(
                        row,
                        "organisation",
                        "exchange.organisation.out_of_scope",
                        f"发证单位“{org_code[:32]}”不在本机构及下级范围内",
                        f"organisation {org_code[:32]} is not the importer or below it",
                    )
                )
            else:
                errors.append(
                    self._error(
                        row,
                        "organisation",
                        "exchange.organisation.unknown",
                        f"发证单位代码“{org_code[:32]}”不存在",
                        f"there is no organisation with code {org_code[:32]}",
                    )
                )
        else:
            config = self.config_for(org)
            if config is None:
                errors.append(
                    self._error(
                        row,
                        "organisation",
                        "certificates.numbering.missing",
                        f"{org.name}的上级机构没有配置证书编号规则",
                        "no numbering configuration above this organisation",
                    )
                )
        if (
            org is not None
            and isinstance(parsed, National16)
            and org.institution_code
            and parsed.institution_code != org.institution_code
        ):
            errors.append(
                self._error(
                    row,
                    "certificate_number",
                    "exchange.number.institution",
                    f"证书编号第3–10位（鉴定机构代码{parsed.institution_code}）与发证单位的机构代码"
                    f"{org.institution_code}不符",
                    f"digits 3–10 of the certificate number (institution {parsed.institution_code}) do not "
                    f"match the organisation's institution code {org.institution_code}",
                )
            )
        if config is not None and occupation is not None and isinstance(parsed, National16):
            try:
                check_issuer_area(
                    parsed,
                    config.area_code,
                    industry_occupation=occupation.industry_specific,
                    industry_code=occupation.industry_code or None,
                    field="certificate_number",
                    record=record,
                )
            except ValidationFailed as exc:
                errors += exc.errors
            except ValueError:  # a configuration without an area (skill22 issuers) — nothing to compare
                pass
        if (
            config is not None
            and occupation is not None
            and occupation.industry_specific
            and not isinstance(parsed, National16)
            and config.area_code != occupation.industry_code
        ):
            errors.append(
                self._error(
                    row,
                    "occupation_code",
                    "certificates.numbering.industry_only",
                    f"{occupation.name}为行业特有工种，只能由行业鉴定中心（代码{occupation.industry_code}）核发",
                    f"{occupation.name} is industry-specific: only the industry centre "
                    f"({occupation.industry_code}) may certify it",
                )
            )

        source_text = _text(cell("source")).lower()
        source = _SOURCES.get(source_text)
        if source is None:
            errors.append(
                self._error(
                    row,
                    "source",
                    "exchange.source.invalid",
                    f"数据来源应为imported或historical，实为“{source_text[:20]}”",
                    f"the source must be imported or historical, not '{source_text[:20]}'",
                )
            )

        theory = self._score(row, "theory", cell("theory"), errors)
        practical = self._score(row, "practical", cell("practical"), errors)
        comprehensive = self._score(row, "comprehensive", cell("comprehensive"), errors)
        evaluation = _text(cell("evaluation")) or "合格"
        if len(evaluation) > 20:
            errors.append(
                self._error(
                    row,
                    "evaluation",
                    "exchange.evaluation.length",
                    "评定成绩最多20个字符",
                    "the evaluation is longer than 20 characters",
                )
            )
        work_type = _text(cell("work_type"))
        if len(work_type) > 100:
            errors.append(
                self._error(
                    row,
                    "work_type",
                    "exchange.work_type.length",
                    "工种最多100个字符",
                    "the work type is longer than 100 characters",
                )
            )

        if errors:
            return errors
        assert org is not None and config is not None and occupation is not None and level is not None
        assert issued_on is not None and birth_date is not None and gender is not None and source is not None
        licence_id = self.licence_id(config, number)
        lv = self.levels[level]
        authority = config.issuing_authority
        data = {
            "name": name,
            "gender": GENDER_ZH[gender],
            "birth_date": birth_date.isoformat(),
            "education": education.name_zh if education else "",
            "id_number_masked": mask(document_number),
            "document_type": document_type,
            "occupation_code": occupation.code,
            "occupation": occupation.name,
            "occupation_edition": occupation.edition,
            "work_type": work_type,
            "level": level,
            "level_name": f"{lv.name_zh}/{lv.title_zh}",
            "level_name_en": lv.name_en,
            "theory": theory,
            "practical": practical,
            "comprehensive": comprehensive,
            "evaluation": evaluation,
            "issued_on": issued_on.isoformat(),
            "issuing_authority": authority.name,
            "issuing_authority_en": authority.name_en,
            "photo": "",
            "session": "",
            "source": source,
        }
        return CleanRow(
            row=row,
            number=number,
            scheme=parsed.scheme.value,
            kind=(
                CertificateKind.QUALIFICATION
                if parsed.scheme is Scheme.NATIONAL16
                else CertificateKind.SKILL_LEVEL
            ).value,
            source=source,
            licence_id=licence_id,
            organisation_id=org.pk,
            authority_id=authority.pk,
            occupation_id=occupation.pk,
            level=level,
            issued_on=issued_on,
            document_type=document_type,
            document_hash=self.document_hash(document_type, document_number),
            document_number=document_number,
            name=name,
            gender=gender,
            birth_date=birth_date,
            education_id=education.code if education else None,
            data=data,
        )
