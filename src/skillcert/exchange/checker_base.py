"""The state and the per-cell parsers of `rules.RowChecker` (import format v1, R3.3, X6).

`RowCheckerBase` loads, once per import, everything a row check looks up — the importer's organisations
(its subtree is the scope, X1) with the numbering configuration above each, occupations, levels and
education levels — so that checking a row never touches the database. It also holds the per-cell parsers
that use that state or the import's `today`: the resident ID fast path (region look-ups cached per
code), the GB/T 36904 licence identifier (check state cached per configuration), dates, scores, the
header-to-position map and the bilingual row error. `rules.RowChecker` adds the row check itself.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from skillcert.catalog.models import EducationLevel, Level, Occupation
from skillcert.certificates.elicence import ROOT
from skillcert.certificates.models import NumberingConfig
from skillcert.core.errors import FieldError
from skillcert.exchange.cells import (
    _DATE_COMPACT,
    _DATE_SEP,
    _EARLIEST_BIRTH,
    _RID,
    _SCORE_MAX,
    _SCORE_SIMPLE,
    _TENTH,
    _ZH_COLUMN,
    _mod_37_36_check,
    _mod_37_36_state,
    _text,
)
from skillcert.orgs.models import Organisation
from skillcert.people.idnumber import check_character as id_check_character
from skillcert.people.idnumber import region_name
from skillcert.people.protect import bulk_document_hasher


class RowCheckerBase:
    """What a `RowChecker` checks rows against, and its per-cell parsers (see the module docstring)."""

    def __init__(self, importer: Organisation, *, today: datetime.date | None = None) -> None:
        self.importer = importer
        self.today = today or datetime.date.today()
        self.orgs = {o.code: o for o in Organisation.objects.filter(path__startswith=importer.path)}
        # Every code, to tell "not yours" from "unknown" without a query per bad row: `check` never
        # touches the database.
        self.known_org_codes = frozenset(Organisation.objects.values_list("code", flat=True))
        configs = {
            c.organisation_id: c
            for c in NumberingConfig.objects.select_related("organisation", "issuing_authority")
        }
        self._config_of: dict[int, NumberingConfig | None] = {}
        for org in self.orgs.values():
            ids = [int(p) for p in org.path.strip("/").split("/") if p]
            self._config_of[org.pk] = next((configs[i] for i in reversed(ids) if i in configs), None)
        self.occupations = {(o.code, str(o.edition)): o for o in Occupation.objects.all()}
        self.levels = {lv.number: lv for lv in Level.objects.all()}
        self.education: dict[str, EducationLevel] = {}
        for e in EducationLevel.objects.all():
            self.education[e.code] = e
            self.education[e.name_zh] = e
        self.index: dict[str, int] = {}
        self.width = 1
        self.positions: dict[str, int] = {}
        self._licence_heads: dict[int, tuple[str, int]] = {}
        self._regions: dict[str, bool] = {}
        self.document_hash = bulk_document_hasher()

    def _fast_resident(self, text: str) -> tuple[str, str, datetime.date] | None:
        """(number, gender, birth date) of a clean, valid 18-digit ID, else None (then the full parser
        runs and names the problem). The region code look-up is cached per code."""
        if len(text) != 18 or not _RID.fullmatch(text):
            return None
        region = text[:6]
        known = self._regions.get(region)
        if known is None:
            known = self._regions[region] = region_name(region) is not None
        if not known or id_check_character(text[:17]) != text[17]:
            return None
        try:
            birth = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        except ValueError:
            return None
        if birth < _EARLIEST_BIRTH or birth > self.today:
            return None
        return text, ("M" if int(text[16]) % 2 else "F"), birth

    def licence_id(self, config: NumberingConfig, number: str) -> str:
        """GB/T 36904 identifier, version 001; the check state over type code + issuer is kept per
        configuration (a test compares it with certificates.elicence.make_licence_id)."""
        cached = self._licence_heads.get(config.pk)
        if cached is None:
            cached = self._licence_heads[config.pk] = (
                f"{ROOT}.{config.licence_type_code}.{config.issuer_uscc}.",
                _mod_37_36_state(f"{config.licence_type_code}{config.issuer_uscc}"),
            )
        head, state = cached
        return f"{head}{number}.001.{_mod_37_36_check(_mod_37_36_state(number + '001', state))}"

    def set_header(self, keys: list[str | None]) -> None:
        self.index = {k: i for i, k in enumerate(keys) if k is not None}
        # Every column key to a cell position; absent columns to one extra position that is always None.
        self.width = len(keys) + 1
        self.positions = {c: self.index.get(c, len(keys)) for c in _ZH_COLUMN}

    # --- helpers ------------------------------------------------------------------------------------

    @staticmethod
    def _error(row: int, field: str, code: str, zh: str, en: str) -> FieldError:
        return FieldError(
            field,
            code,
            f"第{row}行{_ZH_COLUMN.get(field, field)}：{zh}",
            f"Row {row}, {field}: {en}",
            str(row),
        )

    def _date(self, row: int, field: str, value: Any, errors: list[FieldError]) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _text(value)
        if not text:
            return None
        try:
            if len(text) == 10 and text[4] == "-":
                return datetime.date.fromisoformat(text)
            m = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
            if m:
                return datetime.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
        errors.append(
            self._error(
                row,
                field,
                "exchange.date.format",
                f"“{text[:20]}”不是有效日期（应为YYYY-MM-DD）",
                f"'{text[:20]}' is not a valid date (use YYYY-MM-DD)",
            )
        )
        return None

    def _score(self, row: int, field: str, value: Any, errors: list[FieldError]) -> str | None:
        text = _text(value)
        if not text:
            return None
        if _SCORE_SIMPLE.match(text):
            return text if "." in text else text + ".0"
        try:
            score = Decimal(text)
        except InvalidOperation:
            score = Decimal(-1)
        if not score.is_finite() or score < 0 or score > _SCORE_MAX or score != score.quantize(_TENTH):
            errors.append(
                self._error(
                    row,
                    field,
                    "exchange.score.invalid",
                    f"成绩“{text[:10]}”应为0–100、最多一位小数",
                    f"the score '{text[:10]}' must be 0–100 with at most one decimal",
                )
            )
            return None
        return str(score.quantize(_TENTH))

    def config_for(self, org: Organisation) -> NumberingConfig | None:
        return self._config_of.get(org.pk)
