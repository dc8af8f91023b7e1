"""Certificate numbers: the old 16-digit national scheme and the 22-character 2019 skill-level scheme.

Pure Python (no Django, no database), so the issuer, imports, verification and the CLI can all use it.

**National16** — the old 国家职业资格证书 number, ``YY PP CC T NNN L SSSSS`` (digits counted from the left):

=====  ==========================================================================================
1–2    issue year, last two digits. Century rule: always 20YY, so the scheme covers 2000–2099.
       Certificates numbered in the 1990s would read as 20xx; importing them needs a pivot then.
3–4    province or industry code from the national centre's own table — NOT GB/T 2260 (Jiangsu is
       10 here, 32 in GB/T 2260; machinery is 49, tobacco 72). The full table was never found, so
       any code 01–99 is accepted; only 00 is refused. See ``OSTA_AREA_CODES`` for the known ones.
5–6    prefecture (地市) code set by the provincial centre; 00 for industries without a second level.
7      institution type: 0 guidance centre, 1 national station, 2 local station, 3 industry station,
       4 enterprise. 5–9 are refused.
8–10   institution number.
11     level: 1 一级/高级技师, 2 二级/技师, 3 三级/高级, 4 四级/中级, 5 五级/初级.
12–16  sequence per institution, level and year, 00001–99999 (00000 is refused).
=====  ==========================================================================================

An institution's 8-digit code (鉴定机构代码) is digits 3–10, ``PP CC T NNN``
(``National16.institution_code``).

**Skill22** — the 2019 职业技能等级证书 number, ``X NNNN PP SSSSSS YY L QQQQQQ``:

=====  ==========================================================================================
1      evaluator kind: Y employer (用人单位) or S social evaluation body (社会培训评价组织).
2–5    institution code, 0000 when the body is registered with the province.
6–7    province code from GB/T 2260 (one of the 34 in ``GBT2260_PROVINCES``; 99 is refused).
8–13   evaluation site code.
14–15  year, last two digits, same century rule (20YY).
16     level, 1–5 as above.
17–22  sequence, 000001–999999.
=====  ==========================================================================================

**Input** is normalised before anything is checked: Unicode NFKC (full-width digits and letters become
ASCII), spaces, hyphens/dashes and invisible characters removed, letters upper-cased. Positions in error
messages count characters of the normalised number.

**Scheme detection** when ``scheme`` is None: 16 characters → National16; 22 characters → Skill22; any other
length → ``.length``. A 22-character number whose first character is not Y or S fits no scheme and gets
``.scheme`` (the rest of it is still checked as a Skill22 number, so every other problem is reported too).
When the caller names the scheme (it is configured per issuing organisation), the same first character
gets ``.evaluator_kind``, and a number that is clearly of the *other* scheme gets ``.scheme``.

**Errors** (X6): ``parse_certificate_number`` raises one ``ValidationFailed`` carrying one ``FieldError`` per
problem — all problems, not just the first — with a stable code and a message in Chinese and English that
names the certificate number (证书编号), the part and its positions, e.g. ``certificates.number.level``:
"证书编号第11位（等级）应为1–5，实为7" / "Digit 11 (level) of the certificate number must be 1–5, not 7".

==================================  ==================================================================
code (``certificates.number.…``)    when
==================================  ==================================================================
``empty``                           nothing left after normalisation
``length``                          wrong number of characters (16 or 22)
``characters``                      a character not allowed at its place (a letter among the digits,
                                    punctuation, CJK …); one error per part, naming the part
``scheme``                          no scheme fits (22 characters not starting with Y/S), or the number
                                    belongs to the other scheme than the one required
``year``                            format() only: year outside 2000–2099
``area``                            National16 digits 3–4 are 00 (format(): not two digits either)
``institution_type``                National16 digit 7 is 5–9
``level``                           level digit is 0 or 6–9
``sequence``                        sequence is all zeros (format(): outside 1…capacity)
``province``                        Skill22 digits 6–7 are not a GB/T 2260 province
``evaluator_kind``                  Skill22 first character is not Y/S (scheme named by the caller)
``city`` / ``institution`` /        format() only: the field is not a string of the right number of
``site``                            digits
``industry_code``                   ``check_issuer_area``: industry-specific occupation vs. issuer (R4.3)
``issuer_area``                     ``check_issuer_area``: a general occupation's number carries another
                                    province's code than its issuer's
==================================  ==================================================================

``format()`` validates too: it raises the same ``ValidationFailed`` (same codes and messages) when a field is
out of range or of the wrong shape, so a bad number can never be produced. Construction itself does not
validate (the dataclasses are plain values). For every valid value ``parse(x.format()) == x`` and for every
valid normalised string ``parse(s).format() == s``.

**Modules.** This module parses numbers and checks who may number what (R4.3); the tables and part
layouts are in ``numbering_tables``, the error builders in ``numbering_problems``, the ``National16`` /
``Skill22`` values and their ``format()`` in ``numbering_values``. Every public name stays importable
from here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Final

from skillcert.certificates.numbering_problems import (
    _evaluator_problem,
    _n16_problem,
    _part_error,
    _Problem,
    _s22_problem,
    _show,
    _whole_error,
)
from skillcert.certificates.numbering_tables import (  # noqa: F401  (re-exported)
    _DIGITS,
    _LENGTH,
    _N16_PARTS,
    _NAME_EN,
    _NAME_ZH,
    _PARTS,
    _S22_PARTS,
    CODE,
    EVALUATOR_KINDS,
    GBT2260_PROVINCES,
    INSTITUTION_TYPES,
    LEVEL_NAMES,
    OSTA_AREA_CODES,
    YEAR_MAX,
    YEAR_MIN,
    Scheme,
    _Part,
    next_sequence_capacity,
)
from skillcert.certificates.numbering_values import (  # noqa: F401  (re-exported)
    CertificateNumber,
    National16,
    Skill22,
)
from skillcert.core.errors import FieldError, ValidationFailed

_ALNUM: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Dashes people type between groups (after NFKC, which already folds U+FF0D and U+FE63 to "-").
_DASHES: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc")
# Invisible characters that ride along when numbers are pasted from web pages and spreadsheets.
_INVISIBLE: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")


# --- parsing ----------------------------------------------------------------------------------------


def normalise_number(raw: object) -> str:
    """NFKC, without spaces, hyphens/dashes and invisible characters, upper-case."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", raw if isinstance(raw, str) else str(raw))
    kept = (ch for ch in text if not ch.isspace() and ch not in _DASHES and ch not in _INVISIBLE)
    return "".join(kept).upper()


def _foreign_characters(text: str) -> list[tuple[int, str]]:
    return [(i + 1, ch) for i, ch in enumerate(text) if ch not in _ALNUM]


def _detect(
    text: str, scheme: Scheme | None, field: str, record: str | None
) -> tuple[Scheme, list[FieldError]]:
    """The scheme to check the text against, or the whole-number errors that stop the check."""
    n = len(text)
    looks_skill22 = n == 22 and text[0] in EVALUATOR_KINDS
    looks_national16 = n == 16 and all(ch in _DIGITS for ch in text)
    if scheme is None:
        if n == 16:
            return Scheme.NATIONAL16, []
        if n == 22:
            return Scheme.SKILL22, []
        zh = f"{_NAME_ZH}应为16位数字（旧国家职业资格证书）或22位（职业技能等级证书），实为{n}位"
        en = (
            f"The {_NAME_EN} must have 16 digits (old national qualification certificate) "
            f"or 22 characters (skill-level certificate), not {n}"
        )
        return Scheme.NATIONAL16, [_whole_error(field, record, "length", zh, en)]
    if scheme is Scheme.NATIONAL16 and looks_skill22:
        zh = f"{_NAME_ZH}是22位职业技能等级证书编号，此处应为16位旧国家职业资格证书编号"
        en = (
            f"The {_NAME_EN} is a 22-character skill-level certificate number; "
            "a 16-digit national qualification certificate number is required here"
        )
        return scheme, [_whole_error(field, record, "scheme", zh, en)]
    if scheme is Scheme.SKILL22 and looks_national16:
        zh = f"{_NAME_ZH}是16位旧国家职业资格证书编号，此处应为22位职业技能等级证书编号"
        en = (
            f"The {_NAME_EN} is a 16-digit national qualification certificate number; "
            "a 22-character skill-level certificate number is required here"
        )
        return scheme, [_whole_error(field, record, "scheme", zh, en)]
    want = _LENGTH[scheme]
    if n != want:
        what_zh, what_en = ("16位数字", "16 digits") if want == 16 else ("22位", "22 characters")
        zh = f"{_NAME_ZH}应为{what_zh}，实为{n}位"
        en = f"The {_NAME_EN} must have {what_en}, not {n}"
        return scheme, [_whole_error(field, record, "length", zh, en)]
    return scheme, []


def _check_parts(
    text: str,
    parts: Iterable[_Part],
    value_problem: Callable[[str, str], tuple[str, _Problem] | None],
    field: str,
    record: str | None,
    first_code: str,
) -> tuple[dict[str, str], list[FieldError]]:
    raw_parts: dict[str, str] = {}
    errors: list[FieldError] = []
    for part in parts:
        raw = text[part.start : part.end]
        raw_parts[part.name] = raw
        if not part.digits:  # the evaluator kind, Skill22's only letter
            problem = _evaluator_problem(raw)
            if problem:
                errors.append(_part_error(field, record, part, first_code, problem))
            continue
        if not all(ch in _DIGITS for ch in raw):
            noun_zh = "数字" if part.width == 1 else f"{part.width}位数字"
            noun_en = "a digit" if part.width == 1 else "digits"
            problem = (f"应为{noun_zh}，实为“{_show(raw)}”", f"must be {noun_en}, not “{_show(raw)}”")
            errors.append(_part_error(field, record, part, "characters", problem))
            continue
        found = value_problem(part.name, raw)
        if found:
            errors.append(_part_error(field, record, part, found[0], found[1]))
    return raw_parts, errors


def parse_certificate_number(
    number: str, *, scheme: Scheme | None = None, field: str = "number", record: str | None = None
) -> National16 | Skill22:
    """The parts of a certificate number, or ValidationFailed with one FieldError per problem (X6).

    ``scheme`` is the scheme the issuing organisation is configured for; None detects it from the shape.
    ``field`` and ``record`` are copied into every FieldError (e.g. an import row)."""
    text = normalise_number(number)
    if not text:
        raise ValidationFailed.of(
            [_whole_error(field, record, "empty", f"{_NAME_ZH}为空", f"The {_NAME_EN} is empty")], record
        )
    if scheme is not None:
        scheme = Scheme(scheme)
    detected, errors = _detect(text, scheme, field, record)
    if errors:
        if errors[0].code == f"{CODE}.length":
            foreign = _foreign_characters(text)
            if foreign:
                chars = "、".join(f"第{pos}位“{_show(ch)}”" for pos, ch in foreign[:5])
                chars_en = ", ".join(f"“{_show(ch)}” at {pos}" for pos, ch in foreign[:5])
                errors.append(
                    _whole_error(
                        field,
                        record,
                        "characters",
                        f"{_NAME_ZH}只能含数字和字母，含有{chars}",
                        f"The {_NAME_EN} may only contain digits and letters; it has {chars_en}",
                    )
                )
        raise ValidationFailed.of(errors, record)

    if detected is Scheme.NATIONAL16:
        raw, errors = _check_parts(text, _N16_PARTS, _n16_problem, field, record, "evaluator_kind")
        if errors:
            raise ValidationFailed.of(errors, record)
        return National16(
            year=2000 + int(raw["year"]),
            area=raw["area"],
            city=raw["city"],
            institution_type=raw["institution_type"],
            institution=raw["institution"],
            level=int(raw["level"]),
            sequence=int(raw["sequence"]),
        )

    # Without a configured scheme, a bad first character means no scheme fits the number at all.
    first_code = "scheme" if scheme is None else "evaluator_kind"
    raw, errors = _check_parts(text, _S22_PARTS, _s22_problem, field, record, first_code)
    if errors:
        raise ValidationFailed.of(errors, record)
    return Skill22(
        evaluator_kind=raw["evaluator_kind"],
        institution=raw["institution"],
        province=raw["province"],
        site=raw["site"],
        year=2000 + int(raw["year"]),
        level=int(raw["level"]),
        sequence=int(raw["sequence"]),
    )


# --- R4.3: who may number what -----------------------------------------------------------------------


def _is_area_code(code: object) -> bool:
    return isinstance(code, str) and len(code) == 2 and all(ch in _DIGITS for ch in code) and code != "00"


def _area_label(code: str) -> tuple[str, str]:
    known = OSTA_AREA_CODES.get(code)
    if known is None:
        return code, code
    return f"{code}（{known[0]}）", f"{code} ({known[1]})"


def check_issuer_area(
    parsed: National16,
    issuer_area: str,
    *,
    industry_occupation: bool,
    industry_code: str | None,
    field: str = "number",
    record: str | None = None,
) -> None:
    """R4.3: the number's province/industry code (digits 3–4) must match who may certify the occupation.

    Industry-specific occupations are certified only by the industry centre; their numbers carry the
    industry code (49 for machinery); numbers from the wrong issuer must not verify.

    - Industry-specific occupation (``industry_occupation=True``, ``industry_code`` e.g. "49"): the issuer
      must be the industry centre (``issuer_area == industry_code``) and the number must carry the industry
      code. Each broken condition is one ``certificates.number.industry_code`` error.
    - General occupation: the number must carry its issuer's code (a province's number carries the
      province code). A number carrying an industry code (the given ``industry_code`` or a known industry
      code in ``OSTA_AREA_CODES``) for a general occupation from another issuer is
      ``certificates.number.industry_code``; a plain mismatch of province codes is
      ``certificates.number.issuer_area``. Whether an industry centre may also certify general
      occupations is not stated by R4.3, so it is not refused here.

    ``issuer_area`` and ``industry_code`` are configuration, not user input: a malformed one, or a missing
    ``industry_code`` for an industry-specific occupation, is a programming error and raises ValueError.
    """
    if not _is_area_code(issuer_area):
        raise ValueError(f"issuer_area must be a two-digit code 01–99, not {issuer_area!r}")
    if industry_code is not None and not _is_area_code(industry_code):
        raise ValueError(f"industry_code must be a two-digit code 01–99, not {industry_code!r}")
    if industry_occupation and industry_code is None:
        raise ValueError("industry_code is required for an industry-specific occupation")

    part = _PARTS[Scheme.NATIONAL16]["area"]
    area_zh, area_en = _area_label(parsed.area)
    errors: list[FieldError] = []
    if industry_occupation:
        assert industry_code is not None
        ind_zh, ind_en = _area_label(industry_code)
        if issuer_area != industry_code:
            issuer_zh, issuer_en = _area_label(issuer_area)
            errors.append(
                _whole_error(
                    field,
                    record,
                    "industry_code",
                    f"{_NAME_ZH}的发证机构有误：该职业为行业特有职业，只能由代码为{ind_zh}的行业中心发证，"
                    f"发证机构的代码却是{issuer_zh}",
                    f"The {_NAME_EN} comes from the wrong issuer: this is an industry-specific occupation, "
                    f"which only the industry centre with code {ind_en} may certify, but the issuer's code "
                    f"is {issuer_en}",
                )
            )
        if parsed.area != industry_code:
            problem = (
                f"应为行业代码{ind_zh}，因为该职业为行业特有职业，实为{area_zh}",
                f"must be the industry code {ind_en}, as the occupation is industry-specific, not {area_en}",
            )
            errors.append(_part_error(field, record, part, "industry_code", problem))
    elif parsed.area != issuer_area:
        issuer_zh, issuer_en = _area_label(issuer_area)
        is_industry = (
            parsed.area == industry_code or OSTA_AREA_CODES.get(parsed.area, ("", "", ""))[2] == "industry"
        )
        if is_industry:
            problem = (
                f"应为发证机构的代码{issuer_zh}，实为行业代码{area_zh}（行业代码只用于行业特有职业）",
                f"must be the issuer's code {issuer_en}, not the industry code {area_en} "
                "(industry codes are only for industry-specific occupations)",
            )
            errors.append(_part_error(field, record, part, "industry_code", problem))
        else:
            problem = (
                f"应为发证机构的代码{issuer_zh}，实为{area_zh}",
                f"must be the issuer's code {issuer_en}, not {area_en}",
            )
            errors.append(_part_error(field, record, part, "issuer_area", problem))
    if errors:
        raise ValidationFailed.of(errors, record)
