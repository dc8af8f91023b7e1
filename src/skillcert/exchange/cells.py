"""Cell-level parsing of import format v1 (R3.3, X6): pure functions and constants, no database.

What `rules.RowChecker` reads a row with: the accepted cell vocabularies (genders, sources) and the
Chinese column names of the error messages; `_text` (any cell as stripped text); the fast paths of the
tight loop — `_fast_number` (a clean, valid certificate number without the full parser), the patterns of
a resident ID, a date and a score, and the ISO 7064 MOD 37,36 running state of a GB/T 36904 licence
identifier. A fast path only ever accepts: whatever it does not accept goes to the project's full
parser, which names the problem.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any, Final

from skillcert.certificates.choices import CertificateSource
from skillcert.certificates.numbering import GBT2260_PROVINCES, National16, Skill22

_GENDERS: Final = {"男": "M", "女": "F", "M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
_SOURCES: Final = {
    "": CertificateSource.IMPORTED.value,
    "imported": CertificateSource.IMPORTED.value,
    "导入": CertificateSource.IMPORTED.value,
    "historical": CertificateSource.HISTORICAL.value,
    "历史": CertificateSource.HISTORICAL.value,
    "历史证书": CertificateSource.HISTORICAL.value,
}
_DATE_SEP: Final = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_COMPACT: Final = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CJK_NAME: Final = re.compile(r"^[\u4e00-\u9fff]{2,10}$")
_N16: Final = re.compile(r"\d{2}(?!00)\d{2}\d{2}[0-4]\d{3}[1-5](?!00000)\d{5}")
_S22: Final = re.compile(r"[YS]\d{8}\d{6}\d{2}[1-5](?!000000)\d{6}")
_RID: Final = re.compile(r"\d{17}[\dX]")
_EARLIEST_BIRTH: Final = datetime.date(1900, 1, 1)
_ALPHABET36: Final = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_SCORE_SIMPLE: Final = re.compile(r"(?:[1-9]?\d)(?:\.\d)?\Z")
_SCORE_MAX: Final = Decimal(100)
_TENTH: Final = Decimal("0.1")
_ZH_COLUMN: Final = {
    "certificate_number": "证书编号",
    "name": "姓名",
    "document_type": "证件类型",
    "document_number": "证件号码",
    "gender": "性别",
    "birth_date": "出生日期",
    "education": "文化程度",
    "occupation_code": "职业编码",
    "occupation_edition": "大典版本",
    "work_type": "工种",
    "level": "等级",
    "theory": "理论知识考核成绩",
    "practical": "操作技能考核成绩",
    "comprehensive": "综合评审成绩",
    "evaluation": "评定成绩",
    "issued_on": "发证日期",
    "organisation": "发证单位代码",
    "source": "数据来源",
}


def _text(value: Any) -> str:
    if value.__class__ is str:
        return str(value).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX cells holding 2015 or 4 come back as floats
    return str(value).strip()


def _mod_37_36_state(text: str, state: int = 18) -> int:
    """ISO 7064 MOD 37,36 running state (as stdnum.iso7064.mod_37_36.checksum), continuable."""
    for ch in text:
        state = (((state or 36) * 2) % 37 + _ALPHABET36[ch]) % 36
    return state


def _mod_37_36_check(state: int) -> str:
    return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(1 - ((state or 36) * 2) % 37) % 36]


def _fast_number(text: str) -> National16 | Skill22 | None:
    """The common case — a clean, valid number — without the full parser (which reports every problem
    and is used for anything this does not accept)."""
    if len(text) == 16 and _N16.fullmatch(text):
        return National16(
            2000 + int(text[:2]), text[2:4], text[4:6], text[6], text[7:10], int(text[10]), int(text[11:])
        )
    if len(text) == 22 and _S22.fullmatch(text) and text[5:7] in GBT2260_PROVINCES:
        return Skill22(
            text[0], text[1:5], text[5:7], text[7:13], 2000 + int(text[13:15]), int(text[15]), int(text[16:])
        )
    return None
