from django.urls import path

from skillcert.verification.upload import upload_page
from skillcert.verification.views import verify_page

app_name = "verification"

urlpatterns = [
    path("", verify_page, name="verify"),
    path("file/", upload_page, name="upload"),
]
