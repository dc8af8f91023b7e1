"""Loading the reference catalogs (seed.py) and the `catalogs` management command."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from skillcert.audit.models import AuditEntry
from skillcert.catalog import seed
from skillcert.catalog.holidays import clear_calendar_day, set_calendar_day
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

pytestmark = pytest.mark.django_db

# GB/T 2260 provincial-level units: 31 mainland + 台湾 + 香港 + 澳门.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip


def test_levels_1_to_5() -> None:
    """Levels 1–5 with Chinese names and English available (X3)."""
    seed.load_catalogs()
    assert Level.objects.count() == 5
    assert [(lv.number, lv.name_zh, lv.title_zh) for lv in Level.objects.order_by("number")] == [
        (1, "一级", "高级技师"),
        (2, "二级", "技师"),
        (3, "三级", "高级"),
        (4, "四级", "中级"),
        (5, "五级", "初级"),
    ]
    assert Level.objects.get(number=5).name_en == "Level 5 / Junior Worker"
    assert str(Level.objects.get(number=3)) == "三级/高级"


def test_occupations_from_csv() -> None:
    seed.load_catalogs()
    assert Occupation.objects.count() == 387
    assert Occupation.objects.filter(edition=2022).count() == 350
    assert Occupation.objects.filter(edition=2015).count() == 37
    turner = Occupation.objects.get(code="6-18-01-01", edition=2022)
    assert (turner.name, turner.name_en, turner.major_group) == ("车工", "Turner", "6 生产制造及有关人员")
    # the same code in two editions is two rows
    assert Occupation.objects.filter(code="6-18-01-01").count() == 2
    # codes that moved between editions (README caveats)
    assert Occupation.objects.get(name="消防设施操作员", edition=2015).code == "4-07-05-04"
    assert Occupation.objects.get(name="消防设施操作员", edition=2022).code == "4-07-05-03"
    assert Occupation.objects.get(name="育婴员").edition == 2015


def test_occupation_english_names() -> None:
    """X3: English names for the common occupations that are in the CSV."""
    seed.load_catalogs()
    for name, english in seed.OCCUPATION_NAMES_EN.items():
        rows = Occupation.objects.filter(name=name)
        assert rows.exists(), name
        assert set(rows.values_list("name_en", flat=True)) == {english}


def test_work_types_from_notes() -> None:
    seed.load_catalogs()
    ai = Occupation.objects.get(name="人工智能训练师")
    known = {wt.name: wt.source for wt in ai.work_types.all()}
    assert set(known) == {"数据标注员", "人工智能算法测试员"}
    assert all(s.startswith("已知工种") and "人社厅发〔2020〕17号" in s for s in known.values())
    examples = WorkType.objects.filter(source=seed.WORK_TYPE_SOURCE_2015)
    assert examples.count() == 116  # one per row carrying a 2015表工种示例 note
    assert WorkType.objects.get(occupation__name="消防员", occupation__edition=2022).name == "灭火救援员"
    assert WorkType.objects.count() == 118
    assert not WorkType.objects.filter(name__contains="(").exists()


def test_regions_provinces_and_prefectures() -> None:
    seed.load_catalogs()
    provinces = dict(Region.objects.filter(kind=Region.Kind.PROVINCE).values_list("code", "name"))
    assert provinces == {f"{pp}0000": name for pp, name in PROVINCES.items()}
    prefectures = Region.objects.filter(kind=Region.Kind.PREFECTURE)
    assert prefectures.count() >= 330
    assert prefectures.filter(current=True).count() >= 330
    assert not Region.objects.filter(kind=Region.Kind.COUNTY).exists()
    assert not prefectures.filter(parent=None).exists()
    assert all(r.code[:2] == (r.parent_id or "")[:2] and r.code.endswith("00") for r in prefectures)
    nanjing = Region.objects.get(code="320100")
    assert (nanjing.name, nanjing.parent_id, nanjing.current) == ("南京市", "320000", True)
    # abolished: current=False, name without the [-YYYY] marker
    assert Region.objects.get(code="130700").current  # 张家口市
    xiangfan = Region.objects.get(code="420600")  # "[-2009]襄樊市,[2010-]襄阳市"
    assert (xiangfan.name, xiangfan.current) == ("襄阳市", True)
    xinzhou_old = Region.objects.get(code="142200")  # "[-1982]忻县地区,[1983-1999]忻州地区"
    assert (xinzhou_old.name, xinzhou_old.current) == ("忻州地区", False)
    assert not Region.objects.filter(name__contains="[").exists()


def test_region_name_history_parsing() -> None:
    assert seed._region_name("[-2010]崇文区") == ("崇文区", False)
    assert seed._region_name("[1986-]房山区") == ("房山区", True)
    assert seed._region_name("[1983-1999]淮阴市") == ("淮阴市", False)
    assert seed._region_name("[1983-1999]淮阴市,[2000-]淮安市") == ("淮安市", True)
    assert seed._region_name("南京市") == ("南京市", True)


def test_osta_codes_are_not_gbt2260() -> None:
    """江苏 is 10 in the national centre's table and 32 in GB/T 2260."""
    seed.load_catalogs()
    assert OstaCode.objects.get(code="10").name == "江苏省"
    assert Region.objects.get(code="320000").name == "江苏省"
    assert OstaCode.objects.get(code="72").kind == OstaCode.Kind.INDUSTRY
    assert OstaCode.objects.get(code="49").name == "机械行业"
    assert all(o.verified == (not o.source.startswith("UNVERIFIED")) for o in OstaCode.objects.all())


def test_education_levels() -> None:
    seed.load_catalogs()
    assert list(EducationLevel.objects.values_list("code", "name_zh")) == [
        (c, zh) for c, zh, _ in seed.EDUCATION_LEVELS
    ]
    assert EducationLevel.objects.get(code="20").name_en == "Bachelor's degree"


def test_holiday_rows_from_library() -> None:
    seed.load_catalogs()
    years = seed.library_years()
    assert (years.start, years.stop - 1) == (2004, 2026)
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(years)
    assert CalendarYear.objects.get(year=2026).source.startswith("chinese-calendar ")
    assert CalendarDay.objects.filter(kind=CalendarDay.Kind.HOLIDAY).count() == 621
    assert CalendarDay.objects.filter(kind=CalendarDay.Kind.WORKDAY).count() == 150
    assert not [d for d in CalendarDay.objects.filter(kind="workday") if d.date.weekday() < 5]
    # names as Chinese users write them (X3)
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=datetime.date(2026, 4, 6)).name == "清明节"
    assert CalendarDay.objects.get(date=datetime.date(2015, 9, 3)).name.startswith("中国人民抗日战争")
    assert CalendarDay.objects.get(date=datetime.date(2026, 2, 14)).name == "春节"


def test_load_is_idempotent_and_audited_once_per_catalog(empty_catalogs: None) -> None:
    """X2: one summary audit row per catalog; a second run changes nothing and logs nothing."""
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    first = seed.load_catalogs()
    assert first["occupations.created"] == 387
    assert first["levels.created"] == 5
    assert first["calendar_days.created"] == 771
    loaded = AuditEntry.objects.filter(action=seed.LOADED_ACTION, id__gt=last_audit)
    catalogs = sorted((e.data or {})["catalog"] for e in loaded)
    assert catalogs == sorted(
        [
            "levels",
            "occupations",
            "work_types",
            "regions",
            "osta_codes",
            "education_levels",
            "calendar_days",
            "calendar_years",
        ]
    )
    assert loaded.get(data__catalog="occupations").data == {
        "catalog": "occupations",
        "created": 387,
        "updated": 0,
    }
    audit_rows = AuditEntry.objects.count()

    second = seed.load_catalogs()
    assert set(second.values()) == {0}
    assert set(second) == set(first)
    assert AuditEntry.objects.count() == audit_rows


def test_load_updates_changed_rows_only() -> None:
    seed.load_catalogs()
    Level.objects.filter(number=3).update(title_zh="高级工")
    Occupation.objects.filter(code="6-18-01-02").update(name_en="")
    Occupation.objects.filter(code="6-18-01-03").update(name_en="Planer")  # not in the seed's list
    counts = seed.load_catalogs()
    assert counts["levels.updated"] == 1
    assert counts["occupations.updated"] == 1
    assert Level.objects.get(number=3).title_zh == "高级"
    assert Occupation.objects.get(code="6-18-01-02").name_en == "Miller"
    assert Occupation.objects.get(code="6-18-01-03").name_en == "Planer"  # an administrator's name stays
    entry = AuditEntry.objects.filter(action=seed.LOADED_ACTION, data__catalog="levels").first()
    assert entry is not None and entry.data == {"catalog": "levels", "created": 0, "updated": 1}


def test_load_holidays_keeps_edited_and_cleared_days(empty_calendar: None) -> None:
    """X2: the loader only adds missing rows; an administrator's edits and removals survive."""
    assert seed.load_holidays(range(2026, 2027)) == 33 + 6
    set_calendar_day(datetime.date(2026, 10, 8), "holiday", "国庆节（地方加休）", actor=None)
    set_calendar_day(datetime.date(2026, 10, 1), "holiday", "国庆节（已核对）", actor=None)
    clear_calendar_day(datetime.date(2026, 10, 10), actor=None)
    assert seed.load_holidays() == 771 - 39  # the other years; none of 2026 comes back
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 1)).name == "国庆节（已核对）"
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 8)).name == "国庆节（地方加休）"
    assert not CalendarDay.objects.filter(date=datetime.date(2026, 10, 10)).exists()
    assert seed.load_holidays() == 0


def test_load_holidays_rejects_years_outside_library() -> None:
    from skillcert.core.errors import ValidationFailed

    days = CalendarDay.objects.count()
    with pytest.raises(ValidationFailed) as info:
        seed.load_holidays(range(2026, 2028))
    assert info.value.errors[0].field == "years"
    assert "2027" in info.value.message_zh and "2027" in info.value.message_en
    assert CalendarDay.objects.count() == days
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_management_command_audits_with_cli_channel(empty_catalogs: None) -> None:
    """X2: changes made from the command line are audited with channel "cli"."""
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    out = io.StringIO()
    call_command("catalogs", "load", stdout=out)
    assert "occupations" in out.getvalue() and "387 created" in out.getvalue()
    entries = AuditEntry.objects.filter(action=seed.LOADED_ACTION, id__gt=last_audit)
    assert entries.count() == 8
    assert set(entries.values_list("channel", flat=True)) == {"cli"}
    assert all(label.startswith("cli:") for label in entries.values_list("actor_label", flat=True))

    out = io.StringIO()
    call_command("catalogs", "load", stdout=out)
    assert "up to date" in out.getvalue()
    assert AuditEntry.objects.filter(action=seed.LOADED_ACTION, id__gt=last_audit).count() == 8


def test_management_command_holidays_only(empty_catalogs: None) -> None:
    out = io.StringIO()
    call_command("catalogs", "load", "--holidays-only", stdout=out)
    assert CalendarDay.objects.count() == 771
    assert not Occupation.objects.exists()
    assert "calendar_days" in out.getvalue()
