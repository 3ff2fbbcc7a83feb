"""Pages of the electronic activity certificate: the member's card, verification, the
organization's certificates, and the trust list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.core.forms import run_form, run_service
from dangjian.core.pagination import paginate
from dangjian.exchange import documents, trust, updates
from dangjian.exchange.models import TrustedKey, TrustUpdate
from dangjian.members import selectors as member_selectors

from . import receipts, selectors, services
from . import render as card_render
from .forms import (
    ReceiptImportForm,
    RevocationImportForm,
    RevokeForm,
    TrustImportForm,
    TrustUpdateForm,
    VerifyForm,
)


def _card_context(certificate: Any) -> dict[str, Any]:
    return {
        "certificate": certificate,
        "is_current": selectors.is_current(certificate),
        "qr": card_render.qr_svg_data_uri(certificate.payload) if certificate else "",
    }


def mine(request: HttpRequest) -> HttpResponse:
    """我的电子活动证: the QR and the card on the member's phone."""
    member = selectors.own_member(request.user)
    certificate = selectors.current_certificate(member) if member else None
    context = {"member": member, **_card_context(certificate)}
    return render(request, "certificates/mine.html", context)


@require_POST
def mine_issue(request: AuthenticatedHttpRequest) -> HttpResponse:
    member = selectors.own_member(request.user)
    if member is None:
        raise Http404
    run_service(
        request,
        lambda: services.certificate_issue(actor=request.user, member=member),
        _("电子活动证已签发。"),
        joined=False,
    )
    return redirect("certificates:mine")


def _own_current(request: HttpRequest) -> Any:
    member = selectors.own_member(request.user)
    certificate = selectors.current_certificate(member) if member else None
    if certificate is None:
        raise Http404
    return certificate


def _download(request: AuthenticatedHttpRequest, certificate: Any, kind: str) -> HttpResponse:
    body = services.certificate_card_export(actor=request.user, certificate=certificate, kind=kind)
    response = HttpResponse(body, content_type="image/png" if kind == "png" else "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="card-{certificate.serial}.{kind}"'
    return response


def mine_download(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in services.CARD_FORMATS:
        raise Http404
    return _download(request, _own_current(request), kind)


@login_not_required
@csrf_exempt  # a public check, no session state changes; phones at a host branch are not signed in
def verify(request: HttpRequest) -> HttpResponse:
    """Verify a pasted or scanned credential. Open to everyone, signed in or not."""
    result = None
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.certificate_verify(form.cleaned_data["payload"])
    context = {
        "form": form,
        "result": result,
        "offline_texts": offline_texts(),
        # The page answers at /cards/verify/ and at /v/ (the QR's address); each has its worker.
        "service_worker_url": request.path + "sw.js",
    }
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and request.method == "POST":
        return render(request, "certificates/verify.html#result", context)
    return render(request, "certificates/verify.html", context)


def organization(request: HttpRequest, pk: int) -> HttpResponse:
    """An organization's certificates (its subtree) and the bulk issue for mobile members."""
    org = selectors.organization_get(user=request.user, pk=pk)
    can_manage = scope_for(request.user).can_manage_path(org.path)
    pending = services.mobile_members_without_certificate(org, today()) if can_manage else []
    context = {
        "organization": org,
        "page": paginate(
            request, selectors.certificates_under(user=request.user, organization=org)
        ),
        "can_manage": can_manage,
        "pending": pending,
        "revoke_form": RevokeForm(),
        "today": today(),
    }
    return render(request, "certificates/organization.html", context)


def organization_issue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Issue to every mobile member (or, with who=all, every member) of the subtree who has no
    valid certificate: a confirmation page that names them, then one action."""
    org = selectors.organization_get(user=request.user, pk=pk)
    if not scope_for(request.user).can_manage_path(org.path):
        raise PermissionDenied
    everyone = (request.POST or request.GET).get("who") == "all"
    if request.method == "POST":
        count = services.certificate_issue_bulk(
            actor=request.user, organization=org, everyone=everyone
        )
        messages.success(
            request,
            (
                _("已为 %(n)d 名党员签发电子活动证。")
                if everyone
                else _("已为 %(n)d 名流动党员签发电子活动证。")
            )
            % {"n": count},
        )
        return redirect("certificates:organization", pk=org.pk)
    pending = services.mobile_members_without_certificate(org, today(), everyone=everyone)
    return render(
        request,
        "certificates/issue_confirm.html",
        {"organization": org, "pending": pending, "everyone": everyone},
    )


def organization_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The organization's valid cards on A4 sheets with cut marks (a PDF)."""
    org = selectors.organization_get(user=request.user, pk=pk)
    done = run_service(
        request,
        lambda: services.certificate_cards_print(actor=request.user, organization=org),
        joined=False,
    )
    if not done:
        return redirect("certificates:organization", pk=org.pk)
    response = HttpResponse(done.result, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="cards-{org.code or org.pk}.pdf"'
    return response


def member_card_download(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """A member's card for their secretary to print or send them (an image for WeChat)."""
    if kind not in services.CARD_FORMATS:
        raise Http404
    member = member_selectors.member_get(user=request.user, pk=pk)
    certificate = selectors.current_certificate(member)
    if certificate is None or not selectors.is_current(certificate):
        raise Http404
    return _download(request, certificate, kind)


@require_POST
def member_issue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = member_selectors.member_get(user=request.user, pk=pk)
    run_service(
        request,
        lambda: services.certificate_issue(actor=request.user, member=member),
        _("电子活动证已签发。"),
        joined=False,
    )
    return redirect(member.get_absolute_url())


@require_POST
def certificate_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_get(user=request.user, pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        raise Http404
    run_service(
        request,
        lambda: services.certificate_revoke(
            actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
        ),
        _("电子活动证 %(serial)s 已撤销。") % {"serial": certificate.serial},
        joined=False,
    )
    return redirect("certificates:organization", pk=certificate.organization_id)


def trust_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The trust list: other deployments' keys, imported by a top-level administrator."""
    if not trust.can_manage_trust(request.user):
        raise PermissionDenied
    key_form = TrustImportForm(prefix="keys")
    revocation_form = RevocationImportForm(prefix="revocations")
    update_form = TrustUpdateForm(prefix="update")
    if request.method == "POST" and "keys-label" in request.POST:
        key_form = TrustImportForm(request.POST, request.FILES, prefix="keys")
        if keys := run_form(
            request,
            key_form,
            lambda data: trust.trusted_keys_import(
                actor=request.user,
                document=data["document"],
                label=data["label"],
                authority=data["authority"],
            ),
        ):
            messages.success(request, _("已导入 %(n)d 个公钥。") % {"n": len(keys.result)})
            return redirect("certificates:trust")
    elif request.method == "POST" and "update-submit" in request.POST:
        update_form = TrustUpdateForm(request.POST, request.FILES, prefix="update")
        if applied := run_form(
            request,
            update_form,
            lambda data: updates.trust_update_import(
                actor=request.user, document=data["file"].read(1_000_000)
            ),
        ):
            update = applied.result
            messages.success(
                request,
                _(
                    "已导入 %(issuer)s 的信任列表更新（密钥 %(kid)s 签名）："
                    "新增或更新 %(k)d 个公钥，吊销 %(r)d 个。"
                )
                % {
                    "issuer": update.issuer,
                    "kid": update.kid,
                    "k": len(update.added),
                    "r": len(update.revoked),
                },
            )
            return redirect("certificates:trust")
    elif request.method == "POST":
        revocation_form = RevocationImportForm(request.POST, request.FILES, prefix="revocations")
        if revocations := run_form(
            request,
            revocation_form,
            lambda data: services.revocation_list_import(
                actor=request.user, data=data["file"].read(5_000_000)
            ),
        ):
            imported = revocations.result
            messages.success(
                request,
                _("已导入 %(issuer)s 的撤销列表（%(n)d 条，密钥 %(kid)s 签名）。")
                % {"issuer": imported.issuer, "n": len(imported.serials), "kid": imported.kid},
            )
            return redirect("certificates:trust")
    context = {
        "keys": trust.trusted_keys(),
        "own": signing.public_keys_document(),
        "key_form": key_form,
        "revocation_form": revocation_form,
        "update_form": update_form,
        "updates": TrustUpdate.objects.order_by("-issued_at")[:10],
        "revocation_lists": selectors.foreign_revocation_lists(),
    }
    return render(request, "certificates/trust.html", context)


@require_POST
def trust_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not trust.can_manage_trust(request.user):
        raise PermissionDenied
    key = get_object_or_404(TrustedKey, pk=pk, removed_at__isnull=True)
    trust.trusted_key_remove(actor=request.user, key=key)
    messages.success(
        request, _("已移除 %(issuer)s 的公钥 %(kid)s。") % {"issuer": key.issuer, "kid": key.kid}
    )
    return redirect("certificates:trust")


def offline_texts() -> dict[str, Any]:
    """The strings offline.js shows, translated on the server."""
    from .choices import Outcome

    labels = {outcome.value: str(outcome.label) for outcome in Outcome}
    messages_ = {outcome.value: str(services.OUTCOME_MESSAGES[outcome]) for outcome in Outcome}
    labels["unavailable"] = _("无法离线核验")
    messages_["unavailable"] = _(
        "本机还没有核验数据，或浏览器不支持离线核验：请联网后打开本页一次，或联网核验。"
    )
    return {
        "labels": labels,
        "messages": messages_,
        "name": _("姓名"),
        "category": _("人员类别"),
        "full": _("正式党员"),
        "probationary": _("预备党员"),
        "organization": _("组织代码"),
        "issuer": _("签发方"),
        "until": _("有效期至"),
        "offline_note": _("离线核验（核验数据更新于 %s）；联网后以服务器核验为准。"),
        "local_note": _("已在本机核验（核验数据更新于 %s）：二维码内容没有发送到服务器。"),
        "ready": _("已可离线核验：核验数据更新于 %s。"),
        "not_ready": _("联网打开本页一次后即可离线核验。"),
        "no_crypto": _("此浏览器不支持离线核验（需要 HTTPS 和较新的浏览器），请联网核验。"),
    }


@login_not_required
def verifier_data(request: HttpRequest) -> HttpResponse:
    """Public keys and revoked serials for offline verification in the browser."""
    response = HttpResponse(
        json.dumps(services.verifier_data(), ensure_ascii=False), content_type="application/json"
    )
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
def service_worker(request: HttpRequest) -> HttpResponse:
    """The verification page's service worker, served under /cards/verify/ and /v/ so that its
    scope covers the page (a script's scope cannot reach above its own path)."""
    body = (Path(__file__).parent / "static" / "certificates" / "sw.js").read_text()
    response = HttpResponse(body, content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
def public_keys(request: HttpRequest) -> HttpResponse:
    """This deployment's public keys document, for other deployments' trust lists."""
    body = json.dumps(signing.public_keys_document(), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="keys-{signing.issuer()}.json"'
    return response


@login_not_required
def revocation_list(request: HttpRequest) -> HttpResponse:
    """The signed revocation list (COSE_Sign1, docs/certificate-format.md)."""
    response = HttpResponse(services.revocation_list_signed(), content_type="application/cose")
    response["Content-Disposition"] = f'attachment; filename="revocations-{signing.issuer()}.cbor"'
    return response


def activity_checkin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open organizational life: the host branch scans a guest's certificate on its activity.

    A valid certificate of this deployment records the guest's attendance (via 电子活动证, with
    the serial); it then shows in the member's record at their home branch. A valid certificate
    of a trusted deployment records a visiting guest, whom a signed attendance receipt takes
    home (dangjian.certificates.receipts).
    """
    from dangjian.activities import selectors as activity_selectors
    from dangjian.activities import services as activity_services

    activity = activity_selectors.activity_get(user=request.user, pk=pk)
    if not scope_for(request.user).can_manage_path(activity.organization.path):
        raise PermissionDenied
    form = VerifyForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.certificate_verify(form.cleaned_data["payload"])
        if result.is_valid and result.member is not None and result.claims is not None:
            member, serial = result.member, result.claims.serial_hex
            if run_service(
                request,
                lambda: activity_services.attendance_add_guest(
                    actor=request.user,
                    activity=activity,
                    member=member,
                    via="certificate",
                    certificate_serial=serial,
                ),
                _("已登记 %(name)s（%(org)s）列席本次活动。")
                % {"name": result.name, "org": result.organization_name},
                joined=False,
            ):
                return redirect(activity)
        elif result.is_valid:
            # A guest of another deployment: kept here (no member row) until the attendance
            # receipt takes it home (docs/attendance-receipt.md).
            checked = result
            if run_service(
                request,
                lambda: receipts.visiting_guest_checkin(
                    actor=request.user, activity=activity, result=checked
                ),
                _(
                    "已登记 %(name)s（%(issuer)s，党组织代码 %(org)s）列席本次活动；"
                    "出席回执导出后将记入其所在党组织。"
                )
                % {
                    "name": result.name,
                    "issuer": result.claims.issuer if result.claims else "",
                    "org": result.organization_code,
                },
                joined=False,
            ):
                return redirect(activity)
        else:
            messages.error(request, result.message)
    return render(
        request,
        "certificates/activity_checkin.html",
        {"activity": activity, "form": form, "result": result},
    )


def receipts_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """出席回执: as host, export the receipts of guests from other deployments; as home (a
    top-level administrator), import receipts and see what each entry became."""
    if not receipts.can_export(request.user):
        raise PermissionDenied
    can_import = trust.can_manage_trust(request.user)
    form = ReceiptImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if done := run_form(
            request,
            form,
            lambda data: receipts.attendance_receipt_import(
                actor=request.user, document=data["file"].read(5_000_000)
            ),
        ):
            imported = done.result
            messages.success(
                request,
                _("已导入 %(issuer)s 的出席回执（密钥 %(kid)s 签名）：%(n)d 条，记入 %(c)d 条。")
                % {
                    "issuer": imported.counterpart,
                    "kid": imported.kid,
                    "n": imported.entries,
                    "c": imported.credited,
                },
            )
            return redirect("certificates:receipts")
    context = {
        "pending": receipts.pending_by_home(request.user),
        "history": paginate(request, receipts.receipts(request.user)),
        "can_import": can_import,
        "form": form,
    }
    return render(request, "certificates/receipts.html", context)


@require_POST
def receipt_export(request: AuthenticatedHttpRequest, issuer: str) -> HttpResponse:
    if not receipts.can_export(request.user):
        raise PermissionDenied
    done = run_service(
        request,
        lambda: receipts.attendance_receipt_export(actor=request.user, home_issuer=issuer),
    )
    if done is None:
        return redirect("certificates:receipts")
    return _receipt_file(done.result)


def receipt_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An exported receipt again (the file was lost before it reached the home deployment)."""
    receipt = get_object_or_404(receipts.receipts(request.user), pk=pk)
    return _receipt_file(receipt.document)


def _receipt_file(document: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(documents.dumps(document), content_type="application/json")
    name = f"attendance-{document['issuer']}-to-{document['payload'].get('to', '')}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{document["kid"]}.json"'
    return response
