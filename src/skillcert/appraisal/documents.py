"""Plain data for the appraisal forms (附表四/五/六 and the 技师/高级技师 approval form).

The services build these from the database; the renderers (`forms_pdf.py`, `forms_xlsx.py`) turn them
into documents laid out like the paper forms. Keeping them as plain dataclasses lets the renderers be
tested without a database and keeps layout code out of the domain.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FormHeader:
    organisation: str  # the appraisal station (鉴定站) name
    institution_code: str  # 8 digits
    responsible_centre: str  # the centre the form goes to
    session_code: str
    occupation: str  # "6-18-01-01 车工"
    level: str  # "四级/中级"
    exam_dates: str  # "2026-06-12 至 2026-06-13"
    site: str


@dataclass(frozen=True)
class CandidateRow:
    """One candidate on a roster or report."""

    seq: int
    name: str
    gender: str  # 男 / 女
    birth_date: datetime.date
    id_number_masked: str
    education: str
    theory: float | None
    practical: float | None
    comprehensive: float | None  # 综合评审, only 技师/高级技师
    result: str  # 合格 / 不合格 / ""


@dataclass(frozen=True)
class ApplicationForm:
    """附表五 个人申报表: one candidate's application."""

    header: FormHeader
    name: str
    gender: str
    birth_date: datetime.date
    nation: str
    id_number_masked: str
    education: str
    phone: str
    address: str
    work_unit: str
    current_level: str  # existing certificate level, or ""
    years_in_occupation: int | None
    photo_jpeg: bytes | None  # the candidate's photo, placed in the photo box
    declared_at: datetime.date


@dataclass(frozen=True)
class AppraisalReport:
    """附表四 鉴定报告: counts for one session subject."""

    header: FormHeader
    enrolled: int
    sat: int  # 实考人数
    passed: int
    pass_rate: float  # 0..1
    examiners: list[str] = field(default_factory=list)
    notes: str = ""
    reported_at: datetime.date | None = None


@dataclass(frozen=True)
class QualifiedRoster:
    """附表六 合格人员名册 (also the 技师/高级技师 审批表 when `approval_form` is true)."""

    header: FormHeader
    rows: list[CandidateRow]
    approval_form: bool = False
    prepared_by: str = ""
    prepared_at: datetime.date | None = None
