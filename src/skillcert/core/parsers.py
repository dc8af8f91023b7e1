"""JSON request bodies within limits (issue 13 items 4 and 10).

Python's json module recurses once per nesting level: 100,000 ``[`` in a body raised RecursionError
inside DRF's parser, which answered 500 — on the anonymous ``/api/v1/verify/`` too. `JSONParser` (the
API's default parser) checks, before json.loads sees the body:

- its size against DATA_UPLOAD_MAX_MEMORY_SIZE (Content-Length first, then what is read; DRF itself
  reads JSON through ``request.body``, which Django refuses past that size — the API answers both
  with 413 ``core.request.too_large``);
- its nesting against ``SKILLCERT_JSON_MAX_DEPTH`` with `depth`, a scan of the brackets outside
  strings done by C-level bytes operations (no Python loop per byte): 400 ``core.request.too_deep``.

The verification front (``verification/front.py``), which reads ``/api/v1/verify/`` bodies itself,
uses `too_deep` too and hands such a body to Django, which answers through this parser.
"""

from __future__ import annotations

import io
import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from rest_framework import parsers

from skillcert.core.errors import SkillcertError
from skillcert.core.uploads import size_text

# A JSON string: what is inside it is text, not structure. An unterminated string is left in place (its
# brackets then count, and json.loads refuses the body anyway).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SIGNS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")  # +1 / -1 as signed bytes


class TooDeep(SkillcertError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            "core.request.too_deep",
            f"请求内容的JSON嵌套超过{limit}层",
            f"The JSON body is nested more than {limit} levels deep",
            [],
            400,
        )


class BodyTooLarge(SkillcertError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            "core.request.too_large",
            f"请求内容超过{size_text(limit)}的上限",
            f"The request body is larger than the limit of {size_text(limit)}",
            [],
            413,
        )


def json_max_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


def max_depth() -> int:
    return int(getattr(settings, "SKILLCERT_JSON_MAX_DEPTH", 64))


def depth(body: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    signs = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS).translate(_SIGNS)
    return max(accumulate(memoryview(signs).cast("b")), default=0)


def too_deep(body: bytes | str, limit: int | None = None) -> bool:
    limit = max_depth() if limit is None else limit
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if data.count(b"[") + data.count(b"{") <= limit:  # the common case, without a scan
        return False
    return depth(data) > limit


def check_json_body(body: bytes | str) -> None:
    """Raise TooDeep for a body nested deeper than the setting."""
    limit = max_depth()
    if too_deep(body, limit):
        raise TooDeep(limit)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser behind a size and a nesting limit (see the module docstring)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = json_max_bytes()
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", None) or {}
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise BodyTooLarge(limit)
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise BodyTooLarge(limit)
        check_json_body(body)
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # a nesting the scan did not see (it cannot, but never a 500)
            raise TooDeep(max_depth()) from None
