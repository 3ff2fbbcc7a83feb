"""`Idempotency-Key` for API calls that create things (payments, check-ins, transfers).

A client that retries a POST, PUT or PATCH under the same key gets the first answer again and
the call does not act twice. The same key with a different body or path is refused (422); a
retry while the first call is still running gets 409. Answers of 500 and above are not kept,
so a failed call can be retried. Records older than `KEEP` can be deleted by a nightly job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from dangjian.api.error_codes import ErrorCode
from dangjian.core.api import error_body

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(days=7)
METHODS = frozenset({"POST", "PUT", "PATCH"})


def principal_of(request: HttpRequest) -> str:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER, "").strip()
        if not key or request.method not in METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 200:
            return JsonResponse(
                error_body(
                    ErrorCode.IDEMPOTENCY_KEY_INVALID, _("Idempotency-Key 不能超过 200 个字符。")
                ),
                status=400,
            )
        principal = principal_of(request)
        fingerprint = hashlib.sha256(request.body).hexdigest()
        existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if existing is not None:
            return self._replay(existing, request, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    method=request.method or "",
                    path=request.path,
                    body_sha256=fingerprint,
                )
        except IntegrityError:
            return JsonResponse(
                error_body(
                    ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                    _("相同 Idempotency-Key 的请求正在处理，请稍后重试。"),
                ),
                status=409,
            )
        response = self.get_response(request)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            record.delete()
            return response
        record.status = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.save(update_fields=["status", "content_type", "body"])
        return response

    @staticmethod
    def _replay(record: IdempotencyRecord, request: HttpRequest, fingerprint: str) -> HttpResponse:
        if (
            record.method != request.method
            or record.path != request.path
            or record.body_sha256 != fingerprint
        ):
            return JsonResponse(
                error_body(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    _("这个 Idempotency-Key 已用于另一个请求；新的请求请使用新的键。"),
                ),
                status=422,
            )
        if record.status == 0:
            return JsonResponse(
                error_body(
                    ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                    _("相同 Idempotency-Key 的请求正在处理，请稍后重试。"),
                ),
                status=409,
            )
        response = HttpResponse(
            bytes(record.body), status=record.status, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
