"""The Django admin is for system administrators only (superuser AND the sysadmin role), and it is no
back door (issue 13 item 5; X1, X2): nothing here changes a record without the audit trail and the
rules of the service that owns it.

- Organisations, the administrator register (R1.9) and people are read-only here. Their audited ways:
  organisations `POST/PATCH /api/v1/organisations/` (`orgs.services.create_organisation` /
  `update_organisation`; kind and parent are fixed once created), accreditation on
  `/manage/organisations/<id>/` and `POST /api/v1/organisations/<id>/accreditation/`
  (`set_accreditation`), administrators `POST /api/v1/administrators/` (`register_administrator`),
  people `/manage/people/new/` and `/api/v1/people/` (`people.services.register_person` /
  `update_person`).
- Roles (memberships) and roll-out settings (R0.6) have no other page, so the admin adds and removes
  them through `orgs.services.grant_role` / `revoke_role` / `set_rollout`, which check the actor's scope
  and write the audit row. A membership is never edited in place: revoke one, grant another.
- Users: Django's user admin, with every add, change, password change and delete audited
  (`auth.user.*`, never the password) — a password set here revokes the user's API tokens like any
  other change (accounts.validators.PasswordHistoryValidator.password_changed).
- Django's groups grant nothing in this project (roles do) and DRF's token admin showed keys in clear:
  neither is registered.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from skillcert.audit.models import AuditEntry
from skillcert.audit.services import log_action, snapshot
from skillcert.jobs.models import Job
from skillcert.orgs import services as org_services
from skillcert.orgs.models import AdministratorEntry, Membership, Organisation, RolloutSetting
from skillcert.orgs.scoping import has_permission
from skillcert.people.models import Person


def _sysadmin_only(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and user.is_superuser and has_permission(user, "catalog.change"))


admin.site.has_permission = _sysadmin_only  # type: ignore[method-assign]
admin.site.site_header = "skillcert 系统管理 / System administration"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    """Read-only: create and change through the API (orgs.services), see the module docstring."""

    list_display = ["code", "name", "kind", "institution_code", "accreditation", "path"]
    list_filter = ["kind", "accreditation"]
    search_fields = ["code", "name", "institution_code"]


@admin.register(AdministratorEntry)
class AdministratorEntryAdmin(ReadOnlyAdmin):
    """Read-only: register through `POST /api/v1/administrators/` (closes the previous holder)."""

    list_display = ["organisation", "duty", "administrator", "since", "until"]
    list_filter = ["duty"]
    list_select_related = ["organisation"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """Read-only: register and correct through the back office and the API (people.services)."""

    list_display = ["name", "document_masked", "gender", "birth_date", "organisation"]
    exclude = ["document_cipher", "document_hash"]
    search_fields = ["name"]


class _ScopedForm(forms.ModelForm):
    """Refuses, as a form error, what the service would refuse: `permission` at the organisation."""

    permission = ""
    request: HttpRequest | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        org = data.get("organisation")
        user = self.request.user if self.request is not None else None
        if org is not None and not has_permission(user, self.permission, org):
            raise forms.ValidationError(
                f"无权在{org.name}执行此操作（须持有{self.permission}） / "
                f"You need {self.permission} at {org.name} for this"
            )
        return data


class MembershipForm(_ScopedForm):
    permission = "orgs.members"

    class Meta:
        model = Membership
        fields = ["user", "organisation", "role"]


class RolloutForm(_ScopedForm):
    permission = "orgs.change"

    class Meta:
        model = RolloutSetting
        fields = ["organisation", "feature", "effective_from", "note"]


class _ServiceAdmin(admin.ModelAdmin):
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form: Any = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form


@admin.register(Membership)
class MembershipAdmin(_ServiceAdmin):
    """Add = `grant_role`, delete = `revoke_role` (audited, scoped); no editing in place."""

    form = MembershipForm
    list_display = ["user", "organisation", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or has_permission(request.user, "orgs.members", obj.organisation)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        saved = org_services.grant_role(obj.user, obj.organisation, obj.role, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        org_services.revoke_role(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for obj in queryset.select_related("user", "organisation"):
            org_services.revoke_role(obj, actor=request.user)


@admin.register(RolloutSetting)
class RolloutSettingAdmin(_ServiceAdmin):
    """Add and change = `set_rollout` (audited, scoped); the organisation and feature are fixed once
    set; not deleted (the history of when a feature came on stays readable)."""

    form = RolloutForm
    list_display = ["organisation", "feature", "effective_from", "note"]
    list_filter = ["feature"]
    list_select_related = ["organisation"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["organisation", "feature"] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or has_permission(request.user, "orgs.change", obj.organisation)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RolloutSetting, form: Any, change: bool) -> None:
        saved = org_services.set_rollout(
            obj.organisation, obj.feature, obj.effective_from, actor=request.user, note=obj.note
        )
        obj.pk = saved.pk


# --- users: Django's admin, audited ------------------------------------------------------------------

USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]
User = get_user_model()
_unwanted: list[Any] = [User, Group, *(m for m in admin.site._registry if m._meta.app_label == "authtoken")]
for _model in _unwanted:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """Every change is an audit row with before/after of the account fields (never the password)."""

    search_fields = ["username", "first_name", "last_name", "email"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    filter_horizontal = ()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # Groups and per-user permissions decide nothing here (roles do): not offered.
        sets = super().get_fieldsets(request, obj)
        out = []
        for name, opts in sets:
            fields = [f for f in opts.get("fields", ()) if f not in {"groups", "user_permissions"}]
            out.append((name, {**opts, "fields": fields}))
        return out

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(User.objects.get(pk=obj.pk), USER_FIELDS) if change else None
        super().save_model(request, obj, form, change)
        log_action(
            "auth.user.changed" if change else "auth.user.created",
            obj,
            actor=request.user,
            before=before,
            after=snapshot(obj, USER_FIELDS),
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.get(pk=id)
            log_action("auth.user.password_set", target, actor=request.user, data={"by": "admin"})
        return response

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        log_action("auth.user.deleted", obj, actor=request.user, before=snapshot(obj, USER_FIELDS))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "channel", "action", "object_repr"]
    list_filter = ["channel"]
    search_fields = ["action", "object_id", "request_id"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "status", "done", "total"]
