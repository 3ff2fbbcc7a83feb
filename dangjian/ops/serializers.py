"""A JSON serialization format for backups that keeps every microsecond.

Django's own JSON format cuts times to milliseconds, so a record restored from a
`django-json` backup would differ from the original. `dumpdata --format json-full` writes
full ISO times; restoring reads them with the ordinary JSON deserializer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import Deserializer, DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer


class FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, dt.time):
            return o.isoformat()
        return super().default(o)


class Serializer(JSONSerializer):
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]  # Django's hook; the stubs omit it
        self.json_kwargs["cls"] = FullPrecisionEncoder


__all__ = ["Deserializer", "FullPrecisionEncoder", "Serializer"]
