"""R4.4: self-written exam paper sets — at least three per occupation and level, audited, one drawn at
random for the session by a reviewer. The draw is recorded with its seed so anyone can re-verify it,
and the drawn set stays hidden from the station until the exam date."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from skillcert.appraisal.choices import PaperStatus
from skillcert.appraisal.models import PaperDraw, PaperSet, SessionSubject
from skillcert.appraisal.services.common import require, require_reviewer
from skillcert.appraisal.services.sessions import require_approved
from skillcert.audit.services import log_action
from skillcert.catalog.models import Level, Occupation
from skillcert.core.errors import Conflict, NotFound, NotPermitted, field_error
from skillcert.core.files import write_private
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission

MIN_PAPER_SETS = 3
MAX_PAPER_BYTES = 20 * 1024 * 1024
_ALLOWED_SUFFIXES = (".pdf", ".docx", ".doc", ".zip", ".ofd")


def paper_path(paper: PaperSet) -> Any:
    return settings.MEDIA_ROOT / "papers" / paper.file_sha256[:2] / paper.file_sha256


@transaction.atomic
def register_paper_set(
    organisation: Organisation,
    occupation: Occupation,
    level: Level,
    label: str,
    file_name: str,
    content: bytes,
    *,
    actor: Any,
) -> PaperSet:
    require(actor, "appraisal.plan", organisation)
    record = f"{occupation.code}/{level.number}/{label}"
    if not label.strip():
        raise field_error(
            record, "label", "appraisal.paper.label", "试卷套别为必填项", "The set label is required"
        )
    if not content:
        raise field_error(record, "file", "appraisal.paper.empty", "试卷文件为空", "The paper file is empty")
    if len(content) > MAX_PAPER_BYTES:
        raise field_error(
            record,
            "file",
            "appraisal.paper.too_large",
            "试卷文件超过20 MB",
            "The paper file is larger than 20 MB",
        )
    if not file_name.lower().endswith(_ALLOWED_SUFFIXES):
        raise field_error(
            record,
            "file",
            "appraisal.paper.type",
            "试卷文件应为PDF、Word、OFD或ZIP",
            "The paper file must be PDF, Word, OFD or ZIP",
        )
    if PaperSet.objects.filter(
        organisation=organisation, occupation=occupation, level=level, label=label.strip()
    ).exists():
        raise field_error(
            record,
            "label",
            "appraisal.paper.duplicate",
            "同一职业等级下已有此套别",
            "This set label already exists for the occupation and level",
        )
    digest = hashlib.sha256(content).hexdigest()
    paper = PaperSet.objects.create(
        organisation=organisation,
        occupation=occupation,
        level=level,
        label=label.strip(),
        file_name=file_name[-200:],
        file_sha256=digest,
        file_size=len(content),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    path = paper_path(paper)
    if not path.exists():  # stored once by content hash; confidential until the exam (issue 13 item 9)
        write_private(path, content)
    log_action(
        "appraisal.paper.registered",
        paper,
        actor=actor,
        after={"label": paper.label, "sha256": digest, "size": len(content), "file": paper.file_name},
    )
    return paper


@transaction.atomic
def audit_paper_set(paper: PaperSet, *, actor: Any, approve: bool, comment: str = "") -> PaperSet:
    require_reviewer(actor, paper.organisation)
    paper = PaperSet.objects.select_for_update().get(pk=paper.pk)
    if paper.status != PaperStatus.SUBMITTED:
        raise Conflict("appraisal.paper.state", "该套试卷已审验", "This paper set was already audited")
    if not approve and not comment.strip():
        raise field_error(
            str(paper),
            "audit_comment",
            "appraisal.paper.comment_required",
            "不通过时必须填写意见",
            "A comment is required when rejecting",
        )
    before = {"status": paper.status}
    paper.status = PaperStatus.AUDITED if approve else PaperStatus.REJECTED
    paper.audited_by = actor if getattr(actor, "is_authenticated", False) else None
    paper.audited_at = timezone.now()
    paper.audit_comment = comment.strip()
    paper.save()
    log_action(
        "appraisal.paper.audited",
        paper,
        actor=actor,
        before=before,
        after={"status": paper.status, "comment": paper.audit_comment},
    )
    return paper


def draw_index(seed: str, candidate_ids: list[int]) -> int:
    """The published draw rule: SHA-256 over the seed and the sorted candidate ids, as a big-endian
    integer, modulo the number of candidates. Anyone holding the record can recompute it."""
    message = f"{seed}|{','.join(str(i) for i in sorted(candidate_ids))}".encode()
    return int.from_bytes(hashlib.sha256(message).digest(), "big") % len(candidate_ids)


@transaction.atomic
def draw_paper(subject: SessionSubject, *, actor: Any, seed: str | None = None) -> PaperDraw:
    """A reviewer draws one of the audited sets registered by the station for the subject."""
    session = subject.session
    require_reviewer(actor, session.organisation)
    if actor is not None and not has_permission(actor, "appraisal.draw", session.organisation):
        raise NotPermitted(
            "appraisal.draw.not_permitted", "需要抽题权限", "Drawing papers needs the draw role"
        )
    require_approved(session)
    if subject.national_bank:
        raise Conflict(
            "appraisal.draw.national_bank",
            "该职业使用国家题库，无需抽取自编试卷",
            "This subject uses the national question bank; no self-written paper is drawn",
        )
    SessionSubject.objects.select_for_update().get(pk=subject.pk)
    if PaperDraw.objects.filter(subject=subject).exists():
        raise Conflict("appraisal.draw.done", "本场次该职业等级已抽取试卷", "A paper set was already drawn")
    candidates = sorted(
        PaperSet.objects.filter(
            organisation=session.organisation,
            occupation=subject.occupation,
            level=subject.level,
            status=PaperStatus.AUDITED,
        ).values_list("pk", flat=True)
    )
    if len(candidates) < MIN_PAPER_SETS:
        raise Conflict(
            "appraisal.draw.too_few",
            f"审验通过的试卷只有{len(candidates)}套，至少需要{MIN_PAPER_SETS}套",
            f"Only {len(candidates)} audited paper sets; at least {MIN_PAPER_SETS} are required",
        )
    seed = seed or secrets.token_hex(32)
    chosen = candidates[draw_index(seed, candidates)]
    draw = PaperDraw.objects.create(
        subject=subject,
        seed=seed,
        candidate_ids=candidates,
        paper_set_id=chosen,
        drawn_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(
        "appraisal.paper.drawn",
        draw,
        actor=actor,
        organisation=session.organisation,
        data={"seed": seed, "candidates": candidates, "drawn": chosen},
    )
    return draw


def verify_draw(draw: PaperDraw) -> bool:
    ids = list(draw.candidate_ids)
    return ids[draw_index(draw.seed, ids)] == draw.paper_set_id if ids else False


def can_fetch_drawn_paper(user: Any, draw: PaperDraw) -> bool:
    """The drawn set is hidden from the station until the exam date; the centres above may see it."""
    session = draw.subject.session
    station = session.organisation
    if station.parent is not None and has_permission(user, "appraisal.review", station.parent):
        return True
    return has_permission(user, "appraisal.view", station) and timezone.localdate() >= session.exam_start


def fetch_drawn_paper(user: Any, draw: PaperDraw) -> tuple[PaperSet, bytes]:
    if not can_fetch_drawn_paper(user, draw):
        # Same answer as for a draw outside the user's scope: nothing about the paper is revealed.
        raise NotFound(
            "appraisal.paper.hidden",
            "试卷在考试日前不可查看",
            "The paper is not available before the exam date",
        )
    paper = draw.paper_set
    log_action(
        "appraisal.paper.fetched",
        draw,
        actor=user,
        organisation=draw.subject.session.organisation,
        data={"paper_set": paper.pk},
    )
    return paper, paper_path(paper).read_bytes()
