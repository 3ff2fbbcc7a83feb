"""Idempotency records: a retried create call answers what the first one did."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    # Who sent it: "user:<id>", "token:<sha256 of the header>" or "anonymous".
    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    # 0 while the first request is still being answered.
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
