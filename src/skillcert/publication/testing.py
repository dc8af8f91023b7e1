"""Publishing certificates through the real chain, for tests and the demo (R3.8).

`publish_through_chain(certificates)` runs every step a real round takes — city submission inside the
submission window, data handler and centre director sign-offs, provincial compilation, handler,
department head and leader-in-charge sign-offs, publication by the network administrator on the
publication day — with the clock of each step set to the scheduled time of the round that carries
the certificates' issue date. The people signing are found among the organisation's members, or
created as `pub_<role>_<org code>` members when the organisation has none (tests and the demo only).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from skillcert.certificates.models import Certificate
from skillcert.orgs.choices import Role
from skillcert.orgs.models import Membership, Organisation
from skillcert.publication import schedule
from skillcert.publication.models import Batch, BatchState, Release
from skillcert.publication.services import rounds


def member(org: Organisation, role: str, *, exclude: Iterable[Any] = ()) -> Any:
    """A user holding `role` exactly at `org` (not one of `exclude`), created if there is none."""
    excluded = {getattr(u, "pk", u) for u in exclude}
    for membership in Membership.objects.filter(organisation=org, role=role).select_related("user"):
        if membership.user_id not in excluded:
            return membership.user
    User = get_user_model()
    username = f"pub_{role}_{org.code}".lower()[:150]
    suffix = 0
    while User.objects.filter(username=username).exists():
        suffix += 1
        username = f"pub_{role}_{org.code}_{suffix}".lower()[:150]
    user = User.objects.create_user(username=username, password=None)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def submitter_org(org: Organisation) -> Organisation | None:
    """The nearest city / industry branch centre above a station, or None."""
    return org.nearest(*rounds.SUBMITTING_KINDS)


def compiler_org(org: Organisation) -> Organisation:
    found = org.nearest(*rounds.COMPILING_KINDS)
    if found is None:
        raise ValueError(f"{org} has no provincial or industry centre above it")
    return found


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=schedule.TZ)


def publish_through_chain(certificates: Iterable[Certificate]) -> list[Release]:
    """Publish the given certificates (and whatever else their round carries) through every step."""
    certs = [c for c in certificates if c.published_at is None]
    if not certs:
        return []
    latest = max(c.issued_on for c in certs)
    period = schedule.round_for_data(latest)
    window = period.window_opens + datetime.timedelta(hours=1)
    cities: dict[int, Organisation] = {}
    provinces: dict[int, Organisation] = {}
    for c in certs:
        city = submitter_org(c.organisation)
        if city is not None:
            cities[city.pk] = city
        province = compiler_org(c.organisation)
        provinces[province.pk] = province
    for city in cities.values():
        if not rounds.pending_certificates(city, period.data_end).exists():
            continue
        submitter = member(city, Role.CERT_ADMIN)
        batch = rounds.submit_batch(city, actor=submitter, now=window)
        _sign_chain(batch, rounds.BATCH_CHAIN, submitter, window)
    releases = []
    compile_at = period.window_closes + datetime.timedelta(minutes=30)
    for province in provinces.values():
        compiler = member(province, Role.CERT_ADMIN)
        release = rounds.compile_release(province, actor=compiler, now=compile_at, period=period.code)
        release = _sign_chain(release, rounds.RELEASE_CHAIN, compiler, compile_at)
        publisher = member(province, Role.NETWORK_ADMIN, exclude=[compiler])
        releases.append(
            rounds.publish_release(release, actor=publisher, now=_at(period.publication_date, 10))
        )
    return releases


def _sign_chain(target: Any, chain: tuple[str, ...], author: Any, at: datetime.datetime) -> Any:
    signed: list[Any] = [author]
    for role in chain:
        signer = member(target.organisation, role, exclude=signed)
        signed.append(signer)
        if isinstance(target, Batch):
            target = rounds.sign_batch(target, actor=signer, now=at)
        else:
            target = rounds.sign_release(target, actor=signer, now=at)
    if isinstance(target, Batch):
        assert target.state == BatchState.APPROVED
    return target


def publish(*certificates: Certificate) -> list[Certificate]:
    """Publish and return the certificates reloaded (tests: `certs = publish(*issued)`)."""
    publish_through_chain(certificates)
    return list(Certificate.objects.filter(pk__in=[c.pk for c in certificates]).order_by("number"))
