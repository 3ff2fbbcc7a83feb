"""What `obj.get_FOO_display()` shows, without its cost (decision 0289).

Django's `get_FOO_display` builds a table of the field's choices on every call, and building it
hashes each lazy label, which translates it: a list of 25 members asked three fields each
translated some 400 labels, and the demo county's meetings ledger (5,128 guest rows) 30,768
labels. The table is built once per field here; its labels stay lazy, so each is translated
when it is shown, in the reader's language. The template filter `choice_label`
(core/templatetags/choices.py) and code writing files row by row use it.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Field
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@functools.cache
def _labels(field: Field[Any, Any]) -> dict[Any, Any]:
    return dict(make_hashable(field.flatchoices))


def choice_label(obj: Any, field_name: str) -> Any:
    """The label of the choice `obj`'s field holds, or the value where it is no choice (as
    `get_FOO_display`)."""
    field = obj._meta.get_field(field_name)
    value = getattr(obj, field.attname)
    return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
