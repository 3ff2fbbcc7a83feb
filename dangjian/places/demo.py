"""The demo county's host places and the federation around them, so that the places, receipts
and portal pages are not empty in `make run` (docs/demo.md):

- this county's places: the county's 党员服务中心 (红岩家园) with a 周五活动日 on the last Friday of
  every month, and two branches that welcome guests;
- a neighbouring deployment, 深圳市 (CN-440300), where many of the county's mobile members work:
  its key on the trust list, its signed directory of three places imported (so a mobile member in
  深圳 sees them on /me/), and its signed attendance receipt crediting the county's members who
  attended its 周五活动日 today;
- guests of 深圳 recorded at the service centre's last two theme days: the older day's receipt
  exported, the last day's pending.

Everything goes through the services that verify and sign (one call each, bulk inside), so the
demo shows what a real exchange leaves behind; the whole step costs a few dozen queries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from nacl.signing import SigningKey

from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity, VisitingGuest
from dangjian.certificates import receipts
from dangjian.certificates.models import Certificate
from dangjian.core import signing
from dangjian.core.extensions import DemoContext
from dangjian.exchange import documents, trust
from dangjian.transfers.models import Outflow

from . import services
from .choices import PlaceKind, Weekday, WeekOfMonth
from .models import HostPlace

NEIGHBOUR = "CN-440300"
NEIGHBOUR_REGION = "440300"
# A fixed key for the demo's neighbour: its signatures verify like a real deployment's.
NEIGHBOUR_KEY = SigningKey(hashlib.sha256(b"dangjian-demo-CN-440300").digest())
COUNTY_REGION = "360730"  # the demo county's region (dangjian.site.demo)
CREDITED_AT_MOST = 12
HOST_CODE = "4403050001"  # the neighbour's organization code (its own coding)
GUESTS = ["陈志强", "林晓燕", "黄建国", "吴丽华", "郑海波", "刘春梅", "何永明", "罗秀兰"]


def _neighbour_sign(document_format: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": document_format,
        "issuer": NEIGHBOUR,
        "kid": signing.key_id(bytes(NEIGHBOUR_KEY.verify_key)).hex(),
        "signature": signing.b64url(NEIGHBOUR_KEY.sign(documents.canonical(payload)).signature),
        "payload": payload,
    }


def _own_places(context: DemoContext) -> HostPlace:
    centre_branch, *others = context.branches[:3]
    region = COUNTY_REGION
    places = [
        HostPlace(
            organization=centre_branch,
            name="红岩家园党员服务中心",
            kind=PlaceKind.SERVICE_CENTRE,
            address="县城红岩路 1 号",
            region_code=region,
            week_of_month=WeekOfMonth.LAST,
            weekday=Weekday.FRIDAY,
            start_time=dt.time(9, 0),
            contact="0797-5212345（县委组织部）",
        ),
        *[
            HostPlace(
                organization=branch,
                name=f"{branch.name}党员活动室",
                kind=PlaceKind.BRANCH,
                address=f"{branch.name}村部",
                region_code=region,
                week_of_month=WeekOfMonth.FIRST,
                weekday=Weekday.SATURDAY,
                start_time=dt.time(15, 0),
                contact="0797-5212345",
            )
            for branch in others
        ],
    ]
    return HostPlace.objects.bulk_create(places)[0]


def _neighbour(context: DemoContext) -> None:
    key = bytes(NEIGHBOUR_KEY.verify_key)
    trust.trusted_keys_import(
        actor=context.builder,
        document=json.dumps(
            {
                "format": "dangjian-public-keys/1",
                "issuer": NEIGHBOUR,
                "keys": [{"kid": signing.key_id(key).hex(), "public_key": signing.b64url(key)}],
            }
        ),
        label="深圳市（示范）",
    )
    day = context.reference_day
    places = [
        ("深圳市南山区党员服务中心", "centre", "440305", "南山区南海大道 2 号", 5, 5),
        ("宝安区流动党员之家", "centre", "440306", "宝安区新安街道 8 号", 2, 6),
        ("龙华区观澜社区党支部", "branch", "440309", "龙华区观澜街道", 1, 5),
    ]
    rng = context.rng("places")
    directory = {
        "issued_at": dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC).isoformat(),
        "places": [
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": name,
                "kind": kind,
                "organization": {"name": name.replace("党员服务中心", "党委"), "code": HOST_CODE},
                "address": address,
                "region": region,
                "activity_day": {"week": week, "weekday": weekday},
                "start_time": "09:30",
                "contact": "0755-8888 0000",
            }
            for name, kind, region, address, week, weekday in places
        ],
    }
    services.directory_import(
        actor=context.builder,
        document=_neighbour_sign(services.DIRECTORY_FORMAT, directory),
    )
    # The county's members working in 深圳 who attended its 周五活动日 today, with their cards.
    members = Outflow.objects.filter(
        region_code=NEIGHBOUR_REGION, returned_on__isnull=True
    ).values_list("member_id", flat=True)
    cards = list(
        Certificate.objects.filter(member_id__in=members, revoked_at__isnull=True)
        .select_related("member", "organization")
        .order_by("serial")[:CREDITED_AT_MOST]
    )
    if not cards:
        return
    entries = [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "serial": card.serial,
            "member": str(card.member.public_id),
            "name": card.member.name,
            "home_organization_code": card.organization.code,
            "on": day.isoformat(),
            "kind": ActivityKind.THEME_DAY,
            "topic": "周五活动日",
            "place": places[0][0],
            "host_organization": {"name": "南山区党员服务中心党委", "code": HOST_CODE},
        }
        for card in cards
    ]
    payload = receipts.receipt_payload(
        entries, to=signing.issuer(), exported_at=dt.datetime.combine(day, dt.time(12), dt.UTC)
    )
    receipts.attendance_receipt_import(
        actor=context.builder, document=_neighbour_sign(receipts.RECEIPT_FORMAT, payload)
    )


def _guests(context: DemoContext, centre: HostPlace) -> int:
    held = list(
        Activity.objects.filter(
            organization=centre.organization,
            kind=ActivityKind.THEME_DAY,
            status=ActivityStatus.HELD,
        ).order_by("-on")[:2]
    )
    rng = context.rng("places-guests")

    def recorded(activity: Activity, names: list[str]) -> list[VisitingGuest]:
        return VisitingGuest.objects.bulk_create(
            VisitingGuest(
                activity=activity,
                name=name,
                home_issuer=NEIGHBOUR,
                home_organization_code=f"4403{rng.randint(0, 99999):05d}",
                certificate_serial=f"{rng.getrandbits(64):016x}",
                member_public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                recorded_by=context.builder,
            )
            for name in names
        )

    if len(held) < 2:
        return 0
    # The older day's guests went home in a receipt; the last day's wait to be exported.
    older = recorded(held[1], GUESTS[:5])
    receipts.attendance_receipt_export(actor=context.builder, home_issuer=NEIGHBOUR)
    return len(older) + len(recorded(held[0], GUESTS[5:]))


def build_demo_places(context: DemoContext) -> None:
    centre = _own_places(context)
    _neighbour(context)
    guests = _guests(context, centre)
    context.progress(f"活动场所 3 处，深圳市名录 3 处，来宾 {guests} 人次")
