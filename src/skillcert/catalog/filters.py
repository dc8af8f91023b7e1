from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from skillcert.catalog.models import Occupation
from skillcert.core.exports import Column


class OccupationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    edition = django_filters.NumberFilter(field_name="edition", label=_("Edition"))
    major_group = django_filters.CharFilter(
        field_name="code", lookup_expr="startswith", label=_("Code prefix")
    )

    class Meta:
        model = Occupation
        fields = ["q", "edition", "major_group"]

    def search(self, queryset: QuerySet[Occupation], name: str, value: str) -> QuerySet[Occupation]:
        return queryset.filter(
            Q(name__icontains=value) | Q(code__startswith=value) | Q(name_en__icontains=value)
        )


OCCUPATION_COLUMNS: list[Column] = [
    ("职业编码", "Code", lambda o: o.code),
    ("职业名称", "Name", lambda o: o.name),
    ("英文名称", "English name", lambda o: o.name_en),
    ("大典版本", "Edition", lambda o: o.edition),
    ("大类", "Major group", lambda o: o.major_group),
    ("工种", "Work types", lambda o: "、".join(w.name for w in o.work_types.all())),
]
