"""Turning the rules' cases into alerts, and what people do with them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.alerts.error_codes import ErrorCode
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.organizations.models import Organization

from . import rules  # noqa: F401 - registers the base rules
from .engine import RULES, Case, Rule, threshold
from .models import Alert, AlertEvent, AlertEventKind, AlertStatus


@dataclass
class RecomputeResult:
    opened: int = 0
    kept: int = 0
    resolved: int = 0
    reopened: int = 0


@transaction.atomic
def alerts_recompute(
    *, root: Organization | None = None, on: dt.date | None = None, only: list[str] | None = None
) -> RecomputeResult:
    """Run the rules over `root` (every top organization when None) and bring alerts up to date.

    Idempotent: new cases open alerts, cases still present refresh theirs, alerts whose cause is
    gone are resolved, snoozes that ran out open again. Each change is an AlertEvent.
    """
    on = on or today()
    roots = [root] if root is not None else list(Organization.objects.filter(parent__isnull=True))
    result = RecomputeResult()
    for top in roots:
        for code, rule in RULES.items():
            if only and code not in only:
                continue
            # The stored texts are in the default language whoever asks for the run; the rule
            # runs again under each other language for the readers of that language.
            with translation.override(settings.LANGUAGE_CODE):
                cases: dict[str, Case] = {case.subject: case for case in rule.find(top, on)}
            texts = _texts_in_other_languages(rule, top, on) if cases else {}
            active = {
                alert.subject: alert
                for alert in Alert.objects.within(top)
                .filter(rule=code)
                .exclude(status=AlertStatus.RESOLVED)
            }
            events: list[AlertEvent] = []
            for subject, alert in active.items():
                case = cases.get(subject)
                if case is None:
                    alert.status = AlertStatus.RESOLVED
                    alert.resolved_at = timezone.now()
                    alert.save(update_fields=["status", "resolved_at"])
                    events.append(
                        AlertEvent(alert=alert, kind=AlertEventKind.RESOLVED, note=_("原因已消除"))
                    )
                    result.resolved += 1
                    continue
                alert.message, alert.fix, alert.url = case.message[:300], case.fix[:300], case.url
                alert.texts = texts.get(subject, {})
                alert.organization_id, alert.member_id, alert.last_seen_on = (
                    case.organization_id,
                    case.member_id,
                    on,
                )
                fields = [
                    "message",
                    "fix",
                    "texts",
                    "url",
                    "organization",
                    "member",
                    "last_seen_on",
                ]
                if (
                    alert.status == AlertStatus.SNOOZED
                    and alert.snoozed_until
                    and alert.snoozed_until < on
                ):
                    alert.status = AlertStatus.OPEN
                    fields.append("status")
                    events.append(AlertEvent(alert=alert, kind=AlertEventKind.REOPENED))
                    result.reopened += 1
                alert.save(update_fields=fields)
                result.kept += 1
            new = [
                Alert(
                    rule=code,
                    subject=subject,
                    organization_id=case.organization_id,
                    member_id=case.member_id,
                    message=case.message[:300],
                    fix=case.fix[:300],
                    texts=texts.get(subject, {}),
                    url=case.url,
                    last_seen_on=on,
                )
                for subject, case in cases.items()
                if subject not in active
            ]
            created = Alert.objects.bulk_create(new, batch_size=1000)
            if created and created[0].pk is None:  # backends that do not return keys
                created = list(
                    Alert.objects.filter(rule=code, subject__in=[a.subject for a in new]).exclude(
                        status=AlertStatus.RESOLVED
                    )
                )
            events.extend(AlertEvent(alert=alert, kind=AlertEventKind.OPENED) for alert in created)
            result.opened += len(created)
            AlertEvent.objects.bulk_create(events, batch_size=1000)
        transaction.on_commit(partial(figures.invalidate_subtree, top.path))
    return result


def _texts_in_other_languages(
    rule: Rule, top: Organization, on: dt.date
) -> dict[str, dict[str, dict[str, str]]]:
    """{subject: {language: {"message", "fix"}}} for every language but the default."""
    texts: dict[str, dict[str, dict[str, str]]] = {}
    for language, _name in settings.LANGUAGES:
        if language == settings.LANGUAGE_CODE:
            continue
        with translation.override(language):
            for case in rule.find(top, on):
                texts.setdefault(case.subject, {})[language] = {
                    "message": str(case.message)[:300],
                    "fix": str(case.fix)[:300],
                }
    return texts


def _require_manage(actor: User, alert: Alert) -> None:
    if not scope_for(actor).can_manage_path(alert.organization.path):
        raise PermissionDenied


@transaction.atomic
def alert_snooze(*, actor: User, alert: Alert, until: dt.date, reason: str) -> Alert:
    """Put an alert aside until a date, with a reason everyone above can read."""
    alert = Alert.objects.select_for_update().select_related("organization").get(pk=alert.pk)
    _require_manage(actor, alert)
    if alert.status == AlertStatus.RESOLVED:
        raise field_error("until", _("这条预警已经消除，无需暂缓。"), code=ErrorCode.RESOLVED)
    if not reason.strip():
        raise field_error(
            "reason", _("请写明暂缓的原因，例如“已报乡镇党委研究”。"), code=CoreErrorCode.REQUIRED
        )
    longest = threshold("snooze_max_days")
    if not today() < until <= today() + dt.timedelta(days=longest):
        raise field_error(
            "until",
            _("暂缓日期须在今天之后、%(n)d 天以内。") % {"n": longest},
            code=CoreErrorCode.OUT_OF_RANGE,
        )
    alert.status = AlertStatus.SNOOZED
    alert.snoozed_until = until
    alert.snooze_reason = reason.strip()[:300]
    alert.save(update_fields=["status", "snoozed_until", "snooze_reason"])
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.SNOOZED,
        actor=actor,
        note=f"{until.isoformat()} {alert.snooze_reason}"[:300],
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=alert,
        summary=_("暂缓预警至 %(day)s") % {"day": until.isoformat()},
    )
    transaction.on_commit(lambda: figures.invalidate([alert.organization.path]))
    return alert


def alert_recheck(*, actor: User, alert: Alert) -> Alert:
    """Run the alert's rule again for its organization now (after fixing the cause)."""
    alert = Alert.objects.select_related("organization").get(pk=alert.pk)
    _require_manage(actor, alert)
    alerts_recompute(root=alert.organization, only=[alert.rule])
    alert.refresh_from_db()
    return alert
