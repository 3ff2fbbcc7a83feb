"""How an API call names a member: by `public_id` (a UUID, the documented style), or by the
older integer id, which existing integrations still send. Resolved to the database key here and
then read through the scoped selectors, so naming a member never widens what a caller sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.error_codes import ErrorCode
from dangjian.core.errors import field_error

from .models import Member


def member_pk_from_path(text: str) -> int:
    """A member named in a URL: a public id, or an integer id; anything else is not found."""
    try:
        public_id = uuid.UUID(text)
    except ValueError:
        if text.isascii() and text.isdigit() and len(text) <= 10:
            return int(text)
        raise Http404 from None
    pk = Member.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404
    return pk


def member_pk(
    public_id: uuid.UUID | None, pk: int | None, *, field: str = "member_public_id"
) -> int:
    """A member named in a body by exactly one of `member_public_id` and `member_id`."""
    if (public_id is None) == (pk is None):
        raise field_error(
            field,
            _("请用 member_public_id（党员的 public_id）指明一名党员。"),
            code=ErrorCode.REQUIRED,
        )
    if pk is not None:
        return pk
    assert public_id is not None
    found = Member.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
    if found is None:
        raise Http404
    return found


def member_pks(public_ids: Iterable[uuid.UUID], *, field: str) -> list[int]:
    """Several members by public id, in the order given; an unknown one is a 400 naming it."""
    wanted = list(public_ids)
    keys = dict(Member.objects.filter(public_id__in=wanted).values_list("public_id", "pk"))
    unknown = [str(p) for p in wanted if p not in keys]
    if unknown:
        raise field_error(
            field,
            _("找不到这些党员（public_id）：%(ids)s。") % {"ids": "、".join(unknown)},
            code=ErrorCode.NOT_FOUND,
        )
    return [keys[p] for p in wanted]
