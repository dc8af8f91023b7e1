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
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Final

from skillcert.core.errors import FieldError, ValidationFailed

CODE: Final = "certificates.number"
_NAME_ZH: Final = "证书编号"
_NAME_EN: Final = "certificate number"

_DIGITS: Final = frozenset("0123456789")
_ALNUM: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Dashes people type between groups (after NFKC, which already folds U+FF0D and U+FE63 to "-").
_DASHES: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc")
# Invisible characters that ride along when numbers are pasted from web pages and spreadsheets.
_INVISIBLE: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")

YEAR_MIN: Final = 2000
YEAR_MAX: Final = 2099


class Scheme(StrEnum):
    NATIONAL16 = "national16"
    SKILL22 = "skill22"


LEVEL_NAMES: Final[dict[int, tuple[str, str]]] = {
    1: ("一级/高级技师", "level 1 / senior technician"),
    2: ("二级/技师", "level 2 / technician"),
    3: ("三级/高级工", "level 3 / senior worker"),
    4: ("四级/中级工", "level 4 / intermediate worker"),
    5: ("五级/初级工", "level 5 / junior worker"),
}

INSTITUTION_TYPES: Final[dict[str, tuple[str, str]]] = {
    "0": ("职业技能鉴定（指导）中心", "guidance centre"),
    "1": ("国家职业技能鉴定所", "national station"),
    "2": ("地方职业技能鉴定站", "local station"),
    "3": ("行业特有工种职业技能鉴定站", "industry station"),
    "4": ("企业内职业技能鉴定（工人考核委员会）", "enterprise"),
}

EVALUATOR_KINDS: Final[dict[str, tuple[str, str]]] = {
    "Y": ("用人单位", "employer"),
    "S": ("社会培训评价组织", "social evaluation body"),
}

# GB/T 2260 province-level codes (the same 34 as python-stdnum's cn/loc database; a test keeps them equal).
GBT2260_PROVINCES: Final[dict[str, str]] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

# The national centre's own province/industry codes that a source confirms
# (shared/data/osta-region-codes.csv).
# Deliberately incomplete: the official table was not found, and gaps must not be filled by pattern.
OSTA_AREA_CODES: Final[dict[str, tuple[str, str, str]]] = {  # code: (name, English name, kind)
    "10": ("江苏省", "Jiangsu", "province"),
    "49": ("机械行业", "machinery industry", "industry"),
    "72": ("烟草行业", "tobacco industry", "industry"),
}

_CAPACITY: Final[dict[Scheme, int]] = {Scheme.NATIONAL16: 99_999, Scheme.SKILL22: 999_999}
_LENGTH: Final[dict[Scheme, int]] = {Scheme.NATIONAL16: 16, Scheme.SKILL22: 22}


def next_sequence_capacity(scheme: Scheme | str) -> int:
    """The highest sequence a scheme can number (99999 / 999999) for one institution, level and year.

    The issuer refuses to issue once the next sequence would exceed it, rather than wrap or widen."""
    return _CAPACITY[Scheme(scheme)]


# --- parts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    name: str
    start: int  # 0-based
    width: int
    zh: str
    en: str
    digits: bool = True

    @property
    def end(self) -> int:
        return self.start + self.width

    @property
    def where_zh(self) -> str:
        first, last = self.start + 1, self.end
        return f"第{first}位" if first == last else f"第{first}–{last}位"

    @property
    def where_en(self) -> str:
        first, last = self.start + 1, self.end
        noun = "Digit" if self.digits else "Character"
        return f"{noun} {first}" if first == last else f"{noun}s {first}–{last}"


_N16_PARTS: Final = (
    _Part("year", 0, 2, "年份", "year"),
    _Part("area", 2, 2, "省/行业代码", "province or industry code"),
    _Part("city", 4, 2, "地市代码", "city code"),
    _Part("institution_type", 6, 1, "机构类型", "institution type"),
    _Part("institution", 7, 3, "机构序号", "institution number"),
    _Part("level", 10, 1, "等级", "level"),
    _Part("sequence", 11, 5, "顺序号", "sequence"),
)
_S22_PARTS: Final = (
    _Part("evaluator_kind", 0, 1, "评价机构类别", "evaluator kind", digits=False),
    _Part("institution", 1, 4, "机构代码", "institution code"),
    _Part("province", 5, 2, "省份代码", "province code"),
    _Part("site", 7, 6, "考点代码", "evaluation site code"),
    _Part("year", 13, 2, "年份", "year"),
    _Part("level", 15, 1, "等级", "level"),
    _Part("sequence", 16, 6, "顺序号", "sequence"),
)
_PARTS: Final = {
    Scheme.NATIONAL16: {p.name: p for p in _N16_PARTS},
    Scheme.SKILL22: {p.name: p for p in _S22_PARTS},
}

# A value problem: (zh, en) completing "证书编号第N位（part）…" /
# "Digit N (part) of the certificate number …".
_Problem = tuple[str, str]


def _part_error(field: str, record: str | None, part: _Part, code: str, problem: _Problem) -> FieldError:
    zh, en = problem
    return FieldError(
        field,
        f"{CODE}.{code}",
        f"{_NAME_ZH}{part.where_zh}（{part.zh}）{zh}",
        f"{part.where_en} ({part.en}) of the {_NAME_EN} {en}",
        record,
    )


def _whole_error(field: str, record: str | None, code: str, zh: str, en: str) -> FieldError:
    return FieldError(field, f"{CODE}.{code}", zh, en, record)


def _level_problem(raw: str) -> _Problem | None:
    if raw in ("1", "2", "3", "4", "5"):
        return None
    return (f"应为1–5，实为{raw}", f"must be 1–5, not {raw}")


def _sequence_problem(raw: str, width: int) -> _Problem | None:
    if int(raw) != 0:
        return None
    low, high = "0" * (width - 1) + "1", "9" * width
    return (
        f"应为{low}–{high}，实为{raw}",
        f"must be {low}–{high}, not {raw} ({raw} is not a valid sequence)",
    )


def _n16_problem(name: str, raw: str) -> tuple[str, _Problem] | None:
    """The value problem of one all-digit National16 part, with its code suffix."""
    problem: _Problem | None = None
    if name == "area" and raw == "00":
        problem = ("应为省或行业代码（01–99），实为00", "must be a province or industry code (01–99), not 00")
    elif name == "institution_type" and raw not in INSTITUTION_TYPES:
        problem = (
            f"应为0–4（0指导中心、1国家鉴定所、2地方鉴定站、3行业鉴定站、4企业），实为{raw}",
            f"must be 0–4 (0 guidance centre, 1 national station, 2 local station, 3 industry station, "
            f"4 enterprise), not {raw}",
        )
    elif name == "level":
        problem = _level_problem(raw)
    elif name == "sequence":
        problem = _sequence_problem(raw, 5)
    return (name, problem) if problem else None


def _s22_problem(name: str, raw: str) -> tuple[str, _Problem] | None:
    """The value problem of one all-digit Skill22 part, with its code suffix."""
    problem: _Problem | None = None
    if name == "province" and raw not in GBT2260_PROVINCES:
        problem = (
            f"应为GB/T 2260省级行政区划代码（如11北京、32江苏），实为{raw}",
            f"must be a GB/T 2260 province code (e.g. 11 Beijing, 32 Jiangsu), not {raw}",
        )
    elif name == "level":
        problem = _level_problem(raw)
    elif name == "sequence":
        problem = _sequence_problem(raw, 6)
    return (name, problem) if problem else None


def _evaluator_problem(raw: str) -> _Problem | None:
    if raw in EVALUATOR_KINDS:
        return None
    return (
        f"应为Y（用人单位）或S（社会培训评价组织），实为“{_show(raw)}”",
        f"must be Y (employer) or S (social evaluation body), not “{_show(raw)}”",
    )


def _show(text: str) -> str:
    """Text as it can safely be quoted in a message (invisible characters by code point)."""
    return "".join(ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}" for ch in text)


# --- values -----------------------------------------------------------------------------------------


def _year_problem(year: object) -> _Problem | None:
    if isinstance(year, int) and not isinstance(year, bool) and YEAR_MIN <= year <= YEAR_MAX:
        return None
    return (
        f"只能表示{YEAR_MIN}–{YEAR_MAX}年，实为{year!r}",
        f"can only express {YEAR_MIN}–{YEAR_MAX}, not {year!r}",
    )


def _digits_problem(value: object, width: int) -> _Problem | None:
    if isinstance(value, str) and len(value) == width and all(ch in _DIGITS for ch in value):
        return None
    return (f"应为{width}位数字，实为{value!r}", f"must be {width} digits, not {value!r}")


def _int_problem(value: object, low: int, high: int, width: int) -> _Problem | None:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return None
    return (
        f"应为{low:0{width}d}–{high:0{width}d}，实为{value!r}",
        f"must be {low:0{width}d}–{high:0{width}d}, not {value!r}",
    )


class _FormatErrors:
    """Collects format()-time problems of a dataclass value, then raises them all at once."""

    def __init__(self, scheme: Scheme) -> None:
        self.parts = _PARTS[scheme]
        self.errors: list[FieldError] = []

    def add(self, name: str, problem: _Problem | None, code: str | None = None) -> bool:
        if problem is None:
            return True
        self.errors.append(_part_error("number", None, self.parts[name], code or name, problem))
        return False

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed.of(self.errors)


@dataclass(frozen=True)
class National16:
    """An old national certificate number, ``YY PP CC T NNN L SSSSS`` (see the module docstring)."""

    scheme: ClassVar[Scheme] = Scheme.NATIONAL16

    year: int  # full year, 2000–2099
    area: str  # PP, the national centre's province/industry code (not GB/T 2260)
    city: str  # CC
    institution_type: str  # T, "0"…"4"
    institution: str  # NNN
    level: int  # 1 (高级技师) … 5 (初级)
    sequence: int  # 1–99999

    @property
    def institution_code(self) -> str:
        """The institution's 8-digit 鉴定机构代码, ``PP CC T NNN``."""
        return f"{self.area}{self.city}{self.institution_type}{self.institution}"

    def format(self) -> str:
        """The 16-digit number; raises ValidationFailed (codes as in parse) on any out-of-range field."""
        errors = _FormatErrors(Scheme.NATIONAL16)
        errors.add("year", _year_problem(self.year))
        shapes = {
            "area": _digits_problem(self.area, 2),
            "city": _digits_problem(self.city, 2),
            "institution_type": _digits_problem(self.institution_type, 1),
            "institution": _digits_problem(self.institution, 3),
        }
        for name, problem in shapes.items():
            if errors.add(name, problem) and name in ("area", "institution_type"):
                found = _n16_problem(name, str(getattr(self, name)))
                if found:
                    errors.add(name, found[1])
        errors.add("level", _int_problem(self.level, 1, 5, 1))
        errors.add("sequence", _int_problem(self.sequence, 1, _CAPACITY[Scheme.NATIONAL16], 5))
        errors.raise_if_any()
        return (
            f"{self.year % 100:02d}{self.area}{self.city}{self.institution_type}{self.institution}"
            f"{self.level}{self.sequence:05d}"
        )

    def __str__(self) -> str:
        return self.format()


@dataclass(frozen=True)
class Skill22:
    """A 2019 skill-level certificate number, ``X NNNN PP SSSSSS YY L QQQQQQ`` (see the module docstring)."""

    scheme: ClassVar[Scheme] = Scheme.SKILL22

    evaluator_kind: str  # "Y" employer or "S" social evaluation body
    institution: str  # NNNN, "0000" when registered with the province
    province: str  # PP, GB/T 2260
    site: str  # SSSSSS
    year: int  # full year, 2000–2099
    level: int  # 1–5
    sequence: int  # 1–999999

    @property
    def registered_with_province(self) -> bool:
        return self.institution == "0000"

    def format(self) -> str:
        """The 22-character number; raises ValidationFailed (codes as in parse) on any out-of-range field."""
        errors = _FormatErrors(Scheme.SKILL22)
        kind = self.evaluator_kind
        errors.add("evaluator_kind", _evaluator_problem(kind if isinstance(kind, str) else repr(kind)))
        errors.add("institution", _digits_problem(self.institution, 4))
        if errors.add("province", _digits_problem(self.province, 2)):
            found = _s22_problem("province", self.province)
            if found:
                errors.add("province", found[1])
        errors.add("site", _digits_problem(self.site, 6))
        errors.add("year", _year_problem(self.year))
        errors.add("level", _int_problem(self.level, 1, 5, 1))
        errors.add("sequence", _int_problem(self.sequence, 1, _CAPACITY[Scheme.SKILL22], 6))
        errors.raise_if_any()
        return (
            f"{self.evaluator_kind}{self.institution}{self.province}{self.site}"
            f"{self.year % 100:02d}{self.level}{self.sequence:06d}"
        )

    def __str__(self) -> str:
        return self.format()


CertificateNumber = National16 | Skill22


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
