"""API plumbing shared by every app: pagination, problem-details errors (design.md rule 6),
and the scoped viewset base (rule 8)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from skillcert.core.errors import FieldError, SkillcertError
from skillcert.core.filters import scope_choices
from skillcert.core.parsers import BodyTooLarge, TooDeep, json_max_bytes, max_depth

# Bilingual messages for the generic errors DRF raises itself.
_GENERIC: dict[str, tuple[str, str, str]] = {
    "NotAuthenticated": (
        "auth.not_authenticated",
        "未登录或凭据缺失",
        "Authentication credentials were not provided",
    ),
    "AuthenticationFailed": ("auth.failed", "身份验证失败", "Authentication failed"),
    "PermissionDenied": ("auth.not_permitted", "无权执行此操作", "You are not permitted to do this"),
    "NotFound": ("not_found", "记录不存在或不在您的管辖范围内", "Record not found or outside your scope"),
    "MethodNotAllowed": ("http.method_not_allowed", "不支持此请求方法", "Method not allowed"),
    "NotAcceptable": ("http.not_acceptable", "无法提供所请求的格式", "Requested format not available"),
    "UnsupportedMediaType": ("http.unsupported_media_type", "不支持的内容类型", "Unsupported media type"),
    "Throttled": ("http.throttled", "请求过于频繁，请稍后再试", "Too many requests; try again later"),
    "ParseError": ("http.parse_error", "请求内容无法解析", "Malformed request body"),
}


class ScopedFilterBackend(DjangoFilterBackend):
    """The API's filter backend: foreign-key filters name only records the caller may see
    (`core.filters.scope_choices`), so a filter cannot probe which ids exist outside the subtree."""

    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        return None if filterset is None else scope_choices(filterset, request.user)


class StandardPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _field_errors(detail: Any, prefix: str = "") -> list[FieldError]:
    out: list[FieldError] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            out += _field_errors(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict | list):
                out += _field_errors(item, prefix)
            else:
                code = getattr(item, "code", "invalid")
                out.append(
                    FieldError(
                        prefix or "non_field_errors",
                        f"validation.{code}",
                        _zh_for(code, str(item)),
                        str(item),
                    )
                )
    else:
        out.append(FieldError(prefix or "non_field_errors", "validation.invalid", str(detail), str(detail)))
    return out


_ZH_BY_CODE = {
    "required": "为必填项",
    "null": "不能为空",
    "blank": "不能为空白",
    "invalid": "格式无效",
    "max_length": "超出最大长度",
    "min_length": "长度不足",
    "invalid_choice": "不是有效的选项",
    "does_not_exist": "引用的记录不存在",
    "incorrect_type": "类型不正确",
    "unique": "已存在相同记录",
    "max_value": "超出最大值",
    "min_value": "小于最小值",
    "date": "日期格式无效",
}


def _zh_for(code: str, english: str) -> str:
    return _ZH_BY_CODE.get(code, english)


def _encodable(data: Any) -> Any:
    """Error messages quote the input. JSON may carry a lone surrogate (`"\\ud800"`) that UTF-8 cannot
    encode; it is written as its escape, instead of the answer failing to render (a 500)."""
    if isinstance(data, str):
        return data.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(data, dict):
        return {_encodable(key): _encodable(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_encodable(item) for item in data]
    return data


def problem_body(exc: SkillcertError) -> dict[str, Any]:
    """The problem JSON of an error, as every API answer carries it."""
    return _encodable(exc.as_problem())


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SkillcertError):
        return Response(problem_body(exc), status=exc.status, content_type="application/problem+json")
    if isinstance(exc, RecursionError):
        # Input nested deeper than some code can follow (the JSON parser refuses what it sees first,
        # core/parsers.py; this is the net under every other route): a bad request, never a 500.
        problem = problem_body(TooDeep(max_depth()))
        return Response(problem, status=400, content_type="application/problem+json")
    if isinstance(exc, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE (JSON included)
        problem = problem_body(BodyTooLarge(json_max_bytes()))
        return Response(problem, status=413, content_type="application/problem+json")
    if isinstance(exc, SuspiciousOperation):
        # Too many fields or too large a body (DATA_UPLOAD_MAX_*): Django would answer with its HTML
        # 400 page; API clients get the same problem JSON as for any other bad request.
        return Response(
            _encodable(
                SkillcertError(
                    "request.too_large", "请求过大或字段过多", "Request too large or too many fields", [], 400
                ).as_problem()
            ),
            status=400,
            content_type="application/problem+json",
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        problem = SkillcertError("validation.failed", "输入有误", "Invalid input", errors, 400).as_problem()
    else:
        code, zh, en = _GENERIC.get(exc.__class__.__name__, ("http.error", "请求失败", "Request failed"))
        problem = SkillcertError(code, zh, en, [], response.status_code).as_problem()
    response.data = _encodable(problem)
    response.content_type = "application/problem+json"
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """The last API route: a URL that names no endpoint (say `/api/v1/people/1.5/`, whose id the
    router does not accept) answers with a problem+json 404 like every other API error, not with the
    site's HTML error page."""
    code, zh, en = _GENERIC["NotFound"]
    return JsonResponse(
        SkillcertError(code, zh, en, [], 404).as_problem(),
        status=404,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


def storable_text(value: str) -> bool:
    """Whether the databases can take `value` at all: PostgreSQL text cannot hold a NUL character, and no
    driver can encode a lone UTF-16 surrogate (JSON `"\\ud800"` decodes to one). DRF's CharField rejects
    both; keys and ids that reach a query by other routes are checked with this."""
    return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)


def unstorable_text(data: Any) -> bool:
    """Whether any string in a JSON value (keys included) fails `storable_text`."""
    if isinstance(data, str):
        return not storable_text(data)
    if isinstance(data, dict):
        return any(unstorable_text(k) or unstorable_text(v) for k, v in data.items())
    if isinstance(data, list):
        return any(unstorable_text(item) for item in data)
    return False


class PrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A PrimaryKeyRelatedField whose text keys cannot crash the query: a key no database can hold names
    no record ("does not exist", 400) instead of raising a DataError (500) on PostgreSQL. Model
    serializers use it through `serializer_related_field`."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not storable_text(data):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class SafeLookupMixin:
    """Detail routes accept any text without "/" or "." as the key; one that no database can hold
    answers 404 like any other unknown key, instead of a DataError (500) on PostgreSQL."""

    kwargs: dict[str, Any]
    lookup_field: str
    lookup_url_kwarg: str | None

    def get_object(self) -> Any:
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if isinstance(value, str) and not storable_text(value):
            raise exceptions.NotFound()
        return super().get_object()  # type: ignore[misc]


class ScopedQuerysetMixin(SafeLookupMixin):
    """Viewsets get their queryset only through the model's `visible_to(user)` (design.md rule 8).

    Subclasses set `scoped_model` and may override `scoped_queryset()`; nothing reaches data any other
    way, so an object outside the user's subtree answers 404, exactly like one that does not exist.
    """

    scoped_model: Any = None
    request: Any

    def scoped_queryset(self) -> Any:
        return self.scoped_model.objects.visible_to(self.request.user)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.scoped_model.objects.none()
        return self.scoped_queryset()


def problem_schema_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing: document the problem-details error answers of every operation,
    so clients (and the schema fuzz test) know what a 400/401/403/404 looks like."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["FieldError"] = {
        "type": "object",
        "properties": {
            "field": {"type": "string"},
            "code": {"type": "string"},
            "message_zh": {"type": "string"},
            "message_en": {"type": "string"},
            "record": {"type": "string"},
        },
        "required": ["field", "code", "message_zh", "message_en"],
    }
    schemas["Problem"] = {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "detail": {"type": "string"},
            "message": {
                "type": "object",
                "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                "required": ["zh", "en"],
            },
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        },
        "required": ["type", "title", "status", "code", "message", "errors"],
    }
    problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    descriptions = {
        "400": "Invalid input",
        "401": "Not authenticated",
        "403": "Not permitted",
        "404": "Not found or outside your scope",
        "405": "Method not allowed",
        "406": "Not acceptable",
        "413": "Request or upload too large",
        "415": "Unsupported media type",
        "429": "Too many requests",
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in descriptions.items():
                responses.setdefault(status, {"description": description, **problem})
    return result
