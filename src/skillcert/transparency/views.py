"""The static tlog-tiles API under ``/tlog/`` (issue 19 items 2 and 4; C2SP tlog-tiles).

``/tlog/checkpoint`` (text, cached for a few seconds), ``/tlog/tile/<L>/<N>[.p/<W>]`` and
``/tlog/tile/entries/<N>[.p/<W>]`` (bytes, cached for ever: a tile path's content never changes),
``/tlog/vkeys`` (the log's verifier keys) and ``POST /tlog/cosignatures`` (witnesses). Everything is
served from the stored rows; ``skillcert tlog export`` writes the same files for a static mirror.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from skillcert.core.api import problem_body
from skillcert.core.errors import SkillcertError
from skillcert.transparency import services as tlog
from skillcert.transparency import tiles

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=5"
TEXT = "text/plain; charset=utf-8"
MAX_COSIGNATURE_BODY = 64 * 1024


def _text(body: str, cache: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), content_type=TEXT, status=status)
    response["Cache-Control"] = cache
    return response


def _problem(exc: SkillcertError) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem_body(exc), ensure_ascii=False),
        content_type="application/problem+json",
        status=exc.status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    return _text(tlog.signed_note(tlog.head()), SHORT)


@require_GET
def vkeys(request: HttpRequest) -> HttpResponse:
    tlog.ensure_log()
    return _text("".join(f"{v.vkey}\n" for v in tlog.log_verifiers()), SHORT)


@require_GET
@gzip_page
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        wanted = tiles.parse_tile_path("tile/" + path)
        data = tlog.read_tile(wanted)
    except (ValueError, SkillcertError):
        response = _text("not found\n", "no-store", status=404)
        return response
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    return response


@csrf_exempt
@require_POST
def cosignatures(request: HttpRequest) -> HttpResponse:
    """A witness submits its cosignature(s): the body is the checkpoint note with its cosignature
    line(s) appended. 200 with the accepted lines; 400 malformed, 403 unknown or bad witness signature,
    404 no such checkpoint, 409 not the checkpoint this log signed (docs/formats/transparency-log.md §7)."""
    if len(request.body) > MAX_COSIGNATURE_BODY:
        return _problem(
            SkillcertError("transparency.cosignature.too_large", "请求过大", "Request too large", [], 400)
        )
    try:
        stored = tlog.accept_cosignatures(request.body)
    except SkillcertError as exc:
        return _problem(exc)
    return _text("".join(c.line for c in stored), "no-store")
