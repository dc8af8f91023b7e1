"""Starting an import job from an uploaded file (back office and API share it)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from skillcert.core.errors import NotFound, NotPermitted, field_error
from skillcert.jobs.models import Job
from skillcert.jobs.services import start_job
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission

MAX_UPLOAD = 512 * 1024 * 1024


def importing_organisation(actor: Any, code: str | None, permission: str = "exchange.import") -> Organisation:
    """The organisation named by code (or the actor's first with the permission); 404 when out of scope."""
    if code:
        org = Organisation.objects.visible_to(actor).filter(code=code).first()
        if org is None:
            raise NotFound(
                "exchange.organisation.not_found",
                "机构不存在或不在本机构范围内",
                "No such organisation in your scope",
            )
        if not has_permission(actor, permission, org):
            raise NotPermitted()
        return org
    for membership in actor.memberships.select_related("organisation").order_by("organisation__depth"):
        if has_permission(actor, permission, membership.organisation):
            return membership.organisation
    raise NotPermitted()


def start_import(upload: Any, *, actor: Any, organisation: Organisation, partial: bool) -> Job:
    """Store the upload under MEDIA_ROOT/imports and queue the import job (it runs at once without a
    broker). The file is deleted by the job when it has been read."""
    if actor is not None and not has_permission(actor, "exchange.import", organisation):
        raise NotPermitted()
    name = str(getattr(upload, "name", "") or "upload.csv")
    if getattr(upload, "size", 0) > MAX_UPLOAD:
        raise field_error(
            "file",
            "file",
            "exchange.file.too_large",
            "文件超过512MB，请分批导入",
            "The file is larger than 512 MB; split it",
        )
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    stored = f"{uuid.uuid4().hex}{suffix}"
    target = settings.MEDIA_ROOT / "imports" / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return start_job(
        "exchange.import_certificates",
        actor=actor,
        organisation=organisation,
        params={"upload": stored, "filename": name[:200], "partial": bool(partial)},
    )
