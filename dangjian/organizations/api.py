"""Organizations in /api/v1/: scoped like the pages; out of scope is a 404."""

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from dangjian.core.api import ErrorOut, In, Pages

from .choices import OrgKind
from .models import Organization

router = Router(tags=["党组织"])

ORDERINGS = {
    "path": ("path",),
    "name": ("name", "path"),
    "code": ("code",),
    "-founded_on": ("-founded_on", "path"),
}


class OrganizationOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    unit_kind: str
    parent_code: str | None
    depth: int
    founded_on: dt.date | None
    term_ends_on: dt.date | None
    dissolved_on: dt.date | None

    @staticmethod
    def resolve_kind_label(obj: Organization) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_parent_code(obj: Organization) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None


class OrganizationFilters(In):
    q: str = ""
    parent: str = ""  # a parent's code: its direct children
    kind: OrgKind | None = None
    ordering: str = "path"


def _scoped(request: HttpRequest) -> QuerySet[Organization]:
    return Organization.objects.restrict(request.user).select_related("parent")


@router.get("/", response={200: list[OrganizationOut], 400: ErrorOut}, summary="党组织列表")
@paginate(Pages, page_size=50)
def organization_list(
    request: HttpRequest, filters: Query[OrganizationFilters]
) -> QuerySet[Organization]:
    """Organizations in the caller's scope; `parent` narrows to one organization's children."""
    queryset = _scoped(request)
    if filters.q.strip():
        queryset = queryset.filter(name__contains=filters.q.strip()) | queryset.filter(
            code=filters.q.strip()
        )
    if filters.parent:
        queryset = queryset.filter(parent__code=filters.parent)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset.order_by(*ORDERINGS.get(filters.ordering, ORDERINGS["path"]))


@router.get("/{code}", response={200: OrganizationOut, 404: ErrorOut}, summary="党组织")
def organization_detail(request: HttpRequest, code: str) -> Organization:
    organization = _scoped(request).filter(code=code).first()
    if organization is None:
        raise Http404
    return organization
