"""Demo data: an organisation tree (Jiangsu province as in the coding-rule examples, the machinery
industry centre 49), users with roles, registered people. Idempotent: records are found by their
stable codes and only missing ones are created, so a second run changes nothing.

The catalogs must be loaded first (`skillcert catalogs load`; `skillcert demo` does both)."""

from __future__ import annotations

import datetime
import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from skillcert.catalog.models import Region
from skillcert.orgs import services as org_services
from skillcert.orgs.choices import AdminDuty, OrgKind, Role, RolloutFeature
from skillcert.orgs.models import AdministratorEntry, Organisation, RolloutSetting
from skillcert.people import services as people_services
from skillcert.people.idnumber import check_character
from skillcert.people.models import Person
from skillcert.people.protect import document_hash

# (code, name, name_en, kind, parent code, extra fields)
ORGS: list[tuple[str, str, str, str, str | None, dict[str, Any]]] = [
    ("OSTA", "人力资源社会保障部职业技能鉴定中心", "OSTA (national centre)", OrgKind.NATIONAL, None, {}),
    (
        "JS",
        "江苏省职业技能鉴定指导中心",
        "Jiangsu Provincial Skill Appraisal Centre",
        OrgKind.PROVINCE,
        "OSTA",
        {"osta_code": "10", "region_id": "320000"},
    ),
    (
        "JS-HRSS",
        "江苏省人力资源和社会保障厅",
        "Jiangsu Department of Human Resources and Social Security",
        OrgKind.ISSUING_AUTHORITY,
        "JS",
        {"region_id": "320000", "uscc": "11320000014000240J"},
    ),
    (
        "JS-NJ",
        "南京市职业技能鉴定中心",
        "Nanjing Skill Appraisal Centre",
        OrgKind.CITY,
        "JS",
        {"city_code": "01", "region_id": "320100"},
    ),
    (
        "JS-NJ-HR",
        "南京市人力资源和社会保障局",
        "Nanjing HR and Social Security Bureau",
        OrgKind.CITY_HR,
        "JS-NJ",
        {"region_id": "320100"},
    ),
    (
        "ST-10012003",
        "南京市第003号职业技能鉴定站",
        "Nanjing Appraisal Station No. 003",
        OrgKind.STATION,
        "JS-NJ",
        {"institution_code": "10012003"},
    ),
    (
        "ST-10012005",
        "南京市第005号职业技能鉴定站",
        "Nanjing Appraisal Station No. 005",
        OrgKind.STATION,
        "JS-NJ",
        {"institution_code": "10012005"},
    ),
    (
        "JS-SZ",
        "苏州市职业技能鉴定中心",
        "Suzhou Skill Appraisal Centre",
        OrgKind.CITY,
        "JS",
        {"city_code": "05", "region_id": "320500"},
    ),
    (
        "ST-10052001",
        "苏州市第001号职业技能鉴定站",
        "Suzhou Appraisal Station No. 001",
        OrgKind.STATION,
        "JS-SZ",
        {"institution_code": "10052001"},
    ),
    (
        "IND-49",
        "机械工业职业技能鉴定指导中心",
        "Machinery Industry Skill Appraisal Centre",
        OrgKind.INDUSTRY,
        "OSTA",
        {"osta_code": "49"},
    ),
    (
        "IND-49-JS",
        "机械工业职业技能鉴定江苏分中心",
        "Machinery Industry Appraisal Centre, Jiangsu Branch",
        OrgKind.INDUSTRY_BRANCH,
        "IND-49",
        {},
    ),
    (
        "ST-49003018",
        "机械行业第018号特有工种鉴定站",
        "Machinery Industry Appraisal Station No. 018",
        OrgKind.STATION,
        "IND-49-JS",
        {"institution_code": "49003018"},
    ),
]

# (username, full name, organisation code, roles, superuser)
USERS: list[tuple[str, str, str, tuple[str, ...], bool]] = [
    ("sysadmin", "系统管理员", "OSTA", (Role.SYSADMIN,), True),
    ("js_leader", "王省中心主任", "JS", (Role.CENTRE_LEADER, Role.NETWORK_ADMIN), False),
    ("js_auditor", "李审计", "JS", (Role.AUDITOR,), False),
    ("nj_admin", "赵证书管理员", "JS-NJ", (Role.CERT_ADMIN, Role.REVIEWER), False),
    ("nj003", "钱鉴定站操作员", "ST-10012003", (Role.STATION_OPERATOR,), False),
    ("nj005", "孙鉴定站操作员", "ST-10012005", (Role.STATION_OPERATOR,), False),
    ("sz001", "周鉴定站操作员", "ST-10052001", (Role.STATION_OPERATOR,), False),
    ("jx_leader", "吴行业中心主任", "IND-49", (Role.CENTRE_LEADER, Role.CERT_ADMIN), False),
]

# (station code, name, region+birth+sequence without check digit, education, phone)
PEOPLE: list[tuple[str, str, str, str, str]] = [
    ("ST-10012003", "张伟", "32010219900307001", "30", "13912345678"),
    ("ST-10012003", "王芳", "32010419920815002", "20", "13812345601"),
    ("ST-10012003", "阿卜杜拉·艾买提", "65010219880101003", "60", "13999001122"),
    ("ST-10012003", "𠮷田美咲", "32010619950620004", "30", ""),
    ("ST-10012005", "李娜", "32011319870412006", "40", "15062001234"),
    ("ST-10012005", "刘洋", "32011519980923007", "50", "18951234567"),
    ("ST-10052001", "陈静", "32050519910101008", "30", "13771234567"),
    ("ST-10052001", "杨磊", "32050619850505009", "70", ""),
    ("ST-49003018", "黄强", "32010519791111011", "50", "13605151234"),
    ("ST-49003018", "周敏", "11010119930303022", "20", ""),
]


def demo_password() -> str:
    """From DEMO_PASSWORD, else generated once into var/demo_password (never in the repository)."""
    value = os.environ.get("DEMO_PASSWORD")
    if value:
        return value
    path = settings.VAR_DIR / "demo_password"
    if path.exists():
        return path.read_text().strip()
    value = "Demo-" + secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


@transaction.atomic
def load_demo(*, with_appraisal: bool = True) -> dict[str, int]:
    created = {"organisations": 0, "users": 0, "people": 0, "administrators": 0, "rollouts": 0}
    by_code = {o.code: o for o in Organisation.objects.filter(code__in=[c for c, *_ in ORGS])}
    for code, name, name_en, kind, parent_code, extra in ORGS:
        if code in by_code:
            continue
        fields = dict(extra)
        region_id = fields.pop("region_id", None)
        region = Region.objects.filter(code=region_id).first() if region_id else None
        by_code[code] = org_services.create_organisation(
            actor=None,
            parent=by_code[parent_code] if parent_code else None,
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            region=region,
            **fields,
        )
        created["organisations"] += 1

    User = get_user_model()
    password = demo_password()
    for username, full_name, org_code, roles, superuser in USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = org_services.create_user(
            username,
            password,
            actor=None,
            full_name=full_name,
            email=f"{username}@demo.skillcert.invalid",
            org=by_code[org_code],
            roles=roles,
        )
        if superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        created["users"] += 1

    for org_code, name, body, education, phone in PEOPLE:
        number = body + check_character(body)
        org = by_code[org_code]
        if Person.objects.filter(
            organisation=org, document_hash=document_hash("resident_id", number)
        ).exists():
            continue
        people_services.register_person(
            actor=None,
            organisation=org,
            name=name,
            document_number=number,
            education=education,
            phone=phone,
            source="demo",
        )
        created["people"] += 1

    for org_code, duty, responsible, admin, phone in [
        ("JS-NJ", AdminDuty.CODING, "赵主任", "赵证书管理员", "025-83456789"),
        ("JS-NJ", AdminDuty.REQUISITIONS, "赵主任", "钱管理员", "025-83456790"),
        ("JS-SZ", AdminDuty.STATISTICS, "孙主任", "周统计员", "0512-65123456"),
    ]:
        if not AdministratorEntry.objects.filter(organisation=by_code[org_code], duty=duty).exists():
            org_services.register_administrator(
                by_code[org_code],
                actor=None,
                duty=duty,
                responsible_person=responsible,
                administrator=admin,
                phone=phone,
                email=f"{duty}@{org_code.lower()}.demo.skillcert.invalid",
                since=datetime.date(2026, 1, 1),
            )
            created["administrators"] += 1

    for org_code, feature, since in [
        ("JS", RolloutFeature.INTEGRATED_PRINTING, datetime.date(2026, 7, 1)),
        ("JS-NJ", RolloutFeature.INTEGRATED_PRINTING, datetime.date(2026, 3, 1)),
    ]:
        if not RolloutSetting.objects.filter(organisation=by_code[org_code], feature=feature).exists():
            org_services.set_rollout(
                by_code[org_code],
                feature,
                since,
                actor=None,
                note="试点单位先行" if org_code == "JS-NJ" else "全省推行",
            )
            created["rollouts"] += 1
    _load_numbering(by_code)
    _load_issuer_keys(by_code)
    from skillcert.blanks.demo import load_blanks_demo

    load_blanks_demo(by_code, password=password, with_stock=with_appraisal)
    from skillcert.printing.demo import load_printing_demo

    load_printing_demo(by_code)
    created["sessions"] = _load_appraisal_demo(by_code) if with_appraisal else 0
    if with_appraisal:  # publication chain users and published certificates (publication/demo.py)
        from skillcert.publication.demo import load_publication_demo

        created["published"] = load_publication_demo(by_code, password)
    return created


def _load_numbering(by_code: dict[str, Organisation]) -> None:
    """Jiangsu numbers under its national-centre code 10, sealed by the provincial HR department; the
    machinery industry centre numbers its own occupations under 49 (R4.3)."""
    from skillcert.certificates.models import NumberingConfig

    for centre, authority, area, uscc in [
        ("JS", "JS-HRSS", "10", "11320000014000240J"),
        ("IND-49", "IND-49", "49", "12100000400011234N"),
    ]:
        if not NumberingConfig.objects.filter(organisation=by_code[centre]).exists():
            NumberingConfig.objects.create(
                organisation=by_code[centre],
                issuing_authority=by_code[authority],
                scheme="national16",
                area_code=area,
                issuer_uscc=uscc,
            )


def _load_issuer_keys(by_code: dict[str, Organisation]) -> None:
    """One SM2 signing key per issuing authority: the Jiangsu HR department and the machinery industry
    centre. Private keys are encrypted under SKILLCERT_DATA_KEY."""
    from skillcert.esign.models import IssuerKey, KeyStatus
    from skillcert.esign.services import keys

    for code in ("JS-HRSS", "IND-49"):
        if not IssuerKey.objects.filter(organisation=by_code[code], status=KeyStatus.ACTIVE).exists():
            keys.create_key(by_code[code], actor=None)


def _load_appraisal_demo(by_code: dict[str, Organisation]) -> int:
    """One finished session at Nanjing station 003: plan approved, papers drawn, candidates scored, results
    submitted and waiting for the city centre's approval; plus this year's annual plan."""
    from skillcert.appraisal.models import AnnualPlan, AppraisalSession
    from skillcert.appraisal.services import enrolment, papers, plans, reports, scores, sessions
    from skillcert.catalog.models import Level, Occupation

    station = by_code["ST-10012003"]
    year = datetime.date.today().year
    if not AnnualPlan.objects.filter(organisation=station, year=year).exists():
        plan = plans.save_annual_plan(
            station,
            year,
            [
                {"occupation": "6-18-01-01", "level": 4, "planned_count": 120},
                {"occupation": "6-18-01-01", "level": 3, "planned_count": 40},
                {"occupation": "6-18-02-04", "level": 2, "planned_count": 15},
            ],
            actor=None,
        )
        plans.submit_annual_plan(plan, actor=None)
    if AppraisalSession.objects.filter(organisation=station).exists():
        return 0
    exam = datetime.date.today() - datetime.timedelta(days=14)
    session = sessions.create_session(
        station,
        actor=None,
        site="南京市玄武区中山路1号实训楼",
        exam_start=exam,
        exam_end=exam,
        expected_candidates=4,
        subjects=[{"occupation": "6-18-01-01", "level": 4}],
    )
    session = sessions.review_session(sessions.submit_session(session, actor=None), actor=None, approve=True)
    subject = session.subjects.get()
    turner = Occupation.objects.filter(code="6-18-01-01").order_by("-edition").first()
    assert turner is not None
    for label in ("A卷", "B卷", "C卷"):
        paper = papers.register_paper_set(
            station,
            turner,
            Level.objects.get(number=4),
            label,
            f"{label}.pdf",
            f"%PDF-1.4 demo 车工中级理论试卷 {label}".encode(),
            actor=None,
        )
        papers.audit_paper_set(paper, actor=None, approve=True)
    papers.draw_paper(subject, actor=None, seed="demo-seed-" + session.code)
    marks = [("85", "78.5"), ("92", "88"), ("58", "71"), ("76", "64.5")]
    for person, (theory, practical) in zip(station.people.order_by("id"), marks, strict=False):
        e = enrolment.enrol(session, subject, person, actor=None, source="manual", work_unit="南京机床厂")
        scores.record_scores(e, actor=None, theory=theory, practical=practical)
    reports.submit_report(session, actor=None, examiners="王考评,李考评")
    return 1


DEMO_LOGINS = [(u, n, o) for u, n, o, _r, _s in USERS]
