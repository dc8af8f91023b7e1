"""What the URL parameters of the project name, for the scope walk (tests/test_scope_walk.py): the URL
list from the resolver, the tables classifying it, and the victim values a route is walked with."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from skillcert.accounts.models import ApiToken, IncidentEvidence, Lockout, SecurityIncident
from skillcert.appraisal.models import AnnualPlan, AppraisalSession, Enrolment, PaperSet, SessionSubject
from skillcert.blanks.models import BlankSerial, Distribution, Requisition
from skillcert.catalog import models as catalog
from skillcert.certificates.models import Certificate, NumberingConfig
from skillcert.esign.models import IssuerKey
from skillcert.holders.models import CertificateInquiry, CorrectionEvidence, CorrectionRequest, ReissueRequest
from skillcert.jobs.models import Job
from skillcert.orgs.models import Organisation
from skillcert.people.models import Person, Photo
from skillcert.printing.models import Printer, PrintJob
from skillcert.publication.models import Batch, Release
from skillcert.reports.models import ReportSubmission
from tests.scope_http import COUNTS
from tests.scope_world import Victim, World

User = get_user_model()


@dataclass(frozen=True)
class Ref:
    """A URL parameter naming `model` by `field`; with `parent`, the object must belong (through its
    attribute `link`) to the object another parameter of the same URL names."""

    model: type[Model]
    field: str = "pk"
    parent: str | None = None
    link: str = ""


Spec = dict[str, "Ref | tuple[str, ...]"]  # a literal parameter lists the values to walk

_SESSION_SUBJECT: Spec = {
    "pk": Ref(AppraisalSession),
    "sid": Ref(SessionSubject, parent="pk", link="session"),
}
_FMT = ("pdf", "xlsx")

# Function views (and plain API views) by URL name: what their parameters name.
FUNCTION_URLS: dict[str, Spec] = {
    "appraisal:plan": {"pk": Ref(AnnualPlan)},
    "appraisal:plan_submit": {"pk": Ref(AnnualPlan)},
    "appraisal:plan_review": {"pk": Ref(AnnualPlan)},
    "appraisal:session": {"pk": Ref(AppraisalSession)},
    "appraisal:session_submit": {"pk": Ref(AppraisalSession)},
    "appraisal:session_review": {"pk": Ref(AppraisalSession)},
    "appraisal:draw": _SESSION_SUBJECT,
    "appraisal:drawn_paper": _SESSION_SUBJECT,
    "appraisal:subject_report": {**_SESSION_SUBJECT, "fmt": _FMT},
    "appraisal:subject_roster": {**_SESSION_SUBJECT, "fmt": _FMT},
    "appraisal:enrol_card": {"pk": Ref(AppraisalSession)},
    "appraisal:enrol_manual": {"pk": Ref(AppraisalSession)},
    "appraisal:enrol_import": {"pk": Ref(AppraisalSession)},
    "appraisal:roster_template": {"pk": Ref(AppraisalSession)},
    "appraisal:scores": {"pk": Ref(AppraisalSession)},
    "appraisal:score_import": {"pk": Ref(AppraisalSession)},
    "appraisal:report_submit": {"pk": Ref(AppraisalSession)},
    "appraisal:report_review": {"pk": Ref(AppraisalSession)},
    "appraisal:application": {"pk": Ref(Enrolment), "fmt": _FMT},
    "appraisal:photo": {"sha256": Ref(Photo)},
    "appraisal:paper_audit": {"pk": Ref(PaperSet)},
    "certificates:issue": {"session_id": Ref(AppraisalSession)},
    "certificates:detail": {"number": Ref(Certificate, "number")},
    "reports:report": {"pk": Ref(Organisation), "period": ("2026Q3",)},
    "reports:submit": {"pk": Ref(Organisation), "period": ("2026Q3",)},
    "reports:report_file": {"pk": Ref(Organisation), "period": ("2026Q3",), "fmt": _FMT},
    "reports:submission": {"pk": Ref(ReportSubmission)},
    "reports:submission_file": {"pk": Ref(ReportSubmission), "fmt": _FMT},
    "publication:batch": {"pk": Ref(Batch)},
    "publication:sign-batch": {"pk": Ref(Batch)},
    "publication:release": {"pk": Ref(Release)},
    "publication:sign-release": {"pk": Ref(Release)},
    "publication:publish": {"pk": Ref(Release)},
    "exchange:credential": {"number": Ref(Certificate, "number")},
    "api-exchange-credential": {"number": Ref(Certificate, "number")},
    "printing:job": {"pk": Ref(PrintJob)},
    "printing:job_pdf": {"pk": Ref(PrintJob)},
    "printing:job_action": {"pk": Ref(PrintJob)},
    "printing:printer": {"pk": Ref(Printer)},
    "printing:printer_calibration": {"pk": Ref(Printer)},
    "blanks:serial": {"serial": Ref(BlankSerial, "serial")},
    "blanks:requisition": {"pk": Ref(Requisition)},
    "blanks:distribution": {"pk": Ref(Distribution)},
    "blanks:distribution_mail": {"pk": Ref(Distribution)},
    "blanks:distribution_collect": {"pk": Ref(Distribution)},
    "accounts:unlock": {"pk": Ref(Lockout)},
    "accounts:token_revoke": {"pk": Ref(ApiToken)},
    "accounts:user_action": {"pk": Ref(User), "action": ("reset-totp", "require-password-change")},
    "accounts:incident": {"pk": Ref(SecurityIncident)},
    "accounts:evidence": {
        "pk": Ref(SecurityIncident),
        "evidence_pk": Ref(IncidentEvidence, parent="pk", link="incident"),
    },
    "holders-staff:inquiry": {"pk": Ref(CertificateInquiry)},
    "holders-staff:correction": {"pk": Ref(CorrectionRequest)},
    "holders-staff:evidence": {
        "pk": Ref(CorrectionRequest),
        "evidence_pk": Ref(CorrectionEvidence, parent="pk", link="request"),
    },
    "holders-staff:reissue": {"pk": Ref(ReissueRequest)},
    "backoffice:organisation": {"pk": Ref(Organisation)},
    "backoffice:person": {"pk": Ref(Person)},
    "backoffice:job": {"pk": Ref(Job)},
    "backoffice:job_download": {"pk": Ref(Job)},
}

# Parameters of DRF routes beyond the viewset's lookup, by route name; "?name" is a query parameter.
DRF_EXTRA: dict[str, Spec] = {
    "correction-request-evidence": {
        "evidence_id": Ref(CorrectionEvidence, parent="pk", link="request"),
    },
    "session-report-form": {"?subject": Ref(SessionSubject, parent="pk", link="session")},
    "session-roster-form": {"?subject": Ref(SessionSubject, parent="pk", link="session")},
}

# Public on purpose: the parameter is what an anonymous visitor brings (a QR payload, an issuer's code).
PUBLIC_URLS = {
    "verification-qr": "QR landing: the payload is signed and names one certificate's public answer (R2.3)",
    "exchange-did:issuer-did": "did:web document of an issuing authority: public keys only",
    "tlog-tile": "transparency log tiles and entry bundles: public by design (issue 19), no name or ID",
    "api-tlog-proof": "inclusion proof of a published certificate's leaf: public by design (issue 19)",
    "api-tlog-register": "a published certificate's leaf data (number, event, hashes): public (issue 19)",
}
# Holder pages: guarded by the session a holder gets after the SMS code, for one certificate.
HOLDER_URLS: dict[str, Spec] = {
    "holders:certificate-by-id": {"pk": Ref(Certificate)},
    "holders:certificate-pdf-by-id": {"pk": Ref(Certificate)},
    "holders:certificate-ofd-by-id": {"pk": Ref(Certificate)},
}
# Reference data without an owner: everybody signed in reads it, nobody changes it through the API.
UNSCOPED_MODELS: dict[type[Model], str] = {
    catalog.Level: "catalog",
    catalog.Occupation: "catalog",
    catalog.Region: "catalog",
    catalog.OstaCode: "catalog",
    catalog.EducationLevel: "catalog",
    catalog.CalendarDay: "catalog (holiday calendar)",
    IssuerKey: "public keys of issuing authorities (offline verification, R2.3)",
    NumberingConfig: "numbering scheme of a centre: no personal data, shown on every certificate",
}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...]
    callback: Any

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def viewset(self) -> Any:
        return getattr(self.callback, "cls", None) if getattr(self.callback, "actions", None) else None

    def methods(self) -> list[str]:
        actions = getattr(self.callback, "actions", None)
        if actions:
            return [m for m in actions if m not in ("head", "options")]
        cls = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        if cls is not None:
            return [m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)]
        return ["get", "post"]  # a function view: it says itself which methods it takes (405 otherwise)


def _walk(
    patterns: list[Any], prefix: str, namespace: list[str], params: tuple[str, ...], plain: bool = False
) -> Iterator[Route]:
    """The URL patterns with parameters (`plain`: those without, outside the API)."""
    for p in patterns:
        if isinstance(p, URLResolver):
            if prefix + str(p.pattern) == "admin/":
                continue  # the Django admin: test_django_admin_is_for_sysadmins_only
            ns = namespace + ([p.namespace] if p.namespace else [])
            yield from _walk(
                p.url_patterns, prefix + str(p.pattern), ns, params + tuple(p.pattern.regex.groupindex), plain
            )
        elif isinstance(p, URLPattern):
            names = params + tuple(p.pattern.regex.groupindex)
            route = Route(":".join([*namespace, str(p.name)]), prefix + str(p.pattern), names, p.callback)
            if (plain and not names and not route.is_api) or (not plain and names and "format" not in names):
                yield route


ROUTES = list(_walk(get_resolver().url_patterns, "", [], ()))
PLAIN_ROUTES = list(_walk(get_resolver().url_patterns, "", [], (), plain=True))


def _model_of(viewset: Any) -> type[Model]:
    if getattr(viewset, "scoped_model", None) is not None:
        return viewset.scoped_model  # type: ignore[no-any-return]
    if getattr(viewset, "queryset", None) is not None:
        return viewset.queryset.model  # type: ignore[no-any-return]
    return viewset.serializer_class.Meta.model  # type: ignore[no-any-return]


def spec_of(route: Route) -> Spec | None:
    """What the route's parameters name, or None when it is not classified."""
    if route.name in FUNCTION_URLS:
        return FUNCTION_URLS[route.name]
    if route.name in HOLDER_URLS:
        return HOLDER_URLS[route.name]
    viewset = route.viewset
    if viewset is None:
        return None
    kwarg = viewset.lookup_url_kwarg or viewset.lookup_field
    spec: Spec = {kwarg: Ref(_model_of(viewset), viewset.lookup_field)}
    spec.update(DRF_EXTRA.get(route.name, {}))
    return spec if {k for k in spec if not k.startswith("?")} == set(route.params) else None


@dataclass(frozen=True)
class Case:
    kwargs: dict[str, Any]
    victim: Victim  # the object of the route's first parameter: its users and attackers
    label: str
    only: tuple[str, ...] | None = None  # the attackers this case is for (their own parent object)


def _value(obj: Any, field: str) -> Any:
    return getattr(obj, field)


def cases(spec: Spec, world: World) -> Iterator[Case]:
    """The route's parameters filled with victim values: every victim of the first parameter's model,
    the children that belong to it, every literal; and, for a child, each attacker's own parent."""
    refs = {k: v for k, v in spec.items() if isinstance(v, Ref)}
    literals = {k: v for k, v in spec.items() if not isinstance(v, Ref)}
    roots = [k for k, r in refs.items() if r.parent is None]
    children = [k for k, r in refs.items() if r.parent is not None]
    for chosen in itertools.product(*(world.of(refs[k].model) for k in roots)):
        picked = dict(zip(roots, chosen, strict=True))
        child_choices = []
        for k in children:
            ref = refs[k]
            parent = picked[ref.parent]  # type: ignore[index]
            child_choices.append([v for v in world.of(ref.model) if getattr(v.obj, ref.link) == parent.obj])
        for kids in itertools.product(*child_choices):
            full = {**picked, **dict(zip(children, kids, strict=True))}
            for lits in itertools.product(*literals.values()):
                kwargs = {k: _value(v.obj, refs[k].field) for k, v in full.items()}
                kwargs.update(dict(zip(literals, lits, strict=True)))
                first = full[roots[0]]
                yield Case(kwargs, first, " ".join(v.label for v in full.values()))
                # The attacker's own parent with the victim's child: the child must be looked up under
                # the parent, not on its own.
                for k in children:
                    ref = refs[k]
                    for attacker in first.attackers:
                        own = world.own.get((attacker, refs[ref.parent].model))  # type: ignore[index]
                        if own is not None:
                            mixed = {**kwargs, ref.parent: _value(own, refs[ref.parent].field)}  # type: ignore[index]
                            COUNTS["mixed cases"] += 1
                            yield Case(mixed, full[k], f"own {own!r} + {full[k].label}", only=(attacker,))


def url_of(route: Route, case: Case) -> str:
    path = {k: v for k, v in case.kwargs.items() if not k.startswith("?")}
    query = "&".join(f"{k[1:]}={v}" for k, v in case.kwargs.items() if k.startswith("?"))
    return reverse(route.name, kwargs=path) + (f"?{query}" if query else "")


def unscoped(route: Route) -> bool:
    spec = spec_of(route)
    refs = [v for v in (spec or {}).values() if isinstance(v, Ref)]
    return bool(refs) and refs[0].model in UNSCOPED_MODELS
