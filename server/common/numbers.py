"""Rounding the way officials read figures: half up (41.25 → 41.3), never half to even."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, places: int = 0) -> float:
    """Round to `places` decimals, halves away from zero, on the number as written.

    Python's round() rounds halves to even on the binary value (round(41.25, 1) == 41.2);
    going through the shortest decimal text (repr) rounds what people see.
    """
    exponent = Decimal(1).scaleb(-places)
    return float(Decimal(repr(float(value))).quantize(exponent, rounding=ROUND_HALF_UP))


def percent_text(value: float | None) -> str:
    """Format a 0–1 rate as a percentage, half up: one decimal, three below 1% ("0.023%")."""
    if value is None:
        return "—"
    places = 1 if value == 0 or abs(value) >= 0.01 else 3
    exact = Decimal(repr(float(value))) * 100
    shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{shown}%"
