"""The plain select writes the same markup as Django's select."""

from __future__ import annotations

import re

from django import forms

from dangjian.core.forms import PlainSelect

CHOICES = [("", "全部 <党组织>"), ("A", "甲&乙"), ("组", [("1", "一"), ("2", "二")])]


def _compact(html: str) -> str:
    return re.sub(r"\s*\n\s*", "", html)


def test_plain_select_writes_the_markup_of_a_select() -> None:
    """Options, groups, the selected value, escaping and attributes come out as Django's do."""
    attrs = {"class": "form-select", "disabled": True, "hidden": False, "title": '"x"'}
    django_select = forms.Select(attrs=attrs, choices=CHOICES)
    plain = PlainSelect(attrs=attrs, choices=CHOICES)

    expected = django_select.render("org", "2", attrs={"id": "id_org"})
    rendered = plain.render("org", "2", attrs={"id": "id_org"})

    assert _compact(rendered) == _compact(expected)
    assert '<option value="2" selected>二</option>' in rendered
    assert "&lt;党组织&gt;" in rendered
