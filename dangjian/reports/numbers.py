"""How the report writes numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int, whole: int) -> str:
    """A share as the report writes it: one decimal, rounded half-up ("88.3")."""
    if whole == 0:
        return "0.0"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}"
