"""Byte limits on every upload, checked before the body is read (issue 13 item 4; X6).

Three layers, so that no door is left open:

1. **Before the body is read** — `LimitedUploadHandler`, the first of ``FILE_UPLOAD_HANDLERS``, sees
   every multipart request before Django parses it. It takes the limit of the view the URL resolved to
   (declared with `upload_limit` on a function view or `upload_limits` on a view class; a view that
   declares none takes files of ``SKILLCERT_UPLOAD_DEFAULT_MAX_BYTES`` in a body of at most
   ``SKILLCERT_REQUEST_MAX_BYTES``) and compares it with ``Content-Length``:

   - on the API (``/api/…``) a larger request is answered at once with 413 (problem+json
     ``core.upload.too_large``) without reading the body;
   - on pages the body is read (the CSRF token and the other fields are in it, and browsers show a
     reset connection rather than an early answer), but the file's bytes are thrown away as they
     arrive: the form receives a `RefusedUpload` of the real size and no content, and refuses it
     with the same message and status 413. Bodies larger than both the view's limit and
     ``SKILLCERT_REQUEST_MAX_BYTES`` are refused at once on pages too (Django's 400
     ``RequestDataTooBig``).

2. **While reading** — the handler counts each file's bytes, so a body that lies about its length
   gains nothing.

3. **At the service** — `read_upload` checks ``upload.size`` before it reads a byte and reads at most
   the limit, so a caller outside a request (CLI, tests) is held to the same limit.

Limits are settings (see the header of ``settings.py``): ``SKILLCERT_UPLOAD_MAX_BYTES`` for tables
(rosters, scores), ``SKILLCERT_IMPORT_MAX_BYTES`` for certificate imports; fixed limits of other
files (photos, papers, evidence, e-certificates) stay with the services that define them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from skillcert.core.errors import FieldError, SkillcertError

# Room for the multipart boundaries, part headers and the small form fields next to the file.
MULTIPART_SLACK = 256 * 1024

Bytes = int | Callable[[], int]


def size_text(n: int) -> str:
    """A byte count as people write it: 10 MB, 2.5 MB, 512 KB."""
    mib = 1024 * 1024
    if n >= mib:
        return f"{n // mib} MB" if n % mib == 0 else f"{n / mib:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB" if n % 1024 == 0 else f"{n / 1024:.1f} KB"
    return f"{n} B"


class UploadTooLarge(SkillcertError):
    """413: a file (or a whole request) larger than its limit."""

    def __init__(self, name: str | None, limit: int, field: str = "file") -> None:
        what_zh = f"文件“{name}”" if name else "上传的内容"
        what_en = f"The file '{name}'" if name else "The upload"
        zh = f"{what_zh}超过{size_text(limit)}的上限"
        en = f"{what_en} is larger than the limit of {size_text(limit)}"
        super().__init__(
            "core.upload.too_large", zh, en, [FieldError(field, "core.upload.too_large", zh, en, name)], 413
        )


def _value(limit: Bytes) -> int:
    return int(limit() if callable(limit) else limit)


def table_max_bytes() -> int:
    return int(settings.SKILLCERT_UPLOAD_MAX_BYTES)


def import_max_bytes() -> int:
    return int(settings.SKILLCERT_IMPORT_MAX_BYTES)


@dataclass(frozen=True)
class UploadLimit:
    """What one view accepts: files of at most `per_file` bytes, at most `files` of them."""

    per_file: Bytes
    files: int = 1

    @property
    def file_bytes(self) -> int:
        return _value(self.per_file)

    @property
    def request_bytes(self) -> int:
        return self.file_bytes * self.files + MULTIPART_SLACK


def upload_limit(per_file: Bytes, files: int = 1) -> Callable[[Any], Any]:
    """Declare a function view's upload limit (innermost decorator: the outer ones copy it)."""

    def mark(view: Any) -> Any:
        view.upload_limit = UploadLimit(per_file, files)
        return view

    return mark


def view_limit(request: Any) -> UploadLimit | None:
    """The limit of the view `request` resolved to: `upload_limit` on a function view, or a view class's
    `upload_limits` (API or Django) mapping its action (viewsets) or method to an `UploadLimit`."""
    match = getattr(request, "resolver_match", None)
    func = getattr(match, "func", None)
    if func is None:
        return None
    declared = getattr(func, "upload_limit", None)
    if isinstance(declared, UploadLimit):
        return declared
    view_class = getattr(func, "cls", None) or getattr(func, "view_class", None)  # DRF / Django classes
    limits = getattr(view_class, "upload_limits", None)
    if not limits:
        return None
    method = str(getattr(request, "method", "")).lower()
    action = (getattr(func, "actions", None) or {}).get(method, method)
    found = limits.get(action)
    return found if isinstance(found, UploadLimit) else None


def _is_api(request: Any) -> bool:
    return str(getattr(request, "path", "")).startswith("/api/")


class RefusedUpload(UploadedFile):
    """Stands for a file whose bytes were thrown away because it was larger than the view's limit: the
    form sees its name and real size and refuses it; there is nothing to read."""

    refused = True

    def __init__(self, name: str, size: int, content_type: str | None, limit: int) -> None:
        super().__init__(io.BytesIO(b""), name, content_type, size, None, None)
        self.limit = limit


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS; see the module docstring."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        limit = view_limit(self.request)
        self.api = _is_api(self.request)
        ceiling = int(settings.SKILLCERT_REQUEST_MAX_BYTES)
        if limit is None:  # a view that declares nothing: files of the default size, bodies to the ceiling
            self.per_file, request_bytes = int(settings.SKILLCERT_UPLOAD_DEFAULT_MAX_BYTES), ceiling
        else:
            self.per_file, request_bytes = limit.file_bytes, limit.request_bytes
        self.over = content_length > request_bytes
        if self.over and self.api:
            raise UploadTooLarge(None, self.per_file)
        if content_length > max(request_bytes, ceiling):
            # Pages read an oversized body to throw its files away (see the module docstring), but
            # not without end: past the ceiling Django's own 400.
            raise RequestDataTooBig("Request body exceeded SKILLCERT_REQUEST_MAX_BYTES.")
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.discarding = self.over

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.per_file:
            if self.api:
                raise UploadTooLarge(self.file_name, self.per_file)
            self.discarding = True
        # None stops the chunk here: the handlers after this one (memory, temporary file) never get it.
        return None if self.discarding else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.discarding:
            return None  # the next handler holds the file
        return RefusedUpload(self.file_name or "file", file_size, self.content_type, self.per_file)


def refused(upload: Any, limit: int) -> bool:
    """Whether an upload is over `limit` (or was thrown away by the handler), judged without reading."""
    return bool(getattr(upload, "refused", False)) or int(getattr(upload, "size", 0) or 0) > limit


def check_form_upload(upload: Any, limit: int) -> Any:
    """For a form's clean_<field>: the upload, or a ValidationError (code "too_large") with the bilingual
    message naming the file and the limit. `form_status` turns that code into the page's 413."""
    if upload and refused(upload, limit):
        from django import forms

        error = UploadTooLarge(str(getattr(upload, "name", "") or "") or None, limit)
        raise forms.ValidationError(f"{error.message_zh} / {error.message_en}", code="too_large")
    return upload


def form_status(form: Any, default: int = 200) -> int:
    """413 when a field of `form` was refused by `check_form_upload`, else `default`."""
    errors = getattr(form, "errors", None)
    if errors and any(form.has_error(name, "too_large") for name in errors):
        return 413
    return default


def read_upload(upload: Any, limit: int, field: str = "file") -> bytes:
    """The bytes of an uploaded file, or UploadTooLarge — decided from its size before reading, and
    never reading more than `limit` + 1 bytes."""
    name = str(getattr(upload, "name", "") or "") or None
    if refused(upload, limit):
        raise UploadTooLarge(name, limit, field)
    data = bytes(upload.read(limit + 1))
    if len(data) > limit:
        raise UploadTooLarge(name, limit, field)
    return data
