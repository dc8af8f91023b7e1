"""Django admin for the reference catalogs (system administrators only).

Every change made here is written to the audit log (X2): the holiday calendar goes through the
service functions in `holidays.py`; the other catalogs log `catalog.<model>.created/changed/deleted`
with before/after snapshots. Primary keys are read-only once a row exists (changing them in the
admin would silently create a second row).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from skillcert.audit.services import log_action, snapshot
from skillcert.catalog.holidays import (
    add_calendar_year,
    calendar_day_errors,
    clear_calendar_day,
    set_calendar_day,
)
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


class AuditedAdmin(admin.ModelAdmin):
    """Logs saves and deletes with before/after snapshots; makes the primary key read-only on change."""

    def _action(self, what: str) -> str:
        return f"catalog.{self.model._meta.model_name}.{what}"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        pk = self.model._meta.pk
        if (
            obj is not None
            and pk is not None
            and not isinstance(pk, models.AutoField)
            and pk.name not in fields
        ):
            fields.append(pk.name)
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(self.model._default_manager.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        log_action(
            self._action("changed" if change else "created"),
            obj,
            actor=request.user,
            before=before,
            after=snapshot(obj),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        log_action(self._action("deleted"), obj, actor=request.user, before=snapshot(obj), after=None)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Level)
class LevelAdmin(AuditedAdmin):
    list_display = ["number", "name_zh", "title_zh", "name_en"]
    ordering = ["number"]


class WorkTypeInline(admin.TabularInline):
    model = WorkType
    extra = 0
    fields = ["name", "source"]


@admin.register(Occupation)
class OccupationAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "edition", "major_group", "industry_specific", "active"]
    list_filter = ["edition", "major_group", "industry_specific", "active"]
    search_fields = ["code", "name", "name_en"]
    inlines = [WorkTypeInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        before = {o.pk: snapshot(o) for o in formset.get_queryset()}
        instances = formset.save()
        for obj in instances:
            log_action(
                "catalog.worktype.changed" if obj.pk in before else "catalog.worktype.created",
                obj,
                actor=request.user,
                before=before.get(obj.pk),
                after=snapshot(obj),
            )
        for obj in formset.deleted_objects:
            log_action(
                "catalog.worktype.deleted",
                None,
                actor=request.user,
                data={"occupation": form.instance.pk, "name": obj.name},
                before=None,
                after=None,
            )


@admin.register(WorkType)
class WorkTypeAdmin(AuditedAdmin):
    list_display = ["name", "occupation", "source"]
    search_fields = ["name", "occupation__name", "occupation__code"]
    list_select_related = ["occupation"]
    autocomplete_fields = ["occupation"]


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "current"]
    list_filter = ["kind", "current"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(OstaCode)
class OstaCodeAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "verified"]
    list_filter = ["kind", "verified"]
    search_fields = ["code", "name", "source"]


@admin.register(EducationLevel)
class EducationLevelAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "name_en", "order"]
    search_fields = ["code", "name_zh", "name_en"]


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        d = data.get("date", self.instance.date if self.instance.pk else None)
        if d is not None and data.get("kind"):
            for err in calendar_day_errors(d, data["kind"], (data.get("name") or "").strip()):
                self.add_error(
                    err.field if err.field in self.fields else None, f"{err.message_zh} / {err.message_en}"
                )
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Goes through set_calendar_day / clear_calendar_day, so every edit is audited."""

    form = CalendarDayForm
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind", "date"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description="星期 / weekday")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["date"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = set_calendar_day(obj.date, obj.kind, obj.name, actor=request.user)
        obj.kind, obj.name = saved.kind, saved.name

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        clear_calendar_day(obj.date, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for obj in queryset:
            clear_calendar_day(obj.date, actor=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    """Adding goes through add_calendar_year. Deleting a year is not offered here: it would make
    every look-up in that year fail."""

    list_display = ["year", "source"]
    search_fields = ["source"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            add_calendar_year(obj.year, obj.source, actor=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
