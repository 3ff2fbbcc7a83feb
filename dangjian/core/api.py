"""The API plumbing every domain's `api.py` shares: one error shape and one pagination.

Every API error has one shape, {"code", "message", "fields"}, with Chinese messages. The routers
are wired together in the `api` app at the top; what they share lives here, below them all.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.pagination import PageNumberPagination
from pydantic import ModelWrapValidatorHandler, field_validator, model_validator

from dangjian.core.bounds import EARLIEST_DATE, LATEST_DATE, MAX_INTEGER, date_in_bounds
from dangjian.core.error_codes import ErrorCode

logger = logging.getLogger("dangjian.api")


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


# --- inputs: every value bounded where it is parsed ------------------------------------------
# One set of bounds for every API input, so no value reaches a service or the database that it
# cannot hold: dates a person's record can carry, amounts of money a branch handles, counts and
# identifiers inside the database's integer, text no longer than any field.

MAX_MONEY = decimal.Decimal("100000000")  # 1亿元: more than any payment or fund row
MAX_TEXT = 20_000


def _bounded(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, dt.date) and not date_in_bounds(value):
        raise ValueError(
            _("日期应在 %(from)s 至 %(to)s 之间。")
            % {"from": EARLIEST_DATE.isoformat(), "to": LATEST_DATE.isoformat()}
        )
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(_("请填写一个数字。"))
        if abs(value) >= MAX_MONEY:
            raise ValueError(_("数值过大（应小于 %(max)s）。") % {"max": MAX_MONEY})
    if isinstance(value, float) and (value != value or abs(value) >= float(MAX_MONEY)):
        raise ValueError(_("数值过大或不是数字。"))
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        raise ValueError(_("数值过大（应不超过 %(max)d）。") % {"max": MAX_INTEGER})
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise ValueError(_("内容过长（最多 %(max)d 个字）。") % {"max": MAX_TEXT})
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL cannot hold it in text
        raise ValueError(_("内容含有不可见的控制字符（NUL），请删除后重试。"))
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _bounded(item)
    return value


class In(Schema):
    """The base of every API input (bodies and query filters): values within `_bounded`, and
    an object where an object is expected (ninja's Schema reads attributes of anything, so a
    body of `[null, null]` would otherwise pass as an input whose fields all have defaults)."""

    @model_validator(mode="wrap")
    @classmethod
    def _an_object(cls, value: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(value, dict | Schema) and type(value).__name__ != "DjangoGetter":
            raise ValueError(_("此处应为一个 JSON 对象 {…}。"))
        return handler(value)

    @field_validator("*", mode="after")
    @classmethod
    def _within_bounds(cls, value: Any) -> Any:
        return _bounded(value)


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
        context = item.get("ctx") or {}
        if item.get("type") == "value_error" and "error" in context:
            # Our own validators' messages are written for a person: shown as they are.
            fields.setdefault(name, []).append(str(context["error"]))
            continue
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

    @api.exception_handler(DataError)
    def on_data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A value the database cannot hold (an identifier beyond its integer, say): the
        # request's transaction is rolled back by AtomicApiWritesMiddleware.
        transaction.set_rollback(True)
        return respond(
            request, 400, error_body(ErrorCode.OUT_OF_RANGE, _("提交的数值超出了允许的范围。"))
        )

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with its traceback (no request body: it may hold personal data); the answer is
        # the error shape, in production too, and whatever the call wrote is rolled back.
        logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
        return respond(request, 500, server_error_body())


def server_error_body() -> dict[str, Any]:
    return error_body(
        ErrorCode.SERVER_ERROR, _("服务器出错，本次操作没有保存任何内容。请稍后重试。")
    )


class AtomicApiWritesMiddleware:
    """Every API write (POST, PUT, PATCH, DELETE) runs in one transaction, rolled back when
    the answer is a server error: no 500 that wrote. Sits last, inside the idempotency
    middleware, which forgets a key whose call failed so that a retry acts once."""

    METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in self.METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response


class ApiErrorShapeMiddleware:
    """Under /api/, an error that did not come from the API's handlers (405 from ninja's
    method check, 403 from Django's CSRF check, a 404 or 400 from middleware) is rewritten into
    the error shape, so a client reads every status the same way. Sits first: it sees what
    every other middleware answers."""

    MESSAGES = {
        400: gettext_lazy("请求的格式不对，请检查各字段。"),
        401: gettext_lazy("请先登录或提供有效的访问令牌。"),
        403: gettext_lazy("您没有办理此事的权限。"),
        404: gettext_lazy("找不到，或不在您的管理范围内。"),
        405: gettext_lazy("此地址不支持这种请求方法。"),
    }
    CODES = {
        400: ErrorCode.INVALID,
        401: ErrorCode.UNAUTHENTICATED,
        403: ErrorCode.FORBIDDEN,
        404: ErrorCode.NOT_FOUND,
        500: ErrorCode.SERVER_ERROR,
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        if status >= 500:
            body = server_error_body()
        else:
            code = self.CODES.get(status, f"http_{status}")
            message = str(self.MESSAGES.get(status, gettext_lazy("请求未能办理。")))
            body = error_body(code, message)
        shaped = JsonResponse(body, status=status)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                shaped[header] = response[header]
        return shaped


def api_aware_server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 for what escaped every handler: the error shape under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(server_error_body(), status=500)
    from django.views.defaults import server_error

    return server_error(request)


def api_aware_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for paths no view matched: in the error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
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
