"""One filter definition per appraisal list, for the page, the API and the export (design.md rule 7)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from skillcert.appraisal.choices import PaperStatus, ReviewStatus
from skillcert.appraisal.models import AnnualPlan, AppraisalSession, PaperSet
from skillcert.core.exports import Column
from skillcert.core.filters import IdFilter

LEVEL_CHOICES = [(n, str(n)) for n in range(1, 6)]
_DATE = forms.DateInput(attrs={"type": "date"})


class AnnualPlanFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year", label=_("Year"))
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label=_("Status"))
    organisation = IdFilter(field_name="organisation_id", label=_("Organisation (id)"))

    class Meta:
        model = AnnualPlan
        fields = ["year", "status", "organisation"]


PLAN_COLUMNS: list[Column] = [
    ("机构", "Organisation", lambda p: p.organisation.name),
    ("年度", "Year", lambda p: p.year),
    ("状态", "Status", lambda p: p.get_status_display()),
    ("报送截止日期", "Due date", lambda p: p.due_date),
    ("逾期", "Late", lambda p: p.is_late()),
    ("提交时间", "Submitted", lambda p: p.submitted_at),
    ("审核意见", "Review comment", lambda p: p.review_comment),
]


class SessionFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="code", lookup_expr="icontains", label=_("Session code"))
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label=_("Status"))
    exam_from = django_filters.DateFilter(
        field_name="exam_start", lookup_expr="gte", label=_("Exam from"), widget=_DATE
    )
    exam_to = django_filters.DateFilter(
        field_name="exam_start", lookup_expr="lte", label=_("Exam until"), widget=_DATE
    )
    organisation = IdFilter(field_name="organisation_id", label=_("Organisation (id)"))

    class Meta:
        model = AppraisalSession
        fields = ["code", "status", "exam_from", "exam_to", "organisation"]


SESSION_COLUMNS: list[Column] = [
    ("场次编号", "Session code", lambda s: s.code),
    ("鉴定站", "Appraisal station", lambda s: s.organisation.name),
    ("考试开始", "Exam start", lambda s: s.exam_start),
    ("考试结束", "Exam end", lambda s: s.exam_end),
    ("鉴定地点", "Site", lambda s: s.site),
    ("状态", "Status", lambda s: s.get_status_display()),
    ("预计人数", "Expected", lambda s: s.expected_candidates),
    ("报名人数", "Enrolled", lambda s: getattr(s, "enrolled", None)),
]


class PaperSetFilter(django_filters.FilterSet):
    occupation = django_filters.CharFilter(
        field_name="occupation__code", lookup_expr="startswith", label=_("Occupation code")
    )
    level = django_filters.ChoiceFilter(field_name="level_id", choices=LEVEL_CHOICES, label=_("Level"))
    status = django_filters.ChoiceFilter(choices=PaperStatus.choices, label=_("Status"))
    organisation = IdFilter(field_name="organisation_id", label=_("Organisation (id)"))

    class Meta:
        model = PaperSet
        fields = ["occupation", "level", "status", "organisation"]


PAPER_COLUMNS: list[Column] = [
    ("职业编码", "Occupation code", lambda p: p.occupation.code),
    ("职业名称", "Occupation", lambda p: p.occupation.name),
    ("等级", "Level", lambda p: str(p.level)),
    ("套别", "Set label", lambda p: p.label),
    ("状态", "Status", lambda p: p.get_status_display()),
    ("SHA-256", "SHA-256", lambda p: p.file_sha256[:12]),
    ("大小(字节)", "Size (bytes)", lambda p: p.file_size),
    ("鉴定站", "Appraisal station", lambda p: p.organisation.name),
    ("登记时间", "Registered", lambda p: p.created_at),
    ("审验意见", "Audit comment", lambda p: p.audit_comment),
]
