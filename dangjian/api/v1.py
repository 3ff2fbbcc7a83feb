"""/api/v1/: one versioned JSON API; each domain app contributes its router.

Conventions every router follows (docs/api.md):
- sign-in by the browser session (CSRF-checked) or, for integrations, a token (issue 11);
- every read goes through the same scope as the pages, and out of scope is a 404;
- errors in one shape, {"code", "message", "fields"} (dangjian.api.errors);
- calls that create things honour an `Idempotency-Key` header (dangjian.api.idempotency).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from dangjian.activities.api import router as activities_router
from dangjian.certificates.api import router as certificates_router
from dangjian.dues.api import router as dues_router
from dangjian.ops.api import router as ops_router
from dangjian.recruitment.api import router as recruitment_router
from dangjian.reports.api import router as reports_router
from dangjian.roster.api import router as roster_router
from dangjian.transfers.api import router as transfers_router

from .errors import ErrorOut, install_error_handlers

api = NinjaAPI(
    title="党建 · 党员全员信息库 API",
    version="1",
    description="党员全员信息库的 JSON 接口。错误统一为 {code, message, fields}。",
    urls_namespace="api-v1",
    auth=[django_auth],
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


api.add_router("/roster/", roster_router)
api.add_router("/transfers/", transfers_router)
api.add_router("/cards/", certificates_router)
api.add_router("/activities/", activities_router)
api.add_router("/dues/", dues_router)
api.add_router("/recruitment/", recruitment_router)
api.add_router("/statistics/", reports_router)
api.add_router("/ops/", ops_router)
