"""One filter definition per list (design.md rule 7): the page, the API and the export use these."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from skillcert.core.exports import Column
from skillcert.core.filters import IdFilter
from skillcert.orgs.choices import Accreditation, OrgKind
from skillcert.orgs.models import Organisation


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, label=_("Kind"))
    accreditation = django_filters.ChoiceFilter(choices=Accreditation.choices, label=_("Accreditation"))
    within = IdFilter(method="filter_within", label=_("Within organisation (id)"))

    class Meta:
        model = Organisation
        fields = ["q", "kind", "accreditation", "within"]

    def search(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(institution_code__startswith=value)
        )

    def filter_within(
        self, queryset: QuerySet[Organisation], name: str, value: int
    ) -> QuerySet[Organisation]:
        # Only an organisation the caller sees: one outside (even an ancestor) finds nothing, as one
        # that does not exist does (X1, decision 0003).
        user = getattr(self.request, "user", None)
        candidates = Organisation.objects.visible_to(user) if user is not None else Organisation.objects
        parent = candidates.filter(pk=value).first()
        return queryset.filter(path__startswith=parent.path) if parent else queryset.none()


ORGANISATION_COLUMNS: list[Column] = [
    ("代码", "Code", lambda o: o.code),
    ("名称", "Name", lambda o: o.name),
    ("英文名称", "English name", lambda o: o.name_en),
    ("类型", "Kind", lambda o: o.get_kind_display()),
    ("上级机构", "Parent", lambda o: o.parent.name if o.parent else ""),
    ("部中心代码", "National-centre code", lambda o: o.osta_code),
    ("鉴定机构代码", "Institution code", lambda o: o.institution_code),
    (
        "资质状态",
        "Accreditation",
        lambda o: o.get_accreditation_display() if o.kind == OrgKind.STATION else "",
    ),
    ("行政区划", "Region", lambda o: str(o.region) if o.region else ""),
]
