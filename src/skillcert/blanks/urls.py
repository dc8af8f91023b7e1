"""Back-office blank-ledger pages, mounted at /manage/blanks/ (namespace "blanks")."""

from django.urls import path, re_path

from skillcert.blanks import views, views_distribution

app_name = "blanks"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("receipts/", views.ReceiptListView.as_view(), name="receipts"),
    path("receipts/new/", views.receive, name="receive"),
    path("allocations/", views.AllocationListView.as_view(), name="allocations"),
    path("allocations/new/", views.allocate, name="allocate"),
    path("allocations/overview/", views.overview, name="overview"),
    path("fees/new/", views.fee, name="fee"),
    path("serials/", views.SerialListView.as_view(), name="serials"),
    path("serials/spoil/", views.spoil, name="spoil"),
    re_path(r"^serials/(?P<serial>[A-Z]{1,4}[0-9]{8})/$", views.serial_detail, name="serial"),
    path("requisitions/", views.RequisitionListView.as_view(), name="requisitions"),
    path("requisitions/new/", views.requisition_new, name="requisition_new"),
    path("requisitions/<int:pk>/", views.requisition_detail, name="requisition"),
    path("destructions/", views.DestructionListView.as_view(), name="destructions"),
    path("destructions/new/", views.destroy, name="destroy"),
    path("distribution/", views.DistributionListView.as_view(), name="distributions"),
    path("distribution/notice/", views_distribution.publish_notice, name="notice_new"),
    path("distribution/recall/", views_distribution.recall, name="recall"),
    path("distribution/<int:pk>/", views_distribution.distribution_detail, name="distribution"),
    path("distribution/<int:pk>/mail/", views_distribution.record_mailing, name="distribution_mail"),
    path("distribution/<int:pk>/collect/", views_distribution.record_collection, name="distribution_collect"),
]
