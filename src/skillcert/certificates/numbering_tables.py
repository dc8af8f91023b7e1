"""The tables of the two certificate numbering schemes (National16 and Skill22; see `numbering`).

The scheme names, the codes each part may take (levels, institution types, evaluator kinds, GB/T 2260
provinces, the known national-centre area codes), the year range, lengths and sequence capacities, and
the layout of each scheme: its parts with their positions and their Chinese and English names. Pure
Python, like all of `numbering`, which re-exports the public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

CODE: Final = "certificates.number"
_NAME_ZH: Final = "证书编号"
_NAME_EN: Final = "certificate number"

_DIGITS: Final = frozenset("0123456789")

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
