from django.urls import path

from skillcert.accounts import views, views_security, views_tokens

app_name = "accounts"

urlpatterns = [
    path("password/", views.password_change, name="password_change"),
    path("two-factor/", views.totp_verify, name="totp_verify"),
    path("two-factor/enrol/", views.totp_enrol, name="totp_enrol"),
    path("tokens/", views_tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("security/", views_security.overview, name="security"),
    path("security/lockouts/<int:pk>/unlock/", views_security.unlock, name="unlock"),
    path("security/users/<int:pk>/<slug:action>/", views_security.user_action, name="user_action"),
    path("security/leak/", views_security.report_leak, name="report_leak"),
    path("security/lift/", views_security.lift, name="lift"),
    path("incidents/<int:pk>/", views_security.incident_detail, name="incident"),
    path("incidents/<int:pk>/evidence/<int:evidence_pk>/", views_security.evidence_download, name="evidence"),
]
