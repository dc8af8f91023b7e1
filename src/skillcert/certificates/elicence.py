"""The e-licence identifier (电子证照标识) of GB/T 36904-2018, with its ISO 7064 MOD 37,36 check character.

Shape::

    1.2.156.3005.2.<type code>.<issuer USCC>.<serial>.<version>.<check>

``1.2.156.3005.2`` is the root (the OID arc for e-licences), then the licence type code (证照类型代码),
the issuer's unified social credit code (证照颁发机构代码, 统一社会信用代码), the serial (流水号), the version
(版本号) and one check character (校验位) computed with ISO 7064 MOD 37,36 (``stdnum.iso7064.mod_37_36``).

**Which characters the check covers.** design.md says "over the string without dots". Every public
implementation and every real identifier found computes it over type code + issuer code + serial + version
concatenated without the dots, i.e. *without* the root ``1.2.156.3005.2``; that is what this module does.
Three identifiers seen in published code verify this way and none verifies with the root included, e.g.
``1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U`` (a test keeps them).

**What could and could not be confirmed about GB/T 36904** (public sources only; the standard's own text was
not available):

- Confirmed from standards catalogues: GB/T 36904-2018 《电子证照 标识规范》 (Electronic certificate —
  Identifier specification), issued 2018-11-15, in force 2019-01-01, one of the GB/T 36901–36905 family
  (GB/T 36905 cites it).
- Seen consistently in several independent public implementations (Java and C# clients of provincial and
  ministry e-licence platforms, a blog post titled as conforming to 36904-2018 and 7064 MOD 37,36): the
  root ``1.2.156.3005.2``, the field order above, a three-digit version (001, 002), the check over the
  four fields without dots and without the root, upper-case only ("唯一标识没有小写").
- Observed but not confirmed as a rule: type codes of 21 characters — the USCC of the authority that
  defines the licence type plus a three-digit number (e.g. ``11100000000013338W011``); serials of 10–32
  digits or upper-case letters; issuer codes that are USCCs (one platform put a region code there).
- Not found: maximum lengths, the exact alphabet of each field, whether version 000 is allowed.

**Rules chosen here** (documented, stricter where the sources are silent):

- type code: 1–40 digits or upper-case letters (not required to be 21 characters);
- issuer: an 18-character USCC whose GB 32100 check character is correct (``stdnum.cn.uscc``);
- serial: 1–40 digits or upper-case letters;
- version: three digits, 001–999;
- check: one character 0–9/A–Z equal to MOD 37,36 over type + issuer + serial + version.

Input is normalised (NFKC, whitespace removed, upper-cased) before it is checked. Errors are
``ValidationFailed`` with one FieldError per problem and codes ``certificates.licence_id.format`` (shape,
root, alphabet, length, version), ``.uscc`` (issuer code not a valid USCC) and ``.check`` (check character).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.iso7064 import mod_37_36

from skillcert.core.errors import FieldError, ValidationFailed

ROOT: Final = "1.2.156.3005.2"
CODE: Final = "certificates.licence_id"
_FIELD: Final = "licence_id"
_NAME_ZH: Final = "电子证照标识"
_NAME_EN: Final = "e-licence identifier"

ALPHABET: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
MAX_TYPE_CODE: Final = 40
MAX_SERIAL: Final = 40
_ROOT_PARTS: Final = tuple(ROOT.split("."))
_INVISIBLE: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")


@dataclass(frozen=True)
class LicenceId:
    type_code: str
    issuer_uscc: str
    serial: str
    version: str
    check: str

    @property
    def check_input(self) -> str:
        """The characters the check character covers: the four fields after the root, without dots."""
        return f"{self.type_code}{self.issuer_uscc}{self.serial}{self.version}"

    def format(self) -> str:
        return f"{ROOT}.{self.type_code}.{self.issuer_uscc}.{self.serial}.{self.version}.{self.check}"

    def __str__(self) -> str:
        return self.format()


def check_character(type_code: str, issuer_uscc: str, serial: str, version: str) -> str:
    """ISO 7064 MOD 37,36 over type code + issuer + serial + version (no dots, no root)."""
    return str(mod_37_36.calc_check_digit(f"{type_code}{issuer_uscc}{serial}{version}"))


def _error(code: str, zh: str, en: str, field: str, record: str | None) -> FieldError:
    return FieldError(field, f"{CODE}.{code}", f"{_NAME_ZH}{zh}", f"The {_NAME_EN} {en}", record)


def _alnum_problem(value: object, max_len: int, zh_name: str, en_name: str) -> tuple[str, str] | None:
    if isinstance(value, str) and 1 <= len(value) <= max_len and all(ch in ALPHABET for ch in value):
        return None
    return (
        f"的{zh_name}应为1–{max_len}位数字或大写字母，实为{value!r}",
        f"{en_name} must be 1–{max_len} digits or upper-case letters, not {value!r}",
    )


def _part_errors(
    type_code: object, issuer: object, serial: object, version: object, field: str, record: str | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    for value, max_len, zh_name, en_name in (
        (type_code, MAX_TYPE_CODE, "证照类型代码", "type code"),
        (serial, MAX_SERIAL, "流水号", "serial"),
    ):
        problem = _alnum_problem(value, max_len, zh_name, en_name)
        if problem:
            errors.append(_error("format", problem[0], problem[1], field, record))
    if not (isinstance(version, str) and len(version) == 3 and version.isascii() and version.isdigit()) or (
        version == "000"
    ):
        errors.append(
            _error(
                "format",
                f"的版本号应为3位数字001–999，实为{version!r}",
                f"version must be three digits 001–999, not {version!r}",
                field,
                record,
            )
        )
    if not isinstance(issuer, str):
        issuer = repr(issuer)
    try:
        if not all(ch in ALPHABET for ch in issuer):  # stdnum would silently drop "-" and spaces
            raise ValidationError()
        uscc.validate(issuer)
    except InvalidChecksum:
        errors.append(
            _error(
                "uscc",
                f"的颁发机构代码“{issuer}”不是有效的统一社会信用代码（校验码错误）",
                f"issuer code “{issuer}” is not a valid unified social credit code (wrong check character)",
                field,
                record,
            )
        )
    except ValidationError:
        errors.append(
            _error(
                "uscc",
                f"的颁发机构代码“{issuer}”不是有效的统一社会信用代码（应为18位：前8位数字，其后为数字或除I、O、Z、S、V外的大写字母）",
                f"issuer code “{issuer}” is not a valid unified social credit code "
                "(18 characters: 8 digits, then digits or upper-case letters other than I, O, Z, S, V)",
                field,
                record,
            )
        )
    return errors


def make_licence_id(type_code: str, issuer_uscc: str, serial: str, version: str = "001") -> str:
    """A new identifier with its check character; ValidationFailed if a part breaks the rules above."""
    errors = _part_errors(type_code, issuer_uscc, serial, version, _FIELD, None)
    if errors:
        raise ValidationFailed.of(errors)
    return LicenceId(
        type_code, issuer_uscc, serial, version, check_character(type_code, issuer_uscc, serial, version)
    ).format()


def normalise_licence_id(text: object) -> str:
    if text is None:
        return ""
    raw = unicodedata.normalize("NFKC", text if isinstance(text, str) else str(text))
    return "".join(ch for ch in raw if not ch.isspace() and ch not in _INVISIBLE).upper()


def parse_licence_id(text: str, *, field: str = _FIELD, record: str | None = None) -> LicenceId:
    """The parts of a fully checked identifier, or ValidationFailed with one FieldError per problem."""
    normal = normalise_licence_id(text)
    pieces = normal.split(".")
    n_root = len(_ROOT_PARTS)
    if len(pieces) != n_root + 5 or tuple(pieces[:n_root]) != _ROOT_PARTS:
        shown = normal if len(normal) <= 80 else normal[:77] + "…"
        raise ValidationFailed.of(
            [
                _error(
                    "format",
                    f"应为“{ROOT}.证照类型代码.颁发机构代码.流水号.版本号.校验位”，实为“{shown}”",
                    f"must read “{ROOT}.<type code>.<issuer USCC>.<serial>.<version>.<check>”, not “{shown}”",
                    field,
                    record,
                )
            ],
            record,
        )
    type_code, issuer, serial, version, check = pieces[n_root:]
    errors = _part_errors(type_code, issuer, serial, version, field, record)
    if len(check) != 1 or check not in ALPHABET:
        errors.append(
            _error(
                "format",
                f"的校验位应为1位数字或大写字母，实为“{check}”",
                f"check must be one digit or upper-case letter, not “{check}”",
                field,
                record,
            )
        )
    elif not any(e.code == f"{CODE}.format" for e in errors):
        expected = check_character(type_code, issuer, serial, version)
        if check != expected:
            errors.append(
                _error(
                    "check",
                    f"的校验位（ISO 7064 MOD 37,36）应为{expected}，实为{check}；标识有误或被篡改",
                    f"check character (ISO 7064 MOD 37,36) must be {expected}, not {check}; "
                    "the identifier is mistyped or altered",
                    field,
                    record,
                )
            )
    if errors:
        raise ValidationFailed.of(errors, record)
    return LicenceId(type_code, issuer, serial, version, check)


def validate_licence_id(text: str, *, field: str = _FIELD, record: str | None = None) -> str:
    """The normalised identifier if it is valid; ValidationFailed (.format / .uscc / .check) otherwise."""
    return parse_licence_id(text, field=field, record=record).format()
