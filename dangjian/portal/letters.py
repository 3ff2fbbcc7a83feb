"""Activation letters: the text to send and the printable A4 sheet (four letters a page)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core import pdf

from .activation import format_code
from .models import ActivationCode, InvitationBatch


@dataclass(frozen=True)
class Letter:
    name: str
    organization: str
    username: str
    code: str  # formatted, ABCD-EFGH-JK
    url: str  # the activation page with the code filled in (the QR code)
    expires_on: str
    qr: str  # an SVG data URI
    text: str  # to send by SMS or a chat app


def letter(record: ActivationCode, code: str, batch: InvitationBatch) -> Letter:
    url = f"{batch.base_url}{reverse('activate')}?{urlencode({'code': code})}"
    expires_on = f"{record.expires_at:%Y-%m-%d}"
    formatted = format_code(code)
    text = _(
        "%(name)s同志：请用手机打开 %(url)s ，输入您身份证号的后 4 位并设置密码，"
        "即可开通党员账号（登录名 %(user)s，激活码 %(code)s，%(date)s 前有效，只能用一次）。"
        "激活码请勿转给他人。"
    ) % {
        "name": record.member.name,
        "url": url,
        "user": record.username,
        "code": formatted,
        "date": expires_on,
    }
    return Letter(
        name=record.member.name,
        organization=batch.organization.name,
        username=record.username,
        code=formatted,
        url=url,
        expires_on=expires_on,
        qr=str(segno.make(url, error="m").svg_data_uri(scale=4, border=2)),
        text=text,
    )


def letters_pdf(batch: InvitationBatch, letters: list[Letter]) -> bytes:
    html = render_to_string("portal/letters_pdf.html", {"batch": batch, "letters": letters})
    return pdf.html_to_pdf(html)
