"""The `choice_label` template filter shows what `get_FOO_display` shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines
from django.utils import translation

from dangjian.members.models import Member


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_label_is_the_display_of_every_choice_field(county: Any, language: str) -> None:
    """For each field of a member with choices, in each language, and for a value that is no
    choice (shown as it is)."""
    member = Member.objects.get(pk=county.li.pk)
    member.education = "not-a-choice"
    fields = [f.name for f in Member._meta.concrete_fields if f.choices]
    assert {"sex", "ethnicity", "education", "status", "category"} <= set(fields)
    template = engines["django"].from_string(
        "{% load choices %}"
        + "|".join(f'{{{{ member|choice_label:"{name}" }}}}' for name in fields)
    )
    with translation.override(language):
        shown = template.render({"member": member}).split("|")
        expected = [str(getattr(member, f"get_{name}_display")()) for name in fields]
    assert shown == expected
    assert shown[fields.index("education")] == "not-a-choice"
