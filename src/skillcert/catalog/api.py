from __future__ import annotations

from rest_framework import serializers, viewsets

from skillcert.catalog.filters import OccupationFilter
from skillcert.catalog.models import (
    CalendarDay,
    EducationLevel,
    Level,
    Occupation,
    OstaCode,
    Region,
    WorkType,
)
from skillcert.core.api import SafeLookupMixin


class LevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Level
        fields = ["number", "name_zh", "title_zh", "name_en"]


class WorkTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkType
        fields = ["id", "name", "source"]


class OccupationSerializer(serializers.ModelSerializer):
    work_types = WorkTypeSerializer(many=True, read_only=True)

    class Meta:
        model = Occupation
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "edition",
            "major_group",
            "industry_specific",
            "industry_code",
            "active",
            "work_types",
        ]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "kind", "parent", "current"]


class OstaCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = OstaCode
        fields = ["code", "name", "kind", "verified"]


class EducationLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = EducationLevel
        fields = ["code", "name_zh", "name_en"]


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]


class LevelViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Levels 1–5 (R0.1)."""

    queryset = Level.objects.all()
    serializer_class = LevelSerializer
    pagination_class = None


class OccupationViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Occupations of the 职业分类大典 with edition and 工种."""

    queryset = Occupation.objects.prefetch_related("work_types")
    serializer_class = OccupationSerializer
    filterset_class = OccupationFilter


class RegionViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 provinces and prefectures."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_fields = ["kind", "parent", "current"]


class OstaCodeViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    """The national centre's province/industry code table for certificate numbers (not GB/T 2260)."""

    queryset = OstaCode.objects.all()
    serializer_class = OstaCodeSerializer
    pagination_class = None


class EducationLevelViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    queryset = EducationLevel.objects.all()
    serializer_class = EducationLevelSerializer
    pagination_class = None


class CalendarDayViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Holiday-calendar exceptions: public holidays and make-up working days (调休)."""

    queryset = CalendarDay.objects.all()
    serializer_class = CalendarDaySerializer
    filterset_fields = {"date": ["gte", "lte"], "kind": ["exact"]}
