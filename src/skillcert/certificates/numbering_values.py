"""Certificate numbers as values: the `National16` and `Skill22` dataclasses and their `format()`.

Construction does not validate (the dataclasses are plain values); `format()` does, raising one
`ValidationFailed` with every out-of-range or ill-shaped field (same codes and messages as parsing), so a
bad number can never be produced. Parsing a string into these values is in `numbering`, which re-exports
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from skillcert.certificates.numbering_problems import (
    _evaluator_problem,
    _n16_problem,
    _part_error,
    _Problem,
    _s22_problem,
)
from skillcert.certificates.numbering_tables import (
    _CAPACITY,
    _DIGITS,
    _PARTS,
    YEAR_MAX,
    YEAR_MIN,
    Scheme,
)
from skillcert.core.errors import FieldError, ValidationFailed


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
