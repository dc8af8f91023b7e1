"""Use cases of the organisation tree (design.md rule 1): each validates, writes in one transaction,
checks the actor's scope, and leaves an audit row."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action, snapshot
from skillcert.core.errors import FieldError, NotPermitted, ValidationFailed, field_error
from skillcert.orgs.choices import ALLOWED_PARENTS, Accreditation, AdminDuty, OrgKind, Role, RolloutFeature
from skillcert.orgs.models import AdministratorEntry, Membership, Organisation, RolloutSetting
from skillcert.orgs.scoping import forget_memberships, has_permission

_INSTITUTION_CODE = re.compile(r"^\d{8}$")
_TWO_DIGITS = re.compile(r"^\d{2}$")
_KIND_LABELS_ZH = {
    "national": "部中心",
    "province": "省中心",
    "issuing_authority": "发证机关",
    "city": "市(州)鉴定中心",
    "city_hr": "市(州)人社局",
    "industry": "行业鉴定中心",
    "industry_branch": "行业分中心",
    "station": "鉴定所(站)",
}

ORG_FIELDS = [
    "code",
    "name",
    "name_en",
    "kind",
    "parent_id",
    "region_id",
    "osta_code",
    "city_code",
    "institution_code",
    "institution_type",
    "uscc",
    "address",
    "phone",
    "active",
]


def require(actor: Any, permission: str, org: Organisation | None) -> None:
    """Raise NotPermitted unless a system actor (None: commands, jobs) or a user holding `permission`
    at `org` or above."""
    if actor is None:
        return
    if not has_permission(actor, permission, org):
        raise NotPermitted()


def _validate(org: Organisation) -> None:
    record = org.code or org.name
    errors: list[FieldError] = []

    def err(field: str, code: str, zh: str, en: str) -> None:
        errors.append(FieldError(field, code, zh, en, record))

    if not org.code.strip():
        err("code", "orgs.code.required", "机构代码为必填项", "Organisation code is required")
    if not org.name.strip():
        err("name", "orgs.name.required", "机构名称为必填项", "Organisation name is required")
    if org.kind not in OrgKind.values:
        err("kind", "orgs.kind.invalid", "机构类型无效", "Unknown organisation kind")
    else:
        allowed = ALLOWED_PARENTS[org.kind]
        parent = org.parent
        if parent is None and allowed:
            err("parent", "orgs.parent.required", "必须指定上级机构", "A parent organisation is required")
        elif parent is not None and parent.kind not in allowed:
            err(
                "parent",
                "orgs.parent.kind",
                f"{_KIND_LABELS_ZH.get(org.kind, org.kind)}不能隶属于"
                f"{_KIND_LABELS_ZH.get(parent.kind, parent.kind)}",
                f"A {org.kind} cannot sit under a {parent.kind}",
            )
        elif (
            parent is None and Organisation.objects.filter(kind=OrgKind.NATIONAL).exclude(pk=org.pk).exists()
        ):
            err("kind", "orgs.national.unique", "部中心只能有一个", "There is only one national centre")
    if org.osta_code and not _TWO_DIGITS.match(org.osta_code):
        err(
            "osta_code",
            "orgs.osta_code.format",
            "部中心代码应为2位数字",
            "The national-centre code must be 2 digits",
        )
    if org.kind == OrgKind.INDUSTRY and not org.osta_code:
        err(
            "osta_code",
            "orgs.industry_code.required",
            "行业鉴定中心必须有2位行业代码（如机械行业49）",
            "An industry centre needs its 2-digit industry code (e.g. 49 for machinery)",
        )
    if org.city_code and not _TWO_DIGITS.match(org.city_code):
        err("city_code", "orgs.city_code.format", "地市代码应为2位数字", "The city code must be 2 digits")
    if org.kind == OrgKind.STATION:
        _validate_institution_code(org, err)
    elif org.institution_code:
        err(
            "institution_code",
            "orgs.institution_code.not_station",
            "只有鉴定机构才有8位机构代码",
            "Only appraisal institutions have an 8-digit institution code",
        )
    if errors:
        raise ValidationFailed.of(errors)


def _validate_institution_code(org: Organisation, err: Any) -> None:
    code = org.institution_code
    if not _INSTITUTION_CODE.match(code or ""):
        err(
            "institution_code",
            "orgs.institution_code.format",
            "鉴定机构代码应为8位数字（PP CC T NNN）",
            "The institution code must be 8 digits (PP CC T NNN)",
        )
        return
    if code[4] not in "01234":
        err(
            "institution_code",
            "orgs.institution_code.type",
            f"机构代码第5位（机构类型）应为0–4，实为{code[4]}",
            f"Digit 5 of the institution code (institution type) must be 0–4, not {code[4]}",
        )
    if org.institution_type and org.institution_type != code[4]:
        err(
            "institution_type",
            "orgs.institution_type.mismatch",
            "机构类型与机构代码第5位不一致",
            "The institution type does not match digit 5 of the institution code",
        )
    top = org.parent.nearest(OrgKind.PROVINCE, OrgKind.INDUSTRY) if org.parent else None
    if top is not None and top.osta_code and code[:2] != top.osta_code:
        err(
            "institution_code",
            "orgs.institution_code.prefix",
            f"机构代码前两位应为上级{top.name}的代码{top.osta_code}，实为{code[:2]}",
            f"The first two digits must be {top.osta_code} ({top.name}), not {code[:2]}",
        )
    city = org.parent.nearest(OrgKind.CITY) if org.parent else None
    if city is not None and city.city_code and code[2:4] != city.city_code:
        err(
            "institution_code",
            "orgs.institution_code.city",
            f"机构代码第3–4位应为{city.name}的地市代码{city.city_code}，实为{code[2:4]}",
            f"Digits 3–4 must be the city code {city.city_code} of {city.name}, not {code[2:4]}",
        )


def _place(org: Organisation) -> None:
    org.depth = org.parent.depth + 1 if org.parent else 0


@transaction.atomic
def create_organisation(*, actor: Any, parent: Organisation | None, **fields: Any) -> Organisation:
    require(actor, "orgs.change", parent)
    org = Organisation(parent=parent, **fields)
    if org.kind == OrgKind.STATION and org.institution_code and not org.institution_type:
        org.institution_type = org.institution_code[4]
    _validate(org)
    if Organisation.objects.filter(code=org.code).exists():
        raise field_error(
            org.code, "code", "orgs.code.duplicate", "机构代码已存在", "Organisation code already exists"
        )
    _place(org)
    # The path needs the primary key, so it is written after the first save; until then (inside this
    # transaction) it holds a well-formed placeholder below the parent that no membership can match,
    # since no organisation has the id 0 (the database refuses a malformed path: org_path_well_formed).
    org.path = (parent.path if parent else "/") + "0/"
    org.save()
    org.path = (parent.path if parent else "/") + f"{org.pk}/"
    org.save(update_fields=["path"])
    log_action("orgs.organisation.created", org, actor=actor, after=snapshot(org, ORG_FIELDS))
    return org


@transaction.atomic
def update_organisation(org: Organisation, *, actor: Any, **changes: Any) -> Organisation:
    require(actor, "orgs.change", org)
    if "parent" in changes or "parent_id" in changes or "kind" in changes:
        raise field_error(
            org.code,
            "parent",
            "orgs.move.unsupported",
            "不能通过修改变更机构类型或上级机构",
            "Kind and parent cannot be changed by an update",
        )
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    before = snapshot(org, ORG_FIELDS)
    for name, value in changes.items():
        if name not in ORG_FIELDS:
            raise field_error(org.code, name, "orgs.field.unknown", "未知字段", "Unknown field")
        setattr(org, name, value)
    _validate(org)
    if Organisation.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise field_error(
            org.code, "code", "orgs.code.duplicate", "机构代码已存在", "Organisation code already exists"
        )
    org.save()
    log_action("orgs.organisation.updated", org, actor=actor, before=before, after=snapshot(org, ORG_FIELDS))
    return org


@transaction.atomic
def set_accreditation(org: Organisation, status: str, reason: str, *, actor: Any) -> Organisation:
    """R4.7: suspend, revoke or restore a station's accreditation. Revocation is final."""
    require(actor, "orgs.accredit", org.parent)
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if org.kind != OrgKind.STATION:
        raise field_error(
            org.code,
            "accreditation",
            "orgs.accreditation.not_station",
            "只有鉴定机构有资质状态",
            "Only appraisal stations have an accreditation",
        )
    if status not in Accreditation.values:
        raise field_error(
            org.code,
            "accreditation",
            "orgs.accreditation.invalid",
            "资质状态无效",
            "Unknown accreditation status",
        )
    if org.accreditation == Accreditation.REVOKED:
        raise field_error(
            org.code,
            "accreditation",
            "orgs.accreditation.revoked",
            "资质已被撤销，不能再变更",
            "The accreditation was revoked and cannot change again",
        )
    if status != Accreditation.ACTIVE and not reason.strip():
        raise field_error(
            org.code,
            "accreditation_reason",
            "orgs.accreditation.reason_required",
            "暂停或撤销资质必须说明原因",
            "A reason is required to suspend or revoke",
        )
    before = snapshot(org, ["accreditation", "accreditation_reason"])
    org.accreditation, org.accreditation_reason = status, reason.strip()
    org.accreditation_changed_at = timezone.now()
    org.save(
        update_fields=["accreditation", "accreditation_reason", "accreditation_changed_at", "updated_at"]
    )
    log_action(
        "orgs.accreditation.changed",
        org,
        actor=actor,
        before=before,
        after=snapshot(org, ["accreditation", "accreditation_reason"]),
    )
    return org


def can_run_sessions(org: Organisation) -> bool:
    """R4.7: a suspended or revoked station runs no sessions."""
    return org.kind != OrgKind.STATION or org.accreditation == Accreditation.ACTIVE


@transaction.atomic
def grant_role(user: Any, org: Organisation, role: str, *, actor: Any) -> Membership:
    require(actor, "orgs.members", org)
    if role not in Role.values:
        raise field_error(str(user), "role", "orgs.role.invalid", "角色无效", "Unknown role")
    membership, created = Membership.objects.get_or_create(user=user, organisation=org, role=role)
    if created:
        log_action(
            "orgs.role.granted",
            membership,
            actor=actor,
            organisation=org,
            after={"user": user.get_username(), "role": role},
        )
    forget_memberships(user)
    return membership


@transaction.atomic
def revoke_role(membership: Membership, *, actor: Any) -> None:
    require(actor, "orgs.members", membership.organisation)
    log_action(
        "orgs.role.revoked",
        membership,
        actor=actor,
        organisation=membership.organisation,
        before={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()
    forget_memberships(membership.user)


@transaction.atomic
def create_user(
    username: str,
    password: str | None,
    *,
    actor: Any,
    full_name: str = "",
    email: str = "",
    org: Organisation | None = None,
    roles: tuple[str, ...] = (),
) -> Any:
    """A person with an account. Roles are granted at `org`."""
    if org is not None:
        require(actor, "orgs.members", org)
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise field_error(
            username, "username", "orgs.user.duplicate", "用户名已存在", "Username already exists"
        )
    user = User(username=username, first_name=full_name[:150], email=email)
    if password:
        # The same policy as every password change (R3.9); imported here: accounts builds on orgs.
        from skillcert.accounts.services.passwords import policy_errors

        # No memberships yet: the strength check is told the organisation (its name is a guess).
        user._skillcert_password_orgs = [org] if org is not None else []  # type: ignore[attr-defined]
        errors = policy_errors(password, user, field="password")
        if errors:
            raise ValidationFailed.of(errors, record=username)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    log_action(
        "orgs.user.created",
        user,
        actor=actor,
        organisation=org,
        after={"username": username, "full_name": full_name, "email": email},
    )
    for role in roles:
        if org is None:
            raise field_error(
                username,
                "organisation",
                "orgs.role.org_required",
                "授予角色须指定机构",
                "Granting a role needs an organisation",
            )
        grant_role(user, org, role, actor=actor)
    return user


ADMIN_FIELDS = ["duty", "responsible_person", "administrator", "phone", "email", "since", "until"]


@transaction.atomic
def register_administrator(
    org: Organisation,
    *,
    actor: Any,
    duty: str,
    responsible_person: str,
    administrator: str,
    phone: str,
    email: str,
    since: datetime.date | None = None,
) -> AdministratorEntry:
    """R1.9: name a certificate administrator. The previous holder of the same duty is closed."""
    require(actor, "orgs.register", org)
    record = f"{org.code}/{duty}"
    errors: list[FieldError] = []
    if duty not in AdminDuty.values:
        errors.append(FieldError("duty", "orgs.admin.duty", "职责无效", "Unknown duty", record))
    for name, value, zh, en in [
        ("responsible_person", responsible_person, "负责人", "responsible person"),
        ("administrator", administrator, "管理员", "administrator"),
    ]:
        if not value.strip():
            errors.append(
                FieldError(
                    name, f"orgs.admin.{name}.required", f"{zh}为必填项", f"The {en} is required", record
                )
            )
    if not re.match(r"^[0-9+\-() ]{7,20}$", phone or ""):
        errors.append(
            FieldError("phone", "orgs.admin.phone", "联系电话格式无效", "Invalid phone number", record)
        )
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email or ""):
        errors.append(
            FieldError("email", "orgs.admin.email", "电子邮箱格式无效", "Invalid e-mail address", record)
        )
    if errors:
        raise ValidationFailed.of(errors)
    since = since or timezone.localdate()
    for previous in AdministratorEntry.objects.select_for_update().filter(
        organisation=org, duty=duty, until__isnull=True
    ):
        previous.until = since
        previous.save(update_fields=["until"])
        log_action("orgs.administrator.closed", previous, actor=actor, after={"until": since})
    entry = AdministratorEntry.objects.create(
        organisation=org,
        duty=duty,
        responsible_person=responsible_person,
        administrator=administrator,
        phone=phone,
        email=email,
        since=since,
    )
    log_action("orgs.administrator.registered", entry, actor=actor, after=snapshot(entry, ADMIN_FIELDS))
    return entry


@transaction.atomic
def set_rollout(
    org: Organisation, feature: str, effective_from: datetime.date, *, actor: Any, note: str = ""
) -> RolloutSetting:
    """R0.6: switch a feature on for an organisation (and, by inheritance, its subtree) from a date."""
    require(actor, "orgs.change", org)
    if feature not in RolloutFeature.values:
        raise field_error(org.code, "feature", "orgs.rollout.feature", "功能项无效", "Unknown feature")
    setting = RolloutSetting.objects.select_for_update().filter(organisation=org, feature=feature).first()
    before = snapshot(setting, ["effective_from", "note"]) if setting else None
    if setting is None:
        setting = RolloutSetting(organisation=org, feature=feature)
    setting.effective_from, setting.note = effective_from, note
    setting.save()
    log_action(
        "orgs.rollout.set",
        setting,
        actor=actor,
        before=before,
        after=snapshot(setting, ["effective_from", "note"]),
    )
    return setting


def feature_active(org: Organisation, feature: str, on: datetime.date | None = None) -> bool:
    """The nearest setting on the path from `org` up to the root decides (pilots before the rest)."""
    on = on or timezone.localdate()
    ids = [int(p) for p in org.path.strip("/").split("/") if p]
    settings_by_org = dict(
        RolloutSetting.objects.filter(organisation_id__in=ids, feature=feature).values_list(
            "organisation_id", "effective_from"
        )
    )
    for org_id in reversed(ids):
        if org_id in settings_by_org:
            return settings_by_org[org_id] <= on
    return False
