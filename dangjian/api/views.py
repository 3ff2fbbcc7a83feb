"""The token page: a user creates their own integration tokens (shown once), lists and revokes
them; an administrator also sees and may revoke the tokens of the users in their scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.models import User
from dangjian.core.forms import run_form, style_form

from . import tokens
from .models import ApiToken


def _revocable(actor: User) -> QuerySet[Any]:
    """The tokens the actor may see and revoke: their own, and those of users in their scope."""
    users = get_user_model().objects.filter(roles__isnull=False).distinct()
    allowed = {actor.pk} | {
        u.pk
        for u in users.prefetch_related("roles__organization")
        if tokens.can_revoke_tokens_of(actor, u)
    }
    return ApiToken.objects.filter(user__in=allowed)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("用途"),
        max_length=100,
        help_text=_(
            "令牌代表您本人的账号，角色和管理范围与您完全相同。对接系统请单独建账号，"
            "用该账号登录后在这里创建令牌。"
        ),
    )
    days = forms.IntegerField(
        label=_("有效天数"), min_value=1, max_value=tokens.MAX_DAYS, initial=90
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not tokens.can_create_tokens(request.user):
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    created = None
    if done := run_form(
        request,
        form,
        lambda data: tokens.api_token_create(
            actor=request.user, name=data["name"], days=data["days"]
        ),
    ):
        _record, created = done.result
        form = TokenForm()
    listed = _revocable(request.user).select_related("user", "created_by").order_by("-created_at")
    return render(request, "api/tokens.html", {"form": form, "tokens": listed, "created": created})


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(_revocable(request.user), pk=pk)
    tokens.api_token_revoke(actor=request.user, token=token)
    return redirect("api-tokens:list")
