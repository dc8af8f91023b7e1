"""Printing API routes, included at /api/v1/printing/."""

from rest_framework.routers import DefaultRouter

from skillcert.printing.api import PrinterViewSet, PrintJobViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("printers", PrinterViewSet, basename="printer")
router.register("jobs", PrintJobViewSet, basename="print-job")

urlpatterns = router.urls
