"""`{{ obj|choice_label:"field" }}`: what `obj.get_field_display` shows, without its cost
(`core.labels.choice_label`, decision 0289)."""

from __future__ import annotations

from django import template

from dangjian.core import labels

register = template.Library()
register.filter("choice_label", labels.choice_label)
