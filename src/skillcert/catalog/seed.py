"""Loading the reference catalogs: levels, occupations and 工种, GB/T 2260 regions, the national
centre's province/industry codes, education levels and the holiday calendar.

`load_catalogs()` is idempotent and runs in one transaction: rows are matched on their natural key
(level number, occupation code + edition, region code, …); missing rows are created, rows whose
seeded fields differ are updated, nothing is deleted. A second run changes nothing and writes no
audit rows. Each catalog that changed gets ONE summary audit row
(`catalog.loaded`, data = {"catalog", "created", "updated"}), not one row per record (X2).

Sources (see `data/README.md` and `data/SOURCES.md`):

- levels and education levels: constants below;
- occupations and 工种: `data/occupations.csv` (a curated subset of the 职业分类大典, 2022 and 2015
  editions). 工种 come only from the notes `已知工种:A|B(citation)` and `2015表工种示例:X` — the
  latter are unverified hints from a third-party 2015 table; `WorkType.source` says which;
- regions: python-stdnum's `stdnum/cn/loc.dat` (compiled from Wikipedia's GB/T 2260 lists).
  Provinces (PP0000) and prefecture-level codes (PPCC00, CC ≠ 00) are loaded, counties are not.
  A name may carry a history, e.g. ``[-1982]忻县地区,[1983-1999]忻州地区``: the last entry gives
  the name, and an end year in it (``[-YYYY]`` or ``[YYYY-YYYY]``) means the code is no longer in
  use (`current=False`; old ID numbers still carry such codes). The province's own name is taken
  from its ``0000`` line, which is in simplified characters (the header line of 81/82 is in
  traditional: 香港特別行政區);
- the national centre's codes: `data/osta-region-codes.csv`; `verified` is false when the source
  text starts with ``UNVERIFIED``;
- holidays: the `chinesecalendar` package (2004–2026 in version 1.11).

Holiday calendar policy
-----------------------
`CalendarDay` rows are exceptions to the Monday–Friday week. From the library we store:

- a ``holiday`` row for EVERY date of a statutory holiday period, including the Saturdays and
  Sundays inside it (they need no row for the working-day arithmetic, but keeping them gives every
  date of the period its Chinese name, e.g. 2026-02-15 … 02-23 all 春节);
- a ``workday`` row for every make-up working day (调休上班); in the library these all fall on a
  Saturday or Sunday. Its name is the holiday it makes up for.

Administrators own the table once it is loaded: `load_holidays()` only ADDS missing rows. A row
that exists (loaded earlier or edited by an administrator) is never changed, and a date an
administrator cleared (`catalog.calendar_day.cleared` in the audit log) is not re-added. A
`CalendarYear` row (source ``chinese-calendar <version>``) is added for each year the library
covers unless one exists.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import chinese_calendar
from django.db import models, transaction

from skillcert.audit.models import AuditEntry
from skillcert.audit.services import log_action
from skillcert.catalog.holidays import CALENDAR_DAY_CLEARED
from skillcert.catalog.models import (
    CalendarDay,
    CalendarYear,
    EducationLevel,
    Level,
    Occupation,
    OstaCode,
    Region,
    WorkType,
)
from skillcert.core.errors import field_error

DATA_DIR = Path(__file__).resolve().parent / "data"
OCCUPATIONS_CSV = DATA_DIR / "occupations.csv"
OSTA_CODES_CSV = DATA_DIR / "osta-region-codes.csv"

LOADED_ACTION = "catalog.loaded"

# --- constants ----------------------------------------------------------------------------------

# (number, name_zh, title_zh, name_en). Level 3 is 高级 (called 高级工 in older texts).
LEVELS: tuple[tuple[int, str, str, str], ...] = (
    (1, "一级", "高级技师", "Level 1 / Senior Technician"),
    (2, "二级", "技师", "Level 2 / Technician"),
    (3, "三级", "高级", "Level 3 / Senior Worker"),
    (4, "四级", "中级", "Level 4 / Intermediate Worker"),
    (5, "五级", "初级", "Level 5 / Junior Worker"),
)

# 文化程度, grouped as on certificates (GB/T 4658). (code, name_zh, name_en); order = code.
EDUCATION_LEVELS: tuple[tuple[str, str, str], ...] = (
    ("10", "研究生", "Postgraduate"),
    ("20", "大学本科", "Bachelor's degree"),
    ("30", "大学专科", "Junior college"),
    ("40", "中等专科", "Secondary specialised school"),
    ("50", "技工学校", "Technical school"),
    ("60", "高中", "Senior high school"),
    ("70", "初中", "Junior high school"),
    ("80", "小学", "Primary school"),
    ("90", "其他", "Other"),
)

# English names of common occupations, by Chinese name (applied to every edition carrying the name).
# Occupations not listed keep whatever English name an administrator entered.
OCCUPATION_NAMES_EN: dict[str, str] = {
    "车工": "Turner",
    "铣工": "Miller",
    "焊工": "Welder",
    "电工": "Electrician",
    "工具钳工": "Toolmaker",
    "装配钳工": "Assembly fitter",
    "机修钳工": "Maintenance fitter",
    "养老护理员": "Elderly care worker",
    "家政服务员": "Domestic service worker",
    "美容师": "Beautician",
    "美发师": "Hairdresser",
    "中式烹调师": "Chinese cook",
    "育婴员": "Infant care worker",
    "保育师": "Nursery worker",
    "保育员": "Nursery worker",  # the 2015 name of 保育师 (same code 4-10-01-03)
    "消防设施操作员": "Fire-facility operator",
    "电子商务师": "E-commerce specialist",
    "心理咨询师": "Psychological counsellor",
}

# chinese_calendar's holiday names (its English enum values) → the names Chinese users write (X3).
# The library's own `Holiday.chinese` uses short forms (清明, 端午, 中秋).
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

WORK_TYPE_SOURCE_KNOWN = "已知工种"
WORK_TYPE_SOURCE_2015 = "2015表工种示例（第三方2015版表格，未核实 / unverified 2015-table example）"

_OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
_KNOWN_WORK_TYPES = re.compile(r"已知工种:(?P<names>[^(;]+)(?:\((?P<cite>[^)]*)\))?")
_EXAMPLE_WORK_TYPE = re.compile(r"2015表工种示例:(?P<name>[^;]+)")
_LOC_PROVINCE = re.compile(r'^(?P<code>\d{2}) province="(?P<name>[^"]*)"$')
_LOC_SUBDIVISION = re.compile(r'^\s+(?P<code>\d{4}) county="(?P<name>[^"]*)"$')
_LOC_MARKER = re.compile(r"^\[(?P<start>\d{4})?-(?P<end>\d{4})?\](?P<name>.*)$")


# --- generic idempotent sync --------------------------------------------------------------------


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0


def _sync(model: type[models.Model], key_fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> SyncResult:
    """Create missing rows and update rows whose given fields differ; never delete.

    `rows` use attnames (``parent_id``); a field absent from a row is left as it is.
    """
    existing = {tuple(getattr(o, f) for f in key_fields): o for o in model._default_manager.all()}
    seen: set[tuple[Any, ...]] = set()
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    changed_fields: set[str] = set()
    for row in rows:
        key = tuple(row[f] for f in key_fields)
        if key in seen:
            continue
        seen.add(key)
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**row))
            continue
        diff = [f for f, value in row.items() if getattr(obj, f) != value]
        if diff:
            for f in diff:
                setattr(obj, f, row[f])
            changed_fields.update(diff)
            to_update.append(obj)
    model._default_manager.bulk_create(to_create, batch_size=500)
    if to_update:
        model._default_manager.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    return SyncResult(len(to_create), len(to_update))


def _audit(catalog: str, result: SyncResult, actor: Any, **extra: Any) -> None:
    if result.created or result.updated:
        log_action(
            LOADED_ACTION,
            None,
            actor=actor,
            data={"catalog": catalog, "created": result.created, "updated": result.updated, **extra},
        )


# --- readers ------------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def occupation_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for line, raw in enumerate(_read_csv(OCCUPATIONS_CSV), start=2):
        record = f"occupations.csv:{line}"
        code, name = raw["code"].strip(), raw["name"].strip()
        if not _OCCUPATION_CODE.match(code):
            raise field_error(
                record,
                "code",
                "catalog.occupation.code_invalid",
                f"职业编码（code）{code!r} 格式应为 9-99-99-99",
                f"code {code!r} must look like 9-99-99-99",
            )
        if raw["edition"] not in {"2015", "2022"}:
            raise field_error(
                record,
                "edition",
                "catalog.occupation.edition_invalid",
                f"大典版本（edition）{raw['edition']!r} 无效",
                f"edition {raw['edition']!r} is unknown",
            )
        row: dict[str, Any] = {
            "code": code,
            "name": name,
            "edition": int(raw["edition"]),
            "major_group": raw["major_group"].strip(),
            "notes": raw["notes"].strip(),
        }
        if name in OCCUPATION_NAMES_EN:
            row["name_en"] = OCCUPATION_NAMES_EN[name]
        rows.append(row)
    return rows


def work_types_from_notes(notes: str) -> list[tuple[str, str]]:
    """(name, source) pairs from an occupation's notes.

    The citation in parentheses may itself contain "; ", so the notes are matched, not split:

    >>> work_types_from_notes("工种数(OSTA)=3; 已知工种:甲员|乙员(某文〔2020〕17号; 据X)")
    [('甲员', '已知工种 (某文〔2020〕17号; 据X)'), ('乙员', '已知工种 (某文〔2020〕17号; 据X)')]
    >>> work_types_from_notes("工种数(OSTA)=8; 2015表工种示例:灭火救援员")[0][0]
    '灭火救援员'
    """
    found: list[tuple[str, str]] = []
    for m in _KNOWN_WORK_TYPES.finditer(notes):
        cite = (m.group("cite") or "").strip()
        source = f"{WORK_TYPE_SOURCE_KNOWN} ({cite})" if cite else WORK_TYPE_SOURCE_KNOWN
        found.extend((n.strip(), source[:200]) for n in m.group("names").split("|") if n.strip())
    for m in _EXAMPLE_WORK_TYPE.finditer(notes):
        found.append((m.group("name").strip(), WORK_TYPE_SOURCE_2015))
    return found


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    kind: str
    parent: str | None
    current: bool


def _region_name(raw: str) -> tuple[str, bool]:
    """The current (last) name in a loc.dat name history and whether the code is still in use."""
    last = raw.split(",")[-1].strip()
    m = _LOC_MARKER.match(last)
    if m is None:
        return last, True
    return m.group("name").strip(), m.group("end") is None


def loc_dat_text() -> str:
    return resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")


def region_rows(text: str | None = None) -> list[RegionRow]:
    """Provinces and prefecture-level codes from python-stdnum's loc.dat, provinces first."""
    provinces: dict[str, RegionRow] = {}
    prefectures: list[RegionRow] = []
    province: str | None = None
    for lineno, line in enumerate((text if text is not None else loc_dat_text()).splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if m := _LOC_PROVINCE.match(line):
            province = m.group("code")
            name, current = _region_name(m.group("name"))
            provinces[province] = RegionRow(f"{province}0000", name, Region.Kind.PROVINCE, None, current)
        elif (m := _LOC_SUBDIVISION.match(line)) and province is not None:
            sub = m.group("code")
            name, current = _region_name(m.group("name"))
            if sub == "0000":  # the province's own line, in simplified characters
                provinces[province] = RegionRow(f"{province}0000", name, Region.Kind.PROVINCE, None, current)
            elif sub.endswith("00"):
                prefectures.append(
                    RegionRow(f"{province}{sub}", name, Region.Kind.PREFECTURE, f"{province}0000", current)
                )
        else:
            raise ValueError(f"stdnum cn/loc.dat line {lineno} not understood: {line!r}")
    return [*provinces.values(), *prefectures]


# --- loaders ------------------------------------------------------------------------------------


def _load_levels() -> SyncResult:
    return _sync(
        Level,
        ["number"],
        ({"number": n, "name_zh": zh, "title_zh": title, "name_en": en} for n, zh, title, en in LEVELS),
    )


def _load_education_levels() -> SyncResult:
    return _sync(
        EducationLevel,
        ["code"],
        ({"code": c, "name_zh": zh, "name_en": en, "order": int(c)} for c, zh, en in EDUCATION_LEVELS),
    )


def _load_occupations() -> tuple[SyncResult, SyncResult]:
    rows = occupation_rows()
    occupations = _sync(Occupation, ["code", "edition"], rows)
    ids = {(c, e): pk for pk, c, e in Occupation.objects.values_list("pk", "code", "edition")}
    work_type_rows = [
        {"occupation_id": ids[(row["code"], row["edition"])], "name": name, "source": source}
        for row in rows
        for name, source in work_types_from_notes(row["notes"])
    ]
    return occupations, _sync(WorkType, ["occupation_id", "name"], work_type_rows)


def _load_regions() -> SyncResult:
    return _sync(
        Region,
        ["code"],
        (
            {"code": r.code, "name": r.name, "kind": str(r.kind), "parent_id": r.parent, "current": r.current}
            for r in region_rows()
        ),
    )


def _load_osta_codes() -> SyncResult:
    return _sync(
        OstaCode,
        ["code"],
        (
            {
                "code": r["code"].strip(),
                "name": r["name"].strip(),
                "kind": r["kind"].strip(),
                "source": r["source"].strip(),
                "verified": not r["source"].strip().startswith("UNVERIFIED"),
            }
            for r in _read_csv(OSTA_CODES_CSV)
        ),
    )


# --- holidays -----------------------------------------------------------------------------------


def library_source() -> str:
    return f"chinese-calendar {chinese_calendar.__version__}"


def library_years() -> range:
    """The years chinese_calendar has data for (it raises outside them)."""
    years = {d.year for d in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def holiday_name_zh(name_en: str) -> str:
    if name_en in HOLIDAY_NAMES_ZH:
        return HOLIDAY_NAMES_ZH[name_en]
    try:  # a holiday added to the library later: use its own Chinese name
        return str(chinese_calendar.Holiday(name_en).chinese)
    except ValueError:
        return name_en


def library_calendar_days(years: Iterable[int]) -> dict[datetime.date, tuple[str, str]]:
    """date → (kind, Chinese name) from the library, per the policy in the module docstring."""
    wanted = set(years)
    days: dict[datetime.date, tuple[str, str]] = {}
    for d, name in chinese_calendar.holidays.items():
        if d.year in wanted:
            days[d] = (CalendarDay.Kind.HOLIDAY.value, holiday_name_zh(name))
    for d, name in chinese_calendar.workdays.items():
        if d.year in wanted and d.weekday() >= 5:
            days[d] = (CalendarDay.Kind.WORKDAY.value, holiday_name_zh(name))
    return days


def _cleared_dates() -> set[datetime.date]:
    """Dates an administrator cleared; the loader must not bring them back."""
    cleared: set[datetime.date] = set()
    for object_id in AuditEntry.objects.filter(
        action=CALENDAR_DAY_CLEARED, object_type=CalendarDay._meta.label
    ).values_list("object_id", flat=True):
        try:
            cleared.add(datetime.date.fromisoformat(object_id))
        except ValueError:
            continue
    return cleared


def load_holiday_calendar(years: range | None = None, *, actor: Any = None) -> dict[str, int]:
    """Add the library's holiday calendar for `years` (default: all it covers); only missing rows
    are added. Returns {"calendar_days.created": n, "calendar_years.created": m}."""
    covered = library_years()
    years = covered if years is None else years
    outside = [y for y in years if y not in covered]
    if outside:
        raise field_error(
            None,
            "years",
            "catalog.holidays.not_in_library",
            f"年份（years）：节假日库 {library_source()} 只包含 {covered.start}–{covered.stop - 1} 年，不含 "
            f"{', '.join(map(str, outside))} 年",
            f"years: {library_source()} covers {covered.start}–{covered.stop - 1} only, not "
            f"{', '.join(map(str, outside))}",
        )
    with transaction.atomic():
        library = library_calendar_days(years)
        existing = set(CalendarDay.objects.filter(date__in=list(library)).values_list("date", flat=True))
        skip = existing | _cleared_dates()
        new_days = [
            CalendarDay(date=d, kind=kind, name=name)
            for d, (kind, name) in sorted(library.items())
            if d not in skip
        ]
        CalendarDay.objects.bulk_create(new_days, batch_size=500)
        have_years = set(CalendarYear.objects.values_list("year", flat=True))
        new_years = [CalendarYear(year=y, source=library_source()) for y in years if y not in have_years]
        CalendarYear.objects.bulk_create(new_years)
        _audit("calendar_days", SyncResult(created=len(new_days)), actor)
        _audit(
            "calendar_years",
            SyncResult(created=len(new_years)),
            actor,
            years=[y.year for y in new_years],
            source=library_source(),
        )
    return {"calendar_days.created": len(new_days), "calendar_years.created": len(new_years)}


def load_holidays(years: range | None = None, *, actor: Any = None) -> int:
    """Add the library's holidays and make-up working days; returns the number of CalendarDay rows
    created (CalendarYear rows are added too; see `load_holiday_calendar`)."""
    return load_holiday_calendar(years, actor=actor)["calendar_days.created"]


# --- everything ---------------------------------------------------------------------------------


def load_catalogs(*, actor: Any = None) -> dict[str, int]:
    """Load every catalog in one transaction. Returns ``{"<catalog>.created": n, "<catalog>.updated":
    m, …}`` for levels, occupations, work_types, regions, osta_codes, education_levels, plus
    calendar_days.created and calendar_years.created."""
    counts: dict[str, int] = {}
    with transaction.atomic():
        results: dict[str, SyncResult] = {"levels": _load_levels()}
        results["occupations"], results["work_types"] = _load_occupations()
        results["regions"] = _load_regions()
        results["osta_codes"] = _load_osta_codes()
        results["education_levels"] = _load_education_levels()
        for catalog, result in results.items():
            _audit(catalog, result, actor)
            counts[f"{catalog}.created"] = result.created
            counts[f"{catalog}.updated"] = result.updated
        counts.update(load_holiday_calendar(actor=actor))
    return counts
