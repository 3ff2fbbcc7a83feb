"""Every page, for a user in scope and a user out of scope (DESIGN.md, "Access scope").

In scope: the page renders and shows the right records. Out of scope: a 404 that names nothing
of the other organization. A read-only observer reads but may not open a form or reveal a number;
a member sees only their own page. Lists and member pages mask ID and phone numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.members.choices import MemberStatus, PositionTitle
from dangjian.members.models import Member, Membership, Position
from dangjian.members.services import RECORD_FIELDS
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_member, new_id_number

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# What the east township holds; none of it may reach a user of the west township.
EAST_NAMES = ("东镇党委", "东村党支部", "南村党支部", "张三", "李四", "王五", "赵六", "钱七")
WEST_NAMES = ("西镇党委", "西村党支部", "孙八")
ZHANG_PHONE = "13812345678"
ZHANG_PHONE_MASKED = "138******78"
MASKED_ID = re.compile(r"110101\*{12}")


@pytest.fixture(autouse=True)
def _keep_the_language() -> Any:
    """LocaleMiddleware leaves the request's language active in the test thread; put the
    previous one back so that an English request does not change later tests' messages."""
    language = translation.get_language()
    yield
    translation.activate(language)


def text(response: Any) -> str:
    return response.content.decode()


def as_user(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def assert_not_found(response: Any, *names: str) -> None:
    """A 404 that leaks none of `names`."""
    assert response.status_code == 404
    body = text(response)
    for name in names:
        assert name not in body, name


def assert_redirects_to(response: Any, url: str) -> None:
    assert response.status_code == 302, text(response)
    assert response.url == url


def record_data(member: Member, **overrides: Any) -> dict[str, Any]:
    """The member form as a browser would post it, filled from the record."""
    data: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        value = getattr(member, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    data["id_number"] = ""
    return {**data, **overrides}


def new_member_data(organization: Organization, **overrides: Any) -> dict[str, Any]:
    birth = dt.date(1985, 4, 12)
    return {
        "name": "周九",
        "sex": "",
        "ethnicity": "01",
        "birth_date": "",
        "native_place": "",
        "education": "21",
        "degree": "",
        "occupation": "FARMER",
        "work_unit": "",
        "post": "",
        "phone": "13700001234",
        "address": "",
        "category": "FULL",
        "joined_on": "2010-07-01",
        "full_member_on": "2011-07-01",
        "id_number": new_id_number(birth, "1"),
        "organization": organization.pk,
        "how_added": "OTHER",
        "started_on": "2010-07-01",
        **overrides,
    }


# --- the pages: (url name, args from the county, text an in-scope reader sees) -----------------


def _url(name: str, *args: Any, query: str = "") -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")


# A page: the county → (url, extra request headers).
Page = Callable[[Any], tuple[str, dict[str, str]]]
READ_PAGES: dict[str, Page] = {
    "tree children": lambda c: (_url("organizations:tree", query=f"parent={c.east.pk}"), HTMX),
    "tree children (no htmx)": lambda c: (
        _url("organizations:tree", query=f"parent={c.east.pk}"),
        {},
    ),
    "organization page": lambda c: (_url("reports:organization", c.east.pk), {}),
    "member list of an organization": lambda c: (
        _url("members:list", query=f"org={c.east.pk}"),
        {},
    ),
    "member list of an organization (htmx)": lambda c: (
        _url("members:list", query=f"org={c.east.pk}"),
        HTMX,
    ),
    "member page": lambda c: (_url("members:detail", c.zhang.pk), {}),
    "leadership roster": lambda c: (_url("leadership:roster", query=f"org={c.east.pk}"), {}),
    "units coverage": lambda c: (_url("units:index", query=f"org={c.east.pk}"), {}),
    "units instructors": lambda c: (_url("units:instructors", query=f"org={c.east.pk}"), {}),
}
FORM_PAGES: dict[str, Page] = {
    "organization create": lambda c: (
        _url("organizations:create", query=f"parent={c.east.pk}"),
        {},
    ),
    "organization edit": lambda c: (_url("organizations:edit", c.east_village.pk), {}),
    "organization move": lambda c: (_url("organizations:move", c.south_village.pk), {}),
    "member create": lambda c: (_url("members:create", query=f"org={c.east_village.pk}"), {}),
    "member edit": lambda c: (_url("members:edit", c.zhang.pk), {}),
    "member status": lambda c: (_url("members:status", c.zhang.pk), {}),
    "member remove": lambda c: (_url("members:remove", c.zhang.pk), {}),
    "member restore": lambda c: (_url("members:restore", c.zhang.pk), {}),
    "member move": lambda c: (_url("members:move", c.zhang.pk), {}),
    "position assign": lambda c: (_url("members:position_assign", c.zhang.pk), {}),
    "life exemption": lambda c: (_url("activities:exemption", c.zhang.pk), {}),
    "family member add": lambda c: (_url("members:family_add", c.zhang.pk), {}),
    "trip abroad add": lambda c: (_url("members:trip_add", c.zhang.pk), {}),
    "mass organizations": lambda c: (_url("members:mass_organization", c.east_village.pk), {}),
    "member accounts": lambda c: (_url("accounts-invite:organization", c.east_village.pk), {}),
    "duty report": lambda c: (_url("leadership:report_create", query=f"org={c.east.pk}"), {}),
    "staff post": lambda c: (_url("leadership:staff_post", c.zhang.pk), {}),
    "units import": lambda c: (_url("units:import", query=f"org={c.east.pk}"), {}),
    "units joint branch": lambda c: (_url("units:joint", query=f"org={c.east.pk}"), {}),
}
# Text each page shows about the east township to a reader in scope.
EXPECTED = {
    "tree children": ("东村党支部", "南村党支部"),
    "tree children (no htmx)": ("东村党支部", "南村党支部"),
    "organization page": ("东镇党委", "东村党支部", "张三"),
    "member list of an organization": ("张三", "钱七"),
    "member list of an organization (htmx)": ("张三", "钱七"),
    "member page": ("张三", "东村党支部"),
    "organization create": ("东镇党委",),
    "organization edit": ("东村党支部",),
    "organization move": ("南村党支部",),
    "member create": ("东村党支部",),
    "member edit": ("张三",),
    "member status": ("张三",),
    "member remove": ("张三",),
    "member restore": ("张三",),
    "member move": ("张三", "南村党支部"),
    "position assign": ("张三", "东村党支部"),
    "life exemption": ("张三",),
    "family member add": ("张三",),
    "trip abroad add": ("张三",),
    "mass organizations": ("东村党支部",),
    "member accounts": ("东村党支部", "张三", "李四"),
    "leadership roster": ("东镇党委",),
    "duty report": ("东镇党委",),
    "staff post": ("张三", "东镇党委"),
    "units coverage": ("东镇党委",),
    "units instructors": ("东镇党委",),
    "units import": ("东镇党委",),
    "units joint branch": ("东镇党委",),
}
ALL_PAGES = {**READ_PAGES, **FORM_PAGES}


@pytest.mark.parametrize("page", list(ALL_PAGES))
def test_page_in_scope_renders_the_township(client, county, page):
    """The township administrator opens every page about their township."""
    url, headers = ALL_PAGES[page](county)
    response = as_user(client, county.east_admin).get(url, **headers)
    assert response.status_code == 200
    body = text(response)
    for name in EXPECTED[page]:
        assert name in body, name
    for name in WEST_NAMES:
        assert name not in body, name


@pytest.mark.parametrize("page", list(ALL_PAGES))
def test_page_out_of_scope_is_404(client, county, page):
    """The other township's administrator gets a 404 that names nothing of the east."""
    url, headers = ALL_PAGES[page](county)
    response = as_user(client, county.west_admin).get(url, **headers)
    assert_not_found(response, *EAST_NAMES, ZHANG_PHONE, county.zhang.id_number)


@pytest.mark.parametrize("page", list(READ_PAGES))
def test_observer_reads(client, county, page):
    """The read-only observer of the township opens every reading page."""
    url, headers = READ_PAGES[page](county)
    response = as_user(client, county.east_observer).get(url, **headers)
    assert response.status_code == 200
    for name in EXPECTED[page]:
        assert name in text(response), name


@pytest.mark.parametrize("page", list(FORM_PAGES))
def test_observer_gets_403_on_forms(client, county, page):
    """The observer may not open a form, nor post one."""
    url, _headers = FORM_PAGES[page](county)
    client = as_user(client, county.east_observer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_observer_sees_no_edit_buttons(client, county):
    """The pages an observer reads offer no action they may not take."""
    client = as_user(client, county.east_observer)
    body = text(client.get(_url("members:detail", county.zhang.pk)))
    assert _url("members:edit", county.zhang.pk) not in body
    assert "hx-post" not in body
    body = text(client.get(_url("reports:organization", county.east.pk)))
    assert _url("organizations:edit", county.east.pk) not in body
    assert _url("members:create") not in body


def test_secretary_reaches_only_their_branch(client, county):
    """A branch secretary reads and edits their branch; the neighbouring branch is a 404."""
    client = as_user(client, county.east_secretary)
    assert client.get(_url("members:edit", county.zhang.pk)).status_code == 200
    assert_not_found(client.get(_url("members:detail", county.qian.pk)), "钱七")
    assert_not_found(
        client.get(_url("reports:organization", county.south_village.pk)), "南村党支部"
    )
    assert_not_found(client.get(_url("reports:organization", county.east.pk)), "南村党支部")
    body = text(client.get(_url("members:list")))
    assert "张三" in body
    assert "钱七" not in body


# --- home and tree ------------------------------------------------------------------------


def test_home_shows_the_users_organizations(client, county):
    """Home shows the overview of the user's own township and nothing of the other."""
    response = as_user(client, county.east_admin).get(_url("site:home"))
    assert response.status_code == 200
    body = text(response)
    assert "东镇党委" in body
    assert 'data-testid="overview-sentence"' in body
    assert "共有党员5名" in body
    assert "西镇党委" not in body

    body = text(as_user(client, county.west_admin).get(_url("site:home")))
    assert "西镇党委" in body
    assert "共有党员1名" in body
    for name in EAST_NAMES:
        assert name not in body


def test_tree_shows_only_the_users_top(client, county):
    """The tree starts at the user's own organizations; search finds only within scope."""
    client = as_user(client, county.east_admin)
    body = text(client.get(_url("organizations:tree")))
    assert "东镇党委" in body
    assert "西镇党委" not in body
    body = text(client.get(_url("organizations:tree", query="q=村")))
    assert "东村党支部" in body
    assert "西村党支部" not in body


def test_tree_children_is_a_partial(client, county):
    """An htmx request for children renders only the list, not the whole page."""
    url = _url("organizations:tree", query=f"parent={county.east.pk}")
    body = text(as_user(client, county.east_admin).get(url, **HTMX))
    assert "<html" not in body
    assert "东村党支部" in body


def test_tree_parent_not_a_number_is_404(client, county):
    response = as_user(client, county.east_admin).get(_url("organizations:tree", query="parent=x"))
    assert response.status_code == 404


def test_member_list_shows_the_scope(client, county):
    """The member list holds the township's members, and the htmx request renders only results."""
    client = as_user(client, county.east_admin)
    body = text(client.get(_url("members:list")))
    for name in ("张三", "李四", "王五", "赵六", "钱七"):
        assert name in body
    assert "孙八" not in body
    assert "<html" in body

    body = text(client.get(_url("members:list", query="q=zs"), **HTMX))
    assert "<html" not in body
    assert "张三" in body
    assert "李四" not in body

    body = text(as_user(client, county.west_admin).get(_url("members:list")))
    assert "孙八" in body
    for name in EAST_NAMES:
        assert name not in body


def test_htmx_pages_vary_on_the_htmx_header(client, county):
    """A page and its htmx fragment share a URL, so the response varies on HX-Request and a
    history restore (htmx found no snapshot) gets the whole page."""
    client = as_user(client, county.east_admin)
    for url in (
        _url("members:list", query="q=zs"),
        _url("organizations:tree", query=f"parent={county.east.pk}"),
    ):
        assert "HX-Request" in client.get(url)["Vary"]
        assert "HX-Request" in client.get(url, **HTMX)["Vary"]
    response = client.get(
        _url("members:list", query="q=zs"), **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in text(response)
    assert "张三" in text(response)


def test_member_list_search_by_id_number_stays_in_scope(client, county):
    """Searching another township's member by their ID number finds nobody."""
    url = _url("members:list", query=f"q={county.zhang.id_number}")
    body = text(as_user(client, county.west_admin).get(url, **HTMX))
    assert "张三" not in body
    body = text(as_user(client, county.east_admin).get(url, **HTMX))
    assert "张三" in body


def test_member_search_by_name_lists_only_members_in_scope(client, county):
    """A name search shows the county's members with their organization and masked phone; a
    township's administrator finds only their own, and picks only their own organizations."""
    build_member(organization=county.west_village, name="张西", phone="13911112222")
    url = _url("members:list", query="q=%E5%BC%A0")  # 张
    body = text(as_user(client, county.county_admin).get(url))
    assert "共 2 名党员" in body
    assert "张三" in body
    assert "张西" in body
    assert "东村党支部" in body
    assert "西村党支部" in body
    assert "13911112222" not in body
    assert "139******22" in body
    assert f'<option value="{county.west_village.pk}">' in body
    body = text(as_user(client, county.east_admin).get(url))
    assert "共 1 名党员" in body
    assert "张三" in body
    assert "张西" not in body
    assert f'<option value="{county.west_village.pk}">' not in body
    assert f'<option value="{county.east_village.pk}">' in body


# --- the member role and anonymous users ----------------------------------------------------


def test_member_sees_only_themself(client, county):
    """A member's home is their portal; their own page shows their full numbers; others are 404."""
    client = as_user(client, county.member_user)
    assert_redirects_to(client.get(_url("site:home")), _url("portal:home"))
    response = client.get(_url("members:detail", county.zhang.pk))
    assert response.status_code == 200
    body = text(response)
    assert county.zhang.id_number in body
    assert ZHANG_PHONE in body
    assert "hx-post" not in body  # nothing to reveal, nothing to edit
    assert _url("members:edit", county.zhang.pk) not in body
    for other in (county.li, county.qian, county.sun):
        assert_not_found(client.get(_url("members:detail", other.pk)), other.name)
    assert_not_found(client.get(_url("reports:organization", county.east_village.pk)), "李四")
    body = text(client.get(_url("members:list")))
    assert "张三" in body
    assert "李四" not in body


def test_member_may_not_edit_themself(client, county):
    client = as_user(client, county.member_user)
    assert client.get(_url("members:edit", county.zhang.pk)).status_code == 403
    assert client.get(_url("members:create")).status_code == 403


ANONYMOUS_PAGES: dict[str, Page] = {
    **ALL_PAGES,
    "home": lambda c: (_url("site:home"), {}),
    "tree": lambda c: (_url("organizations:tree"), {}),
    "member list": lambda c: (_url("members:list"), {}),
}


@pytest.mark.parametrize("page", list(ANONYMOUS_PAGES))
def test_anonymous_is_sent_to_login(client, county, page):
    url, headers = ANONYMOUS_PAGES[page](county)
    response = client.get(url, **headers)
    assert response.status_code == 302
    assert response.url.startswith(_url("accounts:login"))
    assert "张三" not in text(response)


def test_anonymous_reveal_is_sent_to_login(client, county):
    response = client.post(_url("members:reveal", county.zhang.pk, "id_number"))
    assert response.status_code == 302
    assert response.url.startswith(_url("accounts:login"))
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


# --- masking and reveal ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["county_admin", "east_admin", "east_secretary", "east_observer"])
def test_lists_and_pages_mask_numbers(client, county, role):
    """Every role but the member themself sees 110101************ and 138******78."""
    client = as_user(client, getattr(county, role))
    full_id = county.zhang.id_number
    for url, headers in (
        (_url("members:list"), {}),
        (_url("members:list", query="q=zs"), HTMX),
        (_url("members:detail", county.zhang.pk), {}),
    ):
        body = text(client.get(url, **headers))
        assert ZHANG_PHONE_MASKED in body, url
        assert ZHANG_PHONE not in body, url
        assert full_id not in body, url
    body = text(client.get(_url("members:detail", county.zhang.pk)))
    assert county.zhang.id_number_masked in body
    assert MASKED_ID.fullmatch(county.zhang.id_number_masked)
    assert county.zhang.id_number_masked == full_id[:6] + "*" * 12


def test_edit_form_masks_the_id_number(client, county):
    """The edit form shows the current number masked and leaves the field empty."""
    body = text(as_user(client, county.east_admin).get(_url("members:edit", county.zhang.pk)))
    assert county.zhang.id_number_masked in body
    assert county.zhang.id_number not in body


@pytest.mark.parametrize(
    ("field", "expected"), [("id_number", None), ("phone", ZHANG_PHONE)], ids=["id", "phone"]
)
@pytest.mark.parametrize("role", ["east_admin", "east_secretary"])
def test_reveal_returns_the_full_number_and_is_audited(client, county, role, field, expected):
    user = getattr(county, role)
    expected = expected or county.zhang.id_number
    response = as_user(client, user).post(_url("members:reveal", county.zhang.pk, field))
    assert response.status_code == 200
    body = text(response)
    assert expected in body
    assert "<html" not in body
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert event.actor == user
    assert event.target_type == "members.member"
    assert event.target_id == str(county.zhang.pk)
    assert event.detail == {"field": field}
    assert expected not in event.summary  # the audit says who looked, not what they saw


def test_reveal_out_of_scope_is_404_and_not_audited(client, county):
    response = as_user(client, county.west_admin).post(
        _url("members:reveal", county.zhang.pk, "id_number")
    )
    assert_not_found(response, county.zhang.id_number, "张三")
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_observer_may_not_reveal(client, county):
    response = as_user(client, county.east_observer).post(
        _url("members:reveal", county.zhang.pk, "id_number")
    )
    assert response.status_code == 403
    assert county.zhang.id_number not in text(response)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_only_by_post_and_only_known_fields(client, county):
    client = as_user(client, county.east_admin)
    assert client.get(_url("members:reveal", county.zhang.pk, "id_number")).status_code == 405
    assert client.post(_url("members:reveal", county.zhang.pk, "address")).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


# --- forms: errors and valid posts -----------------------------------------------------------


def test_create_with_bad_id_number_shows_the_chinese_error(client, county):
    """A wrong check digit re-renders the form with what to fix, and creates nobody."""
    data = new_member_data(county.east_village)
    good = data["id_number"]
    data["id_number"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = Member.objects.count()
    response = as_user(client, county.east_admin).post(_url("members:create"), data)
    assert response.status_code == 200
    assert "身份证号码最后一位校验码不正确" in text(response)
    assert Member.objects.count() == before


def test_create_with_short_id_number_shows_the_chinese_error(client, county):
    data = new_member_data(county.east_village, id_number="1101011985")
    before = Member.objects.count()
    response = as_user(client, county.east_admin).post(_url("members:create"), data)
    assert response.status_code == 200
    assert "身份证号码应为18位，当前为10位" in text(response)
    assert Member.objects.count() == before


def test_create_with_a_registered_id_number_is_refused(client, county):
    data = new_member_data(county.east_village, id_number=county.li.id_number)
    before = Member.objects.count()
    response = as_user(client, county.east_admin).post(_url("members:create"), data)
    assert response.status_code == 200
    assert "该身份证号码已登记为党员" in text(response)
    assert Member.objects.count() == before


def test_valid_create_goes_to_the_member_page(client, county):
    """A valid form registers the member, fills birth date and sex from the number, and
    redirects to the member page."""
    client = as_user(client, county.east_admin)
    response = client.post(_url("members:create"), new_member_data(county.east_village))
    member = Member.objects.get(name="周九")
    assert_redirects_to(response, member.get_absolute_url())
    assert member.birth_date == dt.date(1985, 4, 12)
    body = text(client.get(response.url))
    assert "周九" in body
    assert "东村党支部" in body
    assert "建档" in body


def test_create_in_another_township_creates_nothing(client, county):
    """Posting an organization outside the user's scope is refused by the form."""
    before = Member.objects.count()
    response = as_user(client, county.west_admin).post(
        _url("members:create"), new_member_data(county.east_village)
    )
    assert response.status_code == 200
    assert Member.objects.count() == before
    assert "东村党支部" not in text(response)


def test_member_edit_post(client, county):
    zhang = county.zhang
    url = _url("members:edit", zhang.pk)
    data = record_data(zhang, work_unit="东村村委会", reason="本人申请")
    response = as_user(client, county.east_admin).post(url, data)
    assert_redirects_to(response, zhang.get_absolute_url())
    zhang.refresh_from_db()
    assert zhang.work_unit == "东村村委会"
    assert "东村村委会" in text(client.get(response.url))


def test_member_edit_post_out_of_scope_changes_nothing(client, county):
    zhang = county.zhang
    data = record_data(zhang, work_unit="西村", reason="x")
    response = as_user(client, county.west_admin).post(_url("members:edit", zhang.pk), data)
    assert_not_found(response, "张三")
    zhang.refresh_from_db()
    assert zhang.work_unit == ""


def test_member_status_post(client, county):
    url = _url("members:status", county.zhang.pk)
    response = as_user(client, county.east_admin).post(
        url, {"status": "MOBILE", "reason": "外出务工"}
    )
    assert_redirects_to(response, county.zhang.get_absolute_url())
    county.zhang.refresh_from_db()
    assert county.zhang.status == MemberStatus.MOBILE


def test_member_remove_then_restore(client, county):
    """Removal closes the membership; the member stays visible and can be restored."""
    zhang = county.zhang
    client = as_user(client, county.east_admin)
    on = today().isoformat()
    response = client.post(
        _url("members:remove", zhang.pk), {"how_removed": "DIED", "on": on, "reason": "病故"}
    )
    assert_redirects_to(response, zhang.get_absolute_url())
    zhang.refresh_from_db()
    assert zhang.status == MemberStatus.DECEASED
    assert not Membership.objects.filter(member=zhang, ended_on__isnull=True).exists()
    body = text(client.get(zhang.get_absolute_url()))
    assert "原属 东村党支部" in body
    assert _url("members:restore", zhang.pk) in body

    response = client.post(
        _url("members:restore", zhang.pk),
        {"organization": county.east_village.pk, "on": on, "reason": "误报更正"},
    )
    assert_redirects_to(response, zhang.get_absolute_url())
    zhang.refresh_from_db()
    assert zhang.status == MemberStatus.NORMAL
    assert Membership.objects.get(member=zhang, ended_on__isnull=True).organization == (
        county.east_village
    )


def test_member_remove_without_reason_shows_the_error(client, county):
    client = as_user(client, county.east_admin)
    response = client.post(
        _url("members:remove", county.zhang.pk),
        {"how_removed": "DIED", "on": today().isoformat(), "reason": ""},
    )
    assert response.status_code == 200
    assert "这个字段是必填项" in text(response)
    county.zhang.refresh_from_db()
    assert county.zhang.status == MemberStatus.NORMAL


def test_member_move_post(client, county):
    client = as_user(client, county.east_admin)
    response = client.post(
        _url("members:move", county.zhang.pk),
        {"organization": county.south_village.pk, "on": today().isoformat(), "reason": "迁居"},
    )
    assert_redirects_to(response, county.zhang.get_absolute_url())
    current = Membership.objects.get(member=county.zhang, ended_on__isnull=True)
    assert current.organization == county.south_village


def test_member_move_to_another_township_is_refused(client, county):
    """The move form offers only organizations the user manages."""
    client = as_user(client, county.east_admin)
    url = _url("members:move", county.zhang.pk)
    assert "西村党支部" not in text(client.get(url))
    response = client.post(
        url, {"organization": county.west_village.pk, "on": today().isoformat(), "reason": "x"}
    )
    assert response.status_code == 200
    current = Membership.objects.get(member=county.zhang, ended_on__isnull=True)
    assert current.organization == county.east_village


def test_position_assign_and_end(client, county):
    client = as_user(client, county.east_admin)
    response = client.post(
        _url("members:position_assign", county.zhang.pk),
        {
            "title": PositionTitle.SECRETARY,
            "organization": county.east_village.pk,
            "started_on": today().isoformat(),
        },
    )
    assert_redirects_to(response, county.zhang.get_absolute_url())
    position = Position.objects.get(member=county.zhang)
    assert "书记" in text(client.get(_url("reports:organization", county.east_village.pk)))

    end_url = _url("members:position_end", county.zhang.pk, position.pk)
    assert client.get(end_url).status_code == 405
    assert_redirects_to(client.post(end_url), county.zhang.get_absolute_url())
    position.refresh_from_db()
    assert position.ended_on == today()


def test_position_end_out_of_scope_or_read_only(client, county):
    """Ending a position needs the member in scope (else 404) and a managing role (else 403)."""
    as_user(client, county.east_admin).post(
        _url("members:position_assign", county.zhang.pk),
        {"title": "SECRETARY", "organization": county.east_village.pk, "started_on": "2020-01-01"},
    )
    position = Position.objects.get(member=county.zhang)
    url = _url("members:position_end", county.zhang.pk, position.pk)
    assert_not_found(as_user(client, county.west_admin).post(url), "张三")
    assert as_user(client, county.east_observer).post(url).status_code == 403
    other = _url("members:position_end", county.li.pk, position.pk)
    assert as_user(client, county.east_admin).post(other).status_code == 404
    position.refresh_from_db()
    assert position.ended_on is None


# --- organization forms ---------------------------------------------------------------------


def organization_data(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "北村党支部",
        "short_name": "",
        "code": "C0100",
        "kind": "BRANCH",
        "unit_kind": "VILLAGE",
        "unit_relation": "LEGAL_PERSON",
        "unit_name": "",
        "founded_on": "",
        "term_started_on": "",
        "term_ends_on": "",
        "dissolved_on": "",
        **overrides,
    }


def test_organization_create_post(client, county):
    client = as_user(client, county.east_admin)
    response = client.post(
        _url("organizations:create", query=f"parent={county.east.pk}"), organization_data()
    )
    created = Organization.objects.get(code="C0100")
    assert_redirects_to(response, created.get_absolute_url())
    assert created.parent == county.east
    assert "北村党支部" in text(client.get(response.url))


def test_organization_create_out_of_scope_creates_nothing(client, county):
    response = as_user(client, county.west_admin).post(
        _url("organizations:create", query=f"parent={county.east.pk}"), organization_data()
    )
    assert_not_found(response, "东镇党委")
    assert not Organization.objects.filter(code="C0100").exists()


def test_organization_create_with_a_taken_code_shows_the_error(client, county):
    before = Organization.objects.count()
    response = as_user(client, county.east_admin).post(
        _url("organizations:create", query=f"parent={county.east.pk}"),
        organization_data(code=county.west.code),
    )
    assert response.status_code == 200
    assert "alert" in text(response) or "invalid-feedback" in text(response)
    assert Organization.objects.count() == before


def test_organization_edit_post(client, county):
    village = county.east_village
    data = organization_data(name="东村党支部（新）", code=village.code)
    response = as_user(client, county.east_admin).post(_url("organizations:edit", village.pk), data)
    assert_redirects_to(response, village.get_absolute_url())
    village.refresh_from_db()
    assert village.name == "东村党支部（新）"


def test_organization_edit_post_out_of_scope_changes_nothing(client, county):
    village = county.east_village
    data = organization_data(name="改名", code=village.code)
    response = as_user(client, county.west_admin).post(_url("organizations:edit", village.pk), data)
    assert_not_found(response, "东村党支部")
    village.refresh_from_db()
    assert village.name == "东村党支部"


def test_organization_move_post(client, county):
    """The county moves a branch to the other township; the old township loses sight of it."""
    village = county.south_village
    response = as_user(client, county.county_admin).post(
        _url("organizations:move", village.pk), {"new_parent": county.west.pk}
    )
    assert_redirects_to(response, village.get_absolute_url())
    village.refresh_from_db()
    assert village.parent == county.west
    page = _url("reports:organization", village.pk)
    assert_not_found(as_user(client, county.east_admin).get(page), "钱七")
    assert "钱七" in text(as_user(client, county.west_admin).get(page))


def test_organization_move_offers_only_managed_parents(client, county):
    client = as_user(client, county.east_admin)
    url = _url("organizations:move", county.south_village.pk)
    assert "西镇党委" not in text(client.get(url))
    response = client.post(url, {"new_parent": county.west.pk})
    assert response.status_code == 200
    county.south_village.refresh_from_db()
    assert county.south_village.parent == county.east


# --- query counts ---------------------------------------------------------------------------

# Measured with 5 and with 30 members in the township (the same on SQLite and PostgreSQL):
# session, user, roles, then the page's own queries. The count must not grow with members.
# Two of them ask how large the list is (organizations counted up to a limit, decision 0286):
# the scope's, for the name search, and the picker's, for its options (not asked by the
# results alone, which show no picker).
MEMBER_LIST_QUERIES = (
    9  # with the organization picker: its count (also whether to show it) and its options
)
MEMBER_LIST_OF_ORGANIZATION_QUERIES = 8  # the results alone, plus the organization itself
# The page's own 11, plus what each registered panel reads (portal: corrections, notices;
# certificates: mobile members; alerts; care fund; activities: rules, branches and groups,
# positions, activities; portal: member accounts, one aggregate; members: the 群团组织 record and
# the roster grouped by organization). None of it grows with the members. The accounts and
# certificate panels each check the subtree's size first (decision 0283): 25 before, 27 then;
# the size is asked once per request, of the organization's instance (decision 0291): 24.
ORGANIZATION_PAGE_QUERIES = 24
# The member page: session, user, roles; the member, their membership rows (read once and
# shared with the panels, dues included), positions, archive, family members, trips abroad;
# then the panels: alerts 1, organizational life 4 (attendance, life at other deployments,
# training hours, an exemption from attending), transfers 2, dues 5 (profiles, the farmers'
# setting, read once and only for a farmer, ledger, the months payments paid, payments),
# recruitment 1, certificate 1, care 1 (which of its six lists have records: none here; the
# hours are summed from them). 30 before (decision 0289): dues read the membership rows and
# the farmers' setting again, care read its six lists whether empty or not.
# Measured after a first visit: the dues rate tables are read once per process.
MEMBER_PAGE_QUERIES = 24
# The branch secretary's home page: session, user, roles; the branch; its overview 2 and
# findings 1 (its committee's positions and secretary in one); 本月待办: organizational life 4
# (the frequency table read once), dues 6 (no farmer here), recruitment 3, transfers 2, care 1;
# the alerts panel 1 (its first eight open alerts, counted by rule when fewer: all of them).
# 27 before (decision 0289).
BRANCH_HOME_QUERIES = 24


def _add_members(county: Any, extra: int) -> None:
    for n in range(extra):
        build_member(organization=county.east_village, name=f"党员{n:02d}", phone="13700000000")


@pytest.mark.parametrize("extra", [0, 25], ids=["5 members", "30 members"])
def test_member_list_query_count_does_not_grow(
    client, county, extra, django_assert_max_num_queries
):
    _add_members(county, extra)
    client = as_user(client, county.east_admin)
    with django_assert_max_num_queries(MEMBER_LIST_QUERIES):
        response = client.get(_url("members:list"))
    assert response.status_code == 200
    assert f"共 {5 + extra} 名党员" in text(response)
    with django_assert_max_num_queries(MEMBER_LIST_OF_ORGANIZATION_QUERIES):
        response = client.get(_url("members:list", query=f"org={county.east.pk}"), **HTMX)
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 25], ids=["5 members", "30 members"])
def test_organization_page_query_count_does_not_grow(
    client, county, extra, django_assert_max_num_queries
):
    _add_members(county, extra)
    client = as_user(client, county.east_admin)
    with django_assert_max_num_queries(ORGANIZATION_PAGE_QUERIES):
        response = client.get(_url("reports:organization", county.east.pk))
    assert response.status_code == 200
    assert f"({5 + extra})" in text(response)


@pytest.mark.parametrize("moves", [0, 4], ids=["one organization", "moved 4 times"])
def test_member_page_query_count_does_not_grow(
    client, county, moves, django_assert_max_num_queries
):
    """The member page and its panels read the member's rows once, however long the history."""
    from dangjian.members import services

    for n in range(moves):
        services.membership_move(
            actor=county.county_admin,
            member=county.li,
            organization=county.south_village if n % 2 == 0 else county.east_village,
            on=today() - dt.timedelta(days=10 * (moves - n)),
            reason="调整",
        )
    from dangjian.dues.choices import DuesCategory
    from dangjian.dues.models import DuesProfile

    # A farmer: the branch's farmers' amount is read for the account and the month's amount.
    DuesProfile.objects.create(
        member=county.li, category=DuesCategory.FARMER, effective_from=dt.date(2020, 1, 1)
    )
    client = as_user(client, county.east_admin)
    url = _url("members:detail", county.li.pk)
    assert client.get(url).status_code == 200  # the first visit reads the rate tables
    with django_assert_max_num_queries(MEMBER_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert "李四" in text(response)


@pytest.mark.parametrize("extra", [0, 25], ids=["4 members", "29 members"])
def test_branch_home_query_count_does_not_grow(
    client, county, extra, django_assert_max_num_queries
):
    """The branch secretary's home page (the branch's card with its 本月待办) reads the same
    queries however many members the branch has."""
    _add_members(county, extra)
    client = as_user(client, county.east_secretary)
    url = _url("site:home")
    assert client.get(url).status_code == 200  # the first visit reads the rate tables
    with django_assert_max_num_queries(BRANCH_HOME_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert "东村党支部" in text(response)
    assert f"{4 + extra}" in text(response)


# --- language -------------------------------------------------------------------------------


def test_language_defaults_to_simplified_chinese(client, county):
    body = text(as_user(client, county.east_admin).get(_url("site:home")))
    assert '<html lang="zh-hans">' in body


def test_language_from_accept_language(client, county):
    client = as_user(client, county.east_admin)
    response = client.get(_url("site:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en">' in text(response)


def test_language_from_cookie(client, county):
    client = as_user(client, county.east_admin)
    client.cookies["django_language"] = "en"
    response = client.get(_url("members:detail", county.zhang.pk))
    assert response.status_code == 200
    assert '<html lang="en">' in text(response)


def test_login_page_follows_the_language(client):
    response = client.get(_url("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en">' in text(response)


def test_organization_picker_narrows_the_list_to_a_subtree(client, county):
    """The list offers the organizations in scope as a tree; picking one shows its members only."""
    client = as_user(client, county.county_admin)
    body = text(client.get(_url("members:list")))
    assert "全部党组织" in body
    assert f'<option value="{county.south_village.pk}">\u3000\u3000南村党支部</option>' in body
    body = text(client.get(_url("members:list", query=f"org={county.south_village.pk}")))
    assert "钱七" in body
    assert "张三" not in body
    assert "孙八" not in body


def test_a_secretary_of_one_branch_gets_no_organization_picker(client, county):
    """With a single organization in scope the picker would be noise, so it is not shown."""
    client = as_user(client, county.east_secretary)
    body = text(client.get(_url("members:list")))
    assert "全部党组织" not in body
    assert "张三" in body


def test_a_registered_number_out_of_scope_is_refused_without_saying_it_is_a_member(client, county):
    """Membership is not an oracle: 西镇's administrator typing 李四's number (东村) learns only
    that it cannot be registered there, as with a number the system has never seen registered
    elsewhere; 东镇's administrator, who may read 李四, is told it is registered."""
    data = new_member_data(county.west_village, id_number=county.li.id_number)
    before = Member.objects.count()
    response = as_user(client, county.west_admin).post(_url("members:create"), data)
    assert response.status_code == 200
    assert "该身份证号码不能在此登记" in text(response)
    assert "已登记为党员" not in text(response)
    assert "李四" not in text(response)
    assert Member.objects.count() == before
