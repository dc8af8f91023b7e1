"""REST API of the appraisal procedure (X4): everything the back office does, for other exam systems."""

from skillcert.appraisal.api.enrolments import EnrolmentViewSet
from skillcert.appraisal.api.papers import PaperDrawViewSet, PaperSetViewSet
from skillcert.appraisal.api.plans import AnnualPlanViewSet
from skillcert.appraisal.api.sessions import SessionViewSet

__all__ = ["AnnualPlanViewSet", "EnrolmentViewSet", "PaperDrawViewSet", "PaperSetViewSet", "SessionViewSet"]
