from django.urls import path, re_path

from skillcert.transparency import views

urlpatterns = [
    path("checkpoint", views.checkpoint, name="tlog-checkpoint"),
    path("vkeys", views.vkeys, name="tlog-vkeys"),
    path("cosignatures", views.cosignatures, name="tlog-cosignatures"),
    re_path(r"^tile/(?P<path>[0-9a-z./]+)$", views.tile, name="tlog-tile"),
]
