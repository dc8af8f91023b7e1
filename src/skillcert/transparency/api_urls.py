from django.urls import path, re_path

from skillcert.transparency import api

urlpatterns = [
    path("keys/", api.KeysView.as_view(), name="api-tlog-keys"),
    path("consistency/", api.ConsistencyView.as_view(), name="api-tlog-consistency"),
    re_path(r"^proof/(?P<number>[^/]{1,40})/?$", api.ProofView.as_view(), name="api-tlog-proof"),
    re_path(r"^register/(?P<number>[^/]{1,40})/?$", api.RegisterView.as_view(), name="api-tlog-register"),
]
