from django.urls import path

from skillcert.verification.views import verify_page

app_name = "verification"

urlpatterns = [
    path("", verify_page, name="verify"),
]
