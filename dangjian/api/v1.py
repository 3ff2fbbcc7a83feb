"""/api/v1/: one versioned JSON API; each domain app contributes its router.

Conventions every router follows (docs/api.md):
- sign-in by the browser session (CSRF-checked) or, for integrations, a bearer token that
  acts as its user (dangjian.api.tokens);
- every read goes through the same scope as the pages, and out of scope is a 404;
- errors in one shape, {"code", "message", "fields"} (dangjian.core.api);
- calls that create things honour an `Idempotency-Key` header (dangjian.api.idempotency).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from dangjian.activities.api import router as activities_router
from dangjian.alerts.api import router as alerts_router
from dangjian.care.api import router as care_router
from dangjian.certificates.api import router as certificates_router
from dangjian.core.api import ErrorOut, install_error_handlers
from dangjian.dues.api import router as dues_router
from dangjian.funds.api import router as funds_router
from dangjian.members.api import router as members_router
from dangjian.ops.api import router as ops_router
from dangjian.organizations.api import router as organizations_router
from dangjian.places.api import router as places_router
from dangjian.recruitment.api import router as recruitment_router
from dangjian.rectification.api import router as rectification_router
from dangjian.reports.api import router as reports_router
from dangjian.rollup.api import router as rollup_router
from dangjian.roster.api import router as roster_router
from dangjian.transfers.api import router as transfers_router
from dangjian.units.api import router as units_router

from .tokens import TokenAuth

ERROR_RESPONSES = {
    "400": "请求的数据有误（字段错误见 fields）",
    "401": "未登录或令牌无效",
    "403": "无权办理",
    "404": "找不到，或不在调用者的管理范围内",
}
IDEMPOTENCY_RESPONSES = {
    "409": "相同 Idempotency-Key 的请求正在处理",
    "422": "Idempotency-Key 已用于另一个请求",
}


class DangjianAPI(NinjaAPI):
    """NinjaAPI whose document states what the shared handlers guarantee for every call.

    Any operation may answer the error shape with 400, 401 (when it needs sign-in), 403 and
    404, and creating calls 409/422 for a reused Idempotency-Key; the document says so, so
    clients and the schemathesis run see the real contract. Each status appears once per
    operation (`dangjian/api/tests/test_docs.py`).
    """

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ErrorOut.model_json_schema())
        reference = {"$ref": "#/components/schemas/ErrorOut"}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                codes = dict(ERROR_RESPONSES)
                if not operation.get("security"):
                    codes.pop("401")
                if method in ("post", "put", "patch"):
                    codes.update(IDEMPOTENCY_RESPONSES)
                # ninja keys an operation's own responses by int, JSON by str: written as
                # one mapping keyed by str, or "404" appears twice in the document and
                # Swagger UI refuses it ("duplicated mapping key").
                responses = {
                    str(code): body for code, body in operation.get("responses", {}).items()
                }
                for code, description in codes.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": reference}},
                        },
                    )
                operation["responses"] = dict(sorted(responses.items()))
        return schema


api = DangjianAPI(
    title="党建 · 党员全员信息库 API",
    version="1",
    description="党员全员信息库的 JSON 接口。错误统一为 {code, message, fields}。",
    urls_namespace="api-v1",
    auth=[TokenAuth(), django_auth],
)
install_error_handlers(api)


class RoleOut(Schema):
    role: str
    role_label: str
    organization_code: str
    organization_name: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[RoleOut]


@api.get("/me", response={200: MeOut, 401: ErrorOut}, tags=["账号"])
def me(request: HttpRequest) -> MeOut:
    """The signed-in user and the roles that decide what they may see."""
    user = request.user
    assert user.is_authenticated
    roles = [
        RoleOut(
            role=a.role,
            role_label=str(a.get_role_display()),
            organization_code=a.organization.code,
            organization_name=a.organization.name,
        )
        for a in user.roles.select_related("organization").order_by("pk")
    ]
    return MeOut(username=user.get_username(), display_name=str(user), roles=roles)


api.add_router("/organizations/", organizations_router)
api.add_router("/members/", members_router)
api.add_router("/roster/", roster_router)
api.add_router("/transfers/", transfers_router)
api.add_router("/cards/", certificates_router)
api.add_router("/activities/", activities_router)
api.add_router("/dues/", dues_router)
api.add_router("/recruitment/", recruitment_router)
api.add_router("/statistics/", reports_router)
api.add_router("/ops/", ops_router)
api.add_router("/alerts/", alerts_router)
api.add_router("/care/", care_router)
api.add_router("/funds/", funds_router)
api.add_router("/units/", units_router)
api.add_router("/rectification/", rectification_router)
api.add_router("/places/", places_router)
api.add_router("/rollup/", rollup_router)
