"""The errors of certificate numbers (X6): one `FieldError` per problem, in Chinese and English.

Builders for an error about one part (naming its positions, e.g. "证书编号第11位（等级）…") or about the
whole number, and the value checks that parsing and formatting share (level, sequence, the parts of a
National16 / Skill22 number, the evaluator kind). Codes and messages are listed in `numbering`.
"""

from __future__ import annotations

from skillcert.certificates.numbering_tables import (
    _NAME_EN,
    _NAME_ZH,
    CODE,
    EVALUATOR_KINDS,
    GBT2260_PROVINCES,
    INSTITUTION_TYPES,
    _Part,
)
from skillcert.core.errors import FieldError

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
