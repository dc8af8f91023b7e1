from django.urls import include, path
from rest_framework.routers import SimpleRouter

from skillcert.accounts.api import IncidentViewSet, LockdownView, LockoutViewSet

router = SimpleRouter()
router.register("lockouts", LockoutViewSet, basename="lockout")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("lockdown/", LockdownView.as_view(), name="api-lockdown"),
    path("", include(router.urls)),
]
