"""Keeps meter totals from going backwards or jumping because of a bad frame."""

from __future__ import annotations

from decimal import Decimal

# The most a single meter plausibly counts per hour, by unit, and a fixed allowance
# for rounding and for the time between two telegrams.
MAX_RATE_PER_HOUR = {"kWh": Decimal(500), "kvarh": Decimal(500), "m³": Decimal(100)}
SLACK = Decimal(1)
REBASE_AFTER = 3
"""Consecutive rejections after which the new level is trusted (meter exchanged, bad start)."""


class TotalGuard:
    """Accepts a total only when it follows the previous one plausibly."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[Decimal, float]] = {}
        self._rejected: dict[str, int] = {}
        self.rejections = 0

    @staticmethod
    def is_total(unit: str) -> bool:
        """Whether readings in this unit are running totals."""
        return unit in MAX_RATE_PER_HOUR

    def seed(self, key: str, value: Decimal, when: float) -> None:
        """Start from a total shown before a restart (`when`: on the clock of `accept`)."""
        self._last[key] = (value, when)

    def last(self, key: str) -> Decimal:
        """The last accepted total of `key` (there is one once a value was rejected)."""
        return self._last[key][0]

    def accept(self, key: str, value: Decimal, unit: str, now: float) -> bool:
        """Return whether `value` may be published as the new total of `key`."""
        previous = self._last.get(key)
        if previous is not None:
            last_value, last_time = previous
            hours = Decimal(max(now - last_time, 0.0) / 3600)
            ceiling = last_value + SLACK + MAX_RATE_PER_HOUR[unit] * hours
            if not last_value <= value <= ceiling:
                self.rejections += 1
                count = self._rejected[key] = self._rejected.get(key, 0) + 1
                if count < REBASE_AFTER:
                    return False
        self._rejected.pop(key, None)
        self._last[key] = (value, now)
        return True
