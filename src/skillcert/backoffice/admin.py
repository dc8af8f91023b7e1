"""The Django admin is for system administrators only (superuser AND the sysadmin role)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from skillcert.audit.models import AuditEntry
from skillcert.jobs.models import Job
from skillcert.orgs.models import AdministratorEntry, Membership, Organisation, RolloutSetting
from skillcert.orgs.scoping import has_permission
from skillcert.people.models import Person


def _sysadmin_only(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and user.is_superuser and has_permission(user, "catalog.change"))


admin.site.has_permission = _sysadmin_only  # type: ignore[method-assign]
admin.site.site_header = "skillcert 系统管理 / System administration"


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "institution_code", "accreditation", "path"]
    list_filter = ["kind", "accreditation"]
    search_fields = ["code", "name", "institution_code"]
    readonly_fields = ["path", "depth"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role"]


admin.site.register(AdministratorEntry)
admin.site.register(RolloutSetting)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "document_masked", "gender", "birth_date", "organisation"]
    exclude = ["document_cipher", "document_hash"]
    readonly_fields = ["document_masked"]
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "channel", "action", "object_repr"]
    list_filter = ["channel"]
    search_fields = ["action", "object_id", "request_id"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "status", "done", "total"]
