"""The production WSGI application (`skillcert serve`): Django behind the verification front, which
answers plain public lookups without the full request cycle (verification/front.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
django_application = get_wsgi_application()

from skillcert.verification.front import VerifyFront  # noqa: E402  (needs Django set up)

application = VerifyFront(django_application)
