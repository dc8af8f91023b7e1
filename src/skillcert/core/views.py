from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse

import skillcert


def healthz(request: HttpRequest) -> JsonResponse:
    """Database reachability and version, for load balancers and operators."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db = {"reachable": True, "vendor": connection.vendor}
    except Exception as exc:  # the point is to report any failure, not raise it
        db = {"reachable": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    status = 200 if db["reachable"] else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "unavailable",
            "version": skillcert.__version__,
            "database": db,
        },
        status=status,
    )
