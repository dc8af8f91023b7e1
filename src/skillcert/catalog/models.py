"""Reference catalogs: levels, occupations (职业分类大典), regions (GB/T 2260), the national centre's
province/industry code table, education levels, and the holiday calendar."""

from __future__ import annotations

from django.db import models


class Level(models.Model):
    """职业资格等级 1–5: 1 = 一级/高级技师 … 5 = 五级/初级. The number is the digit used in
    certificate numbers."""

    number = models.PositiveSmallIntegerField(primary_key=True)
    name_zh = models.CharField(max_length=20)  # 五级
    title_zh = models.CharField(max_length=20)  # 初级
    name_en = models.CharField(max_length=60)  # Level 5 / Junior

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.name_zh}/{self.title_zh}"


class Occupation(models.Model):
    """An occupation (职业, 细类) of a given edition of the 大典; the same code may exist in
    several editions with different names."""

    code = models.CharField(max_length=10)  # 6-18-01-01
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=200, blank=True)
    edition = models.PositiveSmallIntegerField()  # 2015, 2022
    major_group = models.CharField(max_length=60, blank=True)
    industry_specific = models.BooleanField(default=False)  # R4.3: certified only by an industry centre
    industry_code = models.CharField(max_length=2, blank=True)
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code", "-edition"]
        constraints = [
            models.UniqueConstraint(fields=["code", "edition"], name="occupation_code_edition_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.edition})"


class WorkType(models.Model):
    """工种 under an occupation."""

    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, related_name="work_types")
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["occupation", "name"]
        constraints = [models.UniqueConstraint(fields=["occupation", "name"], name="worktype_uniq")]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """GB/T 2260 administrative division: provinces and prefectures (and counties where loaded)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", "省级"
        PREFECTURE = "prefecture", "地级"
        COUNTY = "county", "县级"

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    current = models.BooleanField(default=True)  # False for codes abolished since (old ID numbers keep them)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OstaCode(models.Model):
    """The national centre's own code table for digits 3–4 of the 16-digit certificate number and
    digits 1–2 of an institution code. NOT GB/T 2260 (江苏 is 10 here, 32 there)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", "省级"
        INDUSTRY = "industry", "行业"

    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    verified = models.BooleanField(default=False)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EducationLevel(models.Model):
    """文化程度 (GB/T 4658 groups as used on certificates)."""

    code = models.CharField(max_length=4, primary_key=True)
    name_zh = models.CharField(max_length=30)
    name_en = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name_zh


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday (or its bridging rest day) on a
    weekday, or a make-up working day (调休) on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "休息日"
        WORKDAY = "workday", "调休上班"

    date = models.DateField(primary_key=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose holidays are known; look-ups outside covered years fail loudly."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    source = models.CharField(max_length=100)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
