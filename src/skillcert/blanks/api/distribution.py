"""R2.8 REST API for paper distribution: scoped list (X1, out of scope → 404) with filters, and the
actions publish (collection notice), mail, collect and recall (the five-year recall as a job)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.blanks.api.views import _org
from skillcert.blanks.filters import DistributionFilter
from skillcert.blanks.models import CollectionNotice, Distribution
from skillcert.blanks.services import distribution as svc
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import NotFound
from skillcert.core.filters import ID_MAX, ID_MIN
from skillcert.jobs.services import start_job

RECALL_KIND = "blanks.recall_uncollected"


class DistributionSerializer(serializers.ModelSerializer):
    certificate_number = serializers.CharField(source="certificate.number", read_only=True)
    mail_address = serializers.CharField(source="masked_address", read_only=True)  # masked, never full

    class Meta:
        model = Distribution
        fields = [
            "id",
            "certificate",
            "certificate_number",
            "organisation",
            "notice",
            "exam_date",
            "method",
            "status",
            "recipient",
            "mail_address",
            "tracking_number",
            "mailed_on",
            "collected_on",
            "recalled_on",
        ]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    certificates = serializers.SerializerMethodField()

    class Meta:
        model = CollectionNotice
        fields = [
            "id",
            "organisation",
            "title",
            "place",
            "collect_from",
            "collect_until",
            "note",
            "certificates",
        ]
        read_only_fields = fields

    def get_certificates(self, notice: CollectionNotice) -> list[str]:
        return [d.certificate.number for d in notice.distributions.select_related("certificate")]


class PublishBody(serializers.Serializer):
    organisation = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)
    title = serializers.CharField(max_length=100)
    place = serializers.CharField(max_length=200)
    collect_from = serializers.DateTimeField()
    collect_until = serializers.DateTimeField()
    certificates = serializers.ListField(
        child=serializers.CharField(max_length=32), min_length=1, max_length=500
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class MailBody(serializers.Serializer):
    recipient = serializers.CharField(max_length=50)
    address = serializers.CharField(max_length=200)
    tracking_number = serializers.CharField(max_length=40)
    mailed_on = serializers.DateField()


class CollectBody(serializers.Serializer):
    recipient = serializers.CharField(max_length=50)
    collected_on = serializers.DateField()
    id_checked = serializers.BooleanField()


class RecallBody(serializers.Serializer):
    organisation = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)


class RecallStarted(serializers.Serializer):
    job = serializers.UUIDField()
    status = serializers.CharField()


class DistributionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """How printed certificates reach their holders; the mailing address only masked."""

    scoped_model = Distribution
    serializer_class = DistributionSerializer
    filterset_class = DistributionFilter

    def scoped_queryset(self) -> Any:
        return Distribution.objects.visible_to(self.request.user).select_related("certificate")

    @extend_schema(request=PublishBody, responses={201: NoticeSerializer}, filters=False)
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def publish(self, request: Request) -> Response:
        """Publish a collection notice (time, place) for printed certificates, given by number."""
        body = PublishBody(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        org = _org(request.user, d["organisation"])
        numbers = list(dict.fromkeys(d["certificates"]))
        found = {c.number: c for c in svc.awaiting_notice([org]).filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise NotFound(
                "blanks.notice.certificate_not_found",
                f"证书{missing[0]}不存在、未打印、不在{org}管辖范围内或已在领取通知中",
                f"Certificate {missing[0]} is unknown, not printed, outside {org} or already in a notice",
            )
        notice = svc.publish_notice(
            organisation=org,
            title=d["title"],
            place=d["place"],
            collect_from=d["collect_from"],
            collect_until=d["collect_until"],
            certificates=[found[n] for n in numbers],
            note=d["note"],
            actor=request.user,
        )
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MailBody, responses={200: DistributionSerializer}, filters=False)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def mail(self, request: Request, pk: str | None = None) -> Response:
        """Record that the certificate was mailed (address stored, shown masked)."""
        dist = self.get_object()
        body = MailBody(data=request.data)
        body.is_valid(raise_exception=True)
        svc.record_mailing(dist, actor=request.user, **body.validated_data)
        dist.refresh_from_db()
        return Response(DistributionSerializer(dist).data)

    @extend_schema(request=CollectBody, responses={200: DistributionSerializer}, filters=False)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def collect(self, request: Request, pk: str | None = None) -> Response:
        """Record that the certificate was collected in person, the collector's ID checked."""
        dist = self.get_object()
        body = CollectBody(data=request.data)
        body.is_valid(raise_exception=True)
        svc.record_collection(dist, actor=request.user, **body.validated_data)
        dist.refresh_from_db()
        return Response(DistributionSerializer(dist).data)

    @extend_schema(request=RecallBody, responses={202: RecallStarted}, filters=False)
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def recall(self, request: Request) -> Response:
        """Start the five-year recall for an organisation's subtree as a job (follow it at /jobs/)."""
        body = RecallBody(data=request.data)
        body.is_valid(raise_exception=True)
        job = start_job(
            RECALL_KIND,
            actor=request.user,
            organisation=_org(request.user, body.validated_data["organisation"]),
        )
        job.refresh_from_db()
        return Response({"job": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)
