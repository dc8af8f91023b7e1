"""Starting an import job from an uploaded file (back office and API share it)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from skillcert.core.errors import NotFound, NotPermitted
from skillcert.core.tabular import Limits, precheck
from skillcert.exchange.format import FILE_RECORD
from skillcert.jobs.models import Job
from skillcert.jobs.services import start_job
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission


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
    broker). The file is deleted by the job when it has been read. What can be judged without reading
    rows is judged here, so the uploader hears it at once rather than from a failed job: the byte limit
    (413), the type against the name, the text of its first 64 KB, a workbook's unpacked size (400;
    core.tabular)."""
    if actor is not None and not has_permission(actor, "exchange.import", organisation):
        raise NotPermitted()
    name = str(getattr(upload, "name", "") or "upload.csv")
    kind = precheck(upload, name, Limits.for_imports(), record=FILE_RECORD)
    suffix = f".{kind}"
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
