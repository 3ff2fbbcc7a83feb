"""The API plumbing every domain's `api.py` shares: one error shape and one pagination.

Every API error has one shape, {"code", "message", "fields"}, with Chinese messages. The routers
are wired together in the `api` app at the top; what they share lives here, below them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.pagination import PageNumberPagination

from dangjian.core.error_codes import ErrorCode


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def _validation_error_body(error: ValidationError) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    codes: list[str] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                if item.code:
                    codes.append(item.code)
                fields.setdefault(field, []).extend(str(m) for m in item.messages)
        code = codes[0] if codes else ErrorCode.INVALID
        first = next(iter(fields.values()))[0] if fields else _("提交的数据有误。")
        return error_body(code, first, fields)
    messages = [str(m) for m in error.messages]
    code = getattr(error, "code", None) or ErrorCode.INVALID
    return error_body(code, messages[0] if messages else _("提交的数据有误。"))


def _schema_error_body(error: SchemaValidationError) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query", "path", "payload")
        ]
        name = ".".join(location) or "__all__"
        fields.setdefault(name, []).append(
            _("此项缺失或格式不对：%(detail)s") % {"detail": item.get("msg", "")}
        )
    return error_body(ErrorCode.INVALID, _("请求的格式不对，请检查各字段。"), fields)


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, 400, _validation_error_body(exc))

    @api.exception_handler(SchemaValidationError)
    def on_schema(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        return respond(request, 400, _schema_error_body(exc))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(
            request, 404, error_body(ErrorCode.NOT_FOUND, _("找不到，或不在您的管理范围内。"))
        )

    @api.exception_handler(ObjectDoesNotExist)
    def on_does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(
            request, 404, error_body(ErrorCode.NOT_FOUND, _("找不到，或不在您的管理范围内。"))
        )

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 403, error_body(ErrorCode.FORBIDDEN, _("您没有办理此事的权限。")))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(
            request, 401, error_body(ErrorCode.UNAUTHENTICATED, _("请先登录或提供有效的访问令牌。"))
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, error_body(f"http_{exc.status_code}", str(exc)))


def api_aware_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for paths no view matched: in the error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            error_body(ErrorCode.NOT_FOUND, _("找不到，或不在您的管理范围内。")), status=404
        )
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


# --- pagination: `?page=&page_size=` → `{"items", "count"}` -----------------------------------
# Page numbers and sizes are bounded, so a request for page 10^20 is a 400 with a message,
# not an offset the database cannot hold.

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 500


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)


class PageOf:
    """A queryset whose page is turned into the API's output only when sliced.

    `@paginate(Pages)` slices what a view returns and counts it; a view that builds its output
    row by row returns `PageOf(queryset, build)`, where `build(rows)` turns one page of rows
    into output (one call per page, so a lookup for the page is made once).
    """

    def __init__(self, queryset: Any, build: Callable[[list[Any]], list[Any]]) -> None:
        self.queryset = queryset
        self.build = build

    def __getitem__(self, page: slice) -> list[Any]:
        return self.build(list(self.queryset[page]))

    def __len__(self) -> int:
        count = getattr(self.queryset, "count", None)
        return int(count()) if callable(count) else len(self.queryset)
