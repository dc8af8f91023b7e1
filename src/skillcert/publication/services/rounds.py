"""Submission, sign-off, compilation and publication of a round (R3.7, R3.8, X2).

The only path by which a certificate becomes public:

1. a city (or industry branch) centre submits a batch inside its submission window
   (`submit_batch`): the certificates of its subtree issued up to the end of the round's data
   period that are not yet published nor held by another batch;
2. the batch is signed off by the centre's data handler, then its director (`sign_batch`);
3. the province (or industry centre) compiles the round (`compile_release`): the signed-off batches
   of its subtree plus its own certificates (those outside every city subtree);
4. the release is signed off by the province's data handler, department head and leader in charge
   (`sign_release`);
5. the network administrator publishes it (`publish_release`) on or after the scheduled day, unless
   publishing is frozen: `Certificate.published_at` is set — nowhere else — and a backup job is queued
   when the transaction commits (R3.9).

Chains are strict: the next step's role only, in order; nobody signs the same batch or release twice;
the person who submitted or compiled signs none of its steps. A rejection ends the batch (its
certificates are free for the next submission) or the release (its city batches return to the
province's queue). Locks are taken in one order: the organisation row, then the batch or release.
Every step writes one audit row.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from skillcert.audit.services import log_action
from skillcert.certificates.models import Certificate
from skillcert.core.errors import Conflict, NotPermitted, field_error
from skillcert.orgs.choices import OrgKind, Role
from skillcert.orgs.models import Membership, Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.publication import schedule
from skillcert.publication.models import Batch, BatchItem, BatchState, Release, ReleaseState, SignOff
from skillcert.publication.services.freeze import active_freeze
from skillcert.transparency import services as tlog

SUBMITTING_KINDS = (OrgKind.CITY, OrgKind.INDUSTRY_BRANCH)
COMPILING_KINDS = (OrgKind.PROVINCE, OrgKind.INDUSTRY)
BATCH_CHAIN = (Role.DATA_HANDLER, Role.CENTRE_LEADER)
RELEASE_CHAIN = (Role.DATA_HANDLER, Role.DEPARTMENT_HEAD, Role.LEADER_IN_CHARGE)

SUBMITTED = "publication.batch.submitted"
BATCH_SIGNED = "publication.batch.signed"
BATCH_REJECTED = "publication.batch.rejected"
COMPILED = "publication.release.compiled"
RELEASE_SIGNED = "publication.release.signed"
RELEASE_REJECTED = "publication.release.rejected"
PUBLISHED = "publication.release.published"


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now if now is not None else timezone.now()


def _lock_org(org: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=org.pk)


def _cert_scope(org: Organisation) -> Q:
    """The certificates a centre answers for: its subtree, less the subtrees of submitting centres
    below it (a province answers only for what no city submits)."""
    q = Q(organisation__path__startswith=org.path)
    below = Organisation.objects.filter(path__startswith=org.path, kind__in=SUBMITTING_KINDS).exclude(
        pk=org.pk
    )
    for path in below.values_list("path", flat=True):
        q &= ~Q(organisation__path__startswith=path)
    return q


def pending_certificates(org: Organisation, data_end: datetime.date) -> QuerySet[Certificate]:
    """Issued up to data_end, not published, not held by an active batch. A certificate missed by an
    earlier round is carried by the next one rather than lost."""
    return (
        Certificate.objects.filter(_cert_scope(org), issued_on__lte=data_end, published_at__isnull=True)
        .exclude(publication_items__active=True)
        .order_by("number")
    )


def _fmt(d: datetime.datetime) -> str:
    return date_format(schedule.local(d), "Y-m-d H:i")


def _window_closed(now: datetime.datetime) -> Conflict:
    nxt = schedule.next_window(now)
    return Conflict(
        "publication.window.closed",
        f"当前不在报送时间内；下一次报送时间为 {_fmt(nxt.window_opens)} 至 "
        f"{date_format(schedule.local(nxt.window_closes), 'H:i')}（{nxt.code}）",
        f"Submissions are closed now; the next window is {_fmt(nxt.window_opens)} to "
        f"{date_format(schedule.local(nxt.window_closes), 'H:i')} ({nxt.code})",
    )


def _items(batch: Batch, certificates: list[int]) -> None:
    BatchItem.objects.bulk_create([BatchItem(batch=batch, certificate_id=pk) for pk in certificates])


def submit_batch(org: Organisation, *, actor: Any, now: datetime.datetime | None = None) -> Batch:
    """A city centre's submission for the round whose window is open (R3.7, R3.8)."""
    now = _now(now)
    if org.kind not in SUBMITTING_KINDS:
        raise field_error(
            org.code,
            "organisation",
            "publication.batch.not_a_city",
            "只有市级（或行业分）中心报送数据；省级中心请汇总",
            "Only city (or industry branch) centres submit; the province compiles",
        )
    if not has_permission(actor, "publication.submit", org):
        raise NotPermitted()
    current = schedule.open_window(now)
    if current is None:
        raise _window_closed(now)
    with transaction.atomic():
        _lock_org(org)
        if (
            Batch.objects.filter(organisation=org, period=current.code)
            .exclude(state=BatchState.REJECTED)
            .exists()
        ):
            raise Conflict(
                "publication.batch.exists",
                f"{org.name} 已报送 {current.code} 期数据",
                f"{org.name} has already submitted for round {current.code}",
            )
        ids = list(pending_certificates(org, current.data_end).values_list("pk", flat=True))
        if not ids:
            raise Conflict(
                "publication.batch.empty",
                f"{org.name} 没有待报送的证书（截至 {current.data_end}）",
                f"{org.name} has no certificates to submit (issued up to {current.data_end})",
            )
        batch = Batch.objects.create(
            organisation=org,
            kind=Batch.Kind.CITY,
            period=current.code,
            data_start=current.data_start,
            data_end=current.data_end,
            publication_date=current.publication_date,
            submitted_by=actor,
            submitted_at=now,
            certificate_count=len(ids),
        )
        _items(batch, ids)
        log_action(
            SUBMITTED,
            batch,
            actor=actor,
            data={"period": current.code, "certificates": len(ids), "data_end": current.data_end},
        )
    return batch


# --- sign-off chains --------------------------------------------------------------------------------


def _approvals(target: Batch | Release) -> list[SignOff]:
    return list(target.signoffs.filter(decision=SignOff.Decision.APPROVE).order_by("step"))


def chain_of(target: Batch | Release) -> tuple[str, ...]:
    return RELEASE_CHAIN if isinstance(target, Release) else BATCH_CHAIN


def next_role(target: Batch | Release) -> str | None:
    """The role whose signature is due, or None when the chain is complete or closed."""
    waiting = BatchState.SUBMITTED if isinstance(target, Batch) else ReleaseState.COMPILED
    if target.state != waiting:
        return None
    chain = chain_of(target)
    done = len(_approvals(target))
    return chain[done] if done < len(chain) else None


def _author(target: Batch | Release) -> Any:
    return target.submitted_by_id if isinstance(target, Batch) else target.compiled_by_id


def sign_problem(target: Batch | Release, user: Any) -> Exception | None:
    """Why `user` may not sign `target` now (None when they may)."""
    role = next_role(target)
    if role is None:
        return Conflict(
            "publication.signoff.not_waiting",
            "该批次不在待签核状态",
            "This batch is not waiting for a sign-off",
        )
    if not getattr(user, "is_authenticated", False):
        return NotPermitted()
    holds = Membership.objects.filter(
        user=user, organisation=target.organisation, role=role, organisation__active=True
    ).exists()
    if not holds or not has_permission(user, "publication.signoff", target.organisation):
        label = Role(role).label
        org_en = target.organisation.name_en or target.organisation.name
        return NotPermitted(
            "publication.signoff.wrong_role",
            f"此步骤须由 {target.organisation.name} 的「{label}」签核",
            f"This step must be signed by the {label} of {org_en}",
        )
    if user.pk == _author(target):
        return NotPermitted(
            "publication.signoff.own_submission",
            "不能签核自己报送或汇总的数据",
            "You may not sign off data you submitted or compiled yourself",
        )
    if target.signoffs.filter(user=user).exists():
        return NotPermitted(
            "publication.signoff.twice", "同一人不能签核两次", "Nobody may sign the same batch twice"
        )
    return None


def can_sign(target: Batch | Release, user: Any) -> bool:
    return sign_problem(target, user) is None


def _reason(comment: Any, approve: bool) -> str:
    text = str(comment or "").strip()
    if len(text) > 500 or (not approve and not text):
        raise field_error(
            None,
            "comment",
            "publication.signoff.comment_required",
            "退回时须填写原因（500字以内）",
            "A rejection needs a reason (at most 500 characters)",
        )
    return text


def _sign(
    target: Batch | Release, actor: Any, approve: bool, comment: Any, now: datetime.datetime
) -> SignOff:
    text = _reason(comment, approve)
    problem = sign_problem(target, actor)
    if problem is not None:
        raise problem
    role = next_role(target)
    assert role is not None
    step = len(_approvals(target))
    link = {"release": target} if isinstance(target, Release) else {"batch": target}
    return SignOff.objects.create(
        **link,
        step=step,
        role=role,
        user=actor,
        decision=SignOff.Decision.APPROVE if approve else SignOff.Decision.REJECT,
        comment=text,
        at=now,
    )


def sign_batch(
    batch: Batch, *, actor: Any, approve: bool = True, comment: Any = "", now: datetime.datetime | None = None
) -> Batch:
    """The next signature on a city batch: data handler, then centre director."""
    now = _now(now)
    with transaction.atomic():
        _lock_org(batch.organisation)
        batch = Batch.objects.select_for_update().select_related("organisation").get(pk=batch.pk)
        signoff = _sign(batch, actor, approve, comment, now)
        before = batch.state
        if not approve:
            batch.state = BatchState.REJECTED
            batch.items.update(active=False)
        elif next_role(batch) is None:
            batch.state = BatchState.APPROVED
        batch.save(update_fields=["state"])
        log_action(
            BATCH_SIGNED if approve else BATCH_REJECTED,
            batch,
            actor=actor,
            before={"state": before},
            after={"state": batch.state},
            data={"step": signoff.step, "role": signoff.role, "comment": signoff.comment},
        )
    return batch


def compile_release(
    org: Organisation, *, actor: Any, now: datetime.datetime | None = None, period: str | None = None
) -> Release:
    """The province's upload for a round: its signed-off city batches (this round's and any earlier
    one's left over) and its own certificates. By default the latest round whose window has opened."""
    now = _now(now)
    if org.kind not in COMPILING_KINDS:
        raise field_error(
            org.code,
            "organisation",
            "publication.release.not_a_province",
            "只有省级（或行业）中心汇总发布数据",
            "Only a provincial (or industry) centre compiles a release",
        )
    if not has_permission(actor, "publication.submit", org):
        raise NotPermitted()
    try:
        current = schedule.parse_code(period) if period else schedule.latest_started(now)
    except ValueError as exc:
        raise field_error(
            None, "period", "publication.period.invalid", "期次格式应为 2026-03A", str(exc)
        ) from exc
    if now < current.window_opens:
        raise Conflict(
            "publication.release.too_early",
            f"{current.code} 期的报送尚未开始（{_fmt(current.window_opens)}）",
            f"Round {current.code} has not opened yet ({_fmt(current.window_opens)})",
        )
    with transaction.atomic():
        _lock_org(org)
        if (
            Release.objects.filter(organisation=org, period=current.code)
            .exclude(state=ReleaseState.REJECTED)
            .exists()
        ):
            raise Conflict(
                "publication.release.exists",
                f"{current.code} 期已汇总",
                f"Round {current.code} has already been compiled",
            )
        city_batches = list(
            Batch.objects.select_for_update()
            .filter(
                organisation__path__startswith=org.path,
                kind=Batch.Kind.CITY,
                state=BatchState.APPROVED,
                release__isnull=True,
                data_end__lte=current.data_end,
            )
            .order_by("pk")
        )
        own_ids = list(pending_certificates(org, current.data_end).values_list("pk", flat=True))
        if not city_batches and not own_ids:
            raise Conflict(
                "publication.release.empty",
                f"{current.code} 期没有已签核的报送数据可汇总",
                f"Round {current.code} has no signed-off data to compile",
            )
        release = Release.objects.create(
            organisation=org,
            period=current.code,
            data_start=current.data_start,
            data_end=current.data_end,
            publication_date=current.publication_date,
            compiled_by=actor,
            compiled_at=now,
        )
        if own_ids:
            own = Batch.objects.create(
                organisation=org,
                kind=Batch.Kind.OWN,
                period=current.code,
                data_start=current.data_start,
                data_end=current.data_end,
                publication_date=current.publication_date,
                state=BatchState.COMPILED,
                submitted_by=actor,
                submitted_at=now,
                release=release,
                certificate_count=len(own_ids),
            )
            _items(own, own_ids)
        for b in city_batches:
            b.release, b.state = release, BatchState.COMPILED
            b.save(update_fields=["release", "state"])
        release.certificate_count = len(own_ids) + sum(b.certificate_count for b in city_batches)
        release.save(update_fields=["certificate_count"])
        log_action(
            COMPILED,
            release,
            actor=actor,
            data={
                "period": current.code,
                "batches": [b.pk for b in city_batches],
                "own_certificates": len(own_ids),
                "certificates": release.certificate_count,
            },
        )
    return release


def sign_release(
    release: Release,
    *,
    actor: Any,
    approve: bool = True,
    comment: Any = "",
    now: datetime.datetime | None = None,
) -> Release:
    """The next signature on the province's upload: data handler, department head, leader in charge."""
    now = _now(now)
    with transaction.atomic():
        _lock_org(release.organisation)
        release = Release.objects.select_for_update().select_related("organisation").get(pk=release.pk)
        signoff = _sign(release, actor, approve, comment, now)
        before = release.state
        if not approve:
            release.state = ReleaseState.REJECTED
            for b in release.batches.select_for_update().order_by("pk"):
                if b.kind == Batch.Kind.OWN:
                    b.state = BatchState.REJECTED
                    b.items.update(active=False)
                else:  # back to the province's queue for the next compilation
                    b.state, b.release = BatchState.APPROVED, None
                b.save(update_fields=["state", "release"])
        elif next_role(release) is None:
            release.state = ReleaseState.SIGNED
        release.save(update_fields=["state"])
        log_action(
            RELEASE_SIGNED if approve else RELEASE_REJECTED,
            release,
            actor=actor,
            before={"state": before},
            after={"state": release.state},
            data={"step": signoff.step, "role": signoff.role, "comment": signoff.comment},
        )
    return release


def publish_problem(release: Release, user: Any, now: datetime.datetime | None = None) -> Exception | None:
    now = _now(now)
    if not has_permission(user, "publication.publish", release.organisation):
        return NotPermitted()
    if release.state != ReleaseState.SIGNED:
        return Conflict(
            "publication.release.not_signed",
            "发布前须完成经办人、处室负责人、分管领导的签核",
            "The release must be signed off by the data handler, department head and leader in charge first",
        )
    if user.pk == release.compiled_by_id:
        return NotPermitted(
            "publication.signoff.own_submission",
            "不能发布自己汇总的数据",
            "You may not publish a release you compiled yourself",
        )
    if schedule.local(now).date() < release.publication_date:
        return Conflict(
            "publication.release.too_early",
            f"{release.period} 期的发布日为 {release.publication_date}，不能提前发布",
            f"Round {release.period} publishes on {release.publication_date}, not before",
        )
    freeze = active_freeze()
    if freeze is not None:
        return Conflict(
            "publication.publishing.frozen",
            f"发布已冻结（{freeze.reason}），解除冻结前不能发布",
            f"Publishing is frozen ({freeze.reason}); nothing can be published until it is lifted",
        )
    return None


def publish_release(release: Release, *, actor: Any, now: datetime.datetime | None = None) -> Release:
    """Make the release's certificates public (the only writer of `published_at`) and queue a backup."""
    from skillcert.jobs.services import start_job

    now = _now(now)
    with transaction.atomic():
        _lock_org(release.organisation)
        release = Release.objects.select_for_update().select_related("organisation").get(pk=release.pk)
        problem = publish_problem(release, actor, now)
        if problem is not None:
            raise problem
        items = BatchItem.objects.filter(batch__release=release, active=True)
        numbers = list(items.order_by("certificate__number").values_list("certificate__number", flat=True))
        unpublished = Certificate.objects.filter(
            pk__in=items.values("certificate_id"), published_at__isnull=True
        )
        newly = list(unpublished.values_list("pk", flat=True))
        count = unpublished.update(published_at=now)
        # X2, issue 19: the release's leaves go into the transparency log in this same transaction.
        checkpoint = tlog.log_release(release.pk, newly, now=now)
        release.batches.update(state=BatchState.PUBLISHED)
        release.state, release.published_by, release.published_at = ReleaseState.PUBLISHED, actor, now
        release.save(update_fields=["state", "published_by", "published_at"])
        log_action(
            PUBLISHED,
            release,
            actor=actor,
            before={"state": ReleaseState.SIGNED},
            after={"state": release.state, "published_at": now},
            data={
                "period": release.period,
                "certificates": count,
                "numbers": numbers,
                "tlog": {"size": checkpoint.size, "root": checkpoint.root_hash},
            },
        )
        # R3.9: a backup after every publication, once this transaction has committed.
        start_job(
            "publication.backup",
            actor=None,
            organisation=release.organisation,
            params={"release": release.pk, "reason": f"publication {release.period}"},
        )
    return release
