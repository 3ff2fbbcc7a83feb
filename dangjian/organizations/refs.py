"""How an API call names an organization: by its code (the documented style, returned as
`organization_code` by every response), or by the older integer id. A value that is some
organization's code is that organization; only a number that is no organization's code is read
as an integer id. Resolved to the database key here, then read through the scoped selectors.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.error_codes import ErrorCode
from dangjian.core.errors import field_error

from .models import Organization


def organization_pk_from_text(text: str) -> int:
    """An organization named in a URL or a query: its code, or an integer id; else not found."""
    pk = Organization.objects.filter(code=text).values_list("pk", flat=True).first()
    if pk is not None:
        return pk
    if text.isascii() and text.isdigit() and len(text) <= 10:
        return int(text)
    raise Http404


def organization_pk(code: str | None, pk: int | None, *, field: str = "organization_code") -> int:
    """An organization named in a body by exactly one of `organization_code` and
    `organization_id`."""
    if bool(code) == (pk is not None):
        raise field_error(
            field,
            _("请用 organization_code（党组织代码）指明一个党组织。"),
            code=ErrorCode.REQUIRED,
        )
    if pk is not None:
        return pk
    found = Organization.objects.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise Http404
    return found
