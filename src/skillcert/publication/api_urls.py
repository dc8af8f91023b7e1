"""/api/v1/publication/ routes."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from skillcert.publication.api import BackupViewSet, BatchViewSet, FreezeView, ReleaseViewSet, ScheduleView

router = DefaultRouter()
router.register("batches", BatchViewSet, basename="publication-batch")
router.register("releases", ReleaseViewSet, basename="publication-release")
router.register("backups", BackupViewSet, basename="publication-backup")

urlpatterns = [
    path("schedule/", ScheduleView.as_view(), name="publication-schedule"),
    path("freeze/", FreezeView.as_view(), name="publication-freeze"),
    path("", include(router.urls)),
]
