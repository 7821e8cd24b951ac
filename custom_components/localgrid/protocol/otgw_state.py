"""What the gateway's frames say about the boiler and the thermostat.

`GatewayState.apply(frame)` files each data-carrying frame under its side (T/A frames
under the thermostat, B/R frames under the boiler, E frames nowhere) and keeps the
latest value per data-id per side. The properties derive what a user wants to see
(flame, heating, hot water, temperatures, bounds, overrides); each is None until the
gateway has reported it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .opentherm import COUNTER_IDS, Frame, MsgType, Side, Source, Summary, Value

# Ids the master writes: their thermostat-side value is the one that counts.
_THERMOSTAT_FIRST = frozenset({9, 16, 23, 24, 27, 100})
_MASTER_WRITTEN = frozenset({16, 23, 24})  # summary fields filed under the thermostat


@dataclass(frozen=True, slots=True)
class SetpointOverride:
    """A room setpoint override held by the gateway (TT temporary, TC constant)."""

    setpoint: float
    constant: bool
    accepted: bool = True
    """False while the thermostat has not taken the override yet (PR=O lower case)."""


@dataclass(slots=True)
class GatewayState:
    """Latest values per data-id and side, plus the overrides the gateway holds."""

    thermostat: dict[int, Value] = field(default_factory=dict)
    boiler: dict[int, Value] = field(default_factory=dict)
    unsupported: set[int] = field(default_factory=set)
    """Ids the boiler answered with UNKNOWN-DATAID."""
    firmware: str | None = None
    """Gateway firmware version, e.g. `6.6`."""
    setpoint_override: SetpointOverride | None = None
    hot_water_override: str | None = None
    """`A` (thermostat decides), `0` (forced off) or `1` (forced on); None unknown."""
    control_setpoint_override: float | None = None
    max_modulation_override: int | None = None
    outside_temperature_override: float | None = None
    _written: set[int] = field(default_factory=set, repr=False, compare=False)
    """Ids whose thermostat-side value came from the thermostat's own WRITE-DATA."""

    def apply(self, frame: Frame) -> bool:
        """Take one frame into account; True when a stored value changed."""
        side = frame.side
        if side is None or not frame.valid:
            return False
        values = self.thermostat if side is Side.THERMOSTAT else self.boiler
        data_id = frame.data_id
        msg_type = frame.msg_type
        if side is Side.THERMOSTAT and self._keeps_written(frame):
            return False
        if msg_type in (MsgType.DATA_INVALID, MsgType.UNKNOWN_DATAID):
            if msg_type is MsgType.UNKNOWN_DATAID and frame.source is Source.BOILER:
                self.unsupported.add(data_id)
            return values.pop(data_id, None) is not None
        if not frame.carries_value:
            return False
        if frame.source is Source.BOILER:
            self.unsupported.discard(data_id)
        value = frame.value
        if data_id in COUNTER_IDS and value == 0xFFFF:
            return values.pop(data_id, None) is not None  # counter not available
        if msg_type is MsgType.READ_DATA and isinstance(value, tuple):
            # Master status in a READ-DATA: the slave byte is not known yet.
            old = values.get(data_id)
            low = old[1] if isinstance(old, tuple) else 0
            value = (value[0], low)
        override_changed = False
        if frame.source is Source.ANSWER:
            before = self.setpoint_override
            self._track_override_answer(data_id, value)
            override_changed = before != self.setpoint_override
        if values.get(data_id) == value:
            return override_changed
        values[data_id] = value
        return True

    def _keeps_written(self, frame: Frame) -> bool:
        """True when a thermostat-side frame leaves the thermostat's written value be.

        What the thermostat wrote (room temperature, room setpoint, ...) is its value.
        The gateway's answer to that write (`A` WRITE-ACK, UNKNOWN-DATAID or
        DATA-INVALID) tells what the boiler side made of it, not what the thermostat
        has: OTGW-firmware #82 (boiler without id 16: the gateway acks the thermostat
        with 0.00) and #677 (gateway answers Unknown-DataId echoing the room temperature).
        """
        data_id = frame.data_id
        if frame.source is Source.THERMOSTAT:
            if frame.msg_type is MsgType.WRITE_DATA and frame.carries_value:
                self._written.add(data_id)
            elif frame.valid:
                self._written.discard(data_id)
            return False
        if data_id not in self._written or not frame.valid:
            return False
        if frame.msg_type in (
            MsgType.WRITE_ACK,
            MsgType.UNKNOWN_DATAID,
            MsgType.DATA_INVALID,
        ):
            return True
        self._written.discard(data_id)
        return False

    def apply_summary(self, summary: Summary) -> bool:
        """Take a PS=1 summary into account; zero fields (never seen) are skipped."""
        changed = False
        for data_id, value in summary.values.items():
            if value in (0, (0, 0)) or (data_id in COUNTER_IDS and value == 0xFFFF):
                continue
            values = self.thermostat if data_id in _MASTER_WRITTEN else self.boiler
            if values.get(data_id) != value:
                values[data_id] = value
                changed = True
        return changed

    def _track_override_answer(self, data_id: int, value: Value) -> None:
        """The gateway answering ids 9 and 100 shows the override the thermostat gets."""
        current = self.setpoint_override
        if data_id == 100 and isinstance(value, tuple) and current is not None:
            # LB b1 "program change may end it" is set for TT, clear for TC.
            constant = not value[1] & 0x02
            if constant != current.constant:
                self.setpoint_override = SetpointOverride(
                    current.setpoint, constant, current.accepted
                )
            return
        if data_id != 9 or not isinstance(value, float):
            return
        if value == 0:
            self.setpoint_override = None
        elif current is None or abs(current.setpoint - value) >= 0.01:
            constant = current.constant if current else False
            self.setpoint_override = SetpointOverride(round(value, 2), constant)
        elif not current.accepted:
            self.setpoint_override = SetpointOverride(current.setpoint, current.constant)

    def value(self, data_id: int, side: Side | None = None) -> Value | None:
        """Latest value of an id: from `side`, or from the side that owns the id."""
        if side is Side.THERMOSTAT:
            return self.thermostat.get(data_id)
        if side is Side.BOILER:
            return self.boiler.get(data_id)
        first, second = (
            (self.thermostat, self.boiler)
            if data_id in _THERMOSTAT_FIRST
            else (self.boiler, self.thermostat)
        )
        found = first.get(data_id)
        return found if found is not None else second.get(data_id)

    def _number(self, data_id: int, side: Side | None = None) -> float | None:
        found = self.value(data_id, side)
        return None if found is None or isinstance(found, tuple) else float(found)

    def _bit(self, data_id: int, high: bool, bit: int, side: Side | None = None) -> bool | None:
        found = self.value(data_id, side)
        if not isinstance(found, tuple):
            return None
        return bool(found[0 if high else 1] >> bit & 1)

    # Status (id 0): the boiler's answer holds both bytes.
    @property
    def fault(self) -> bool | None:
        return self._bit(0, False, 0, Side.BOILER)

    @property
    def ch_active(self) -> bool | None:
        return self._bit(0, False, 1, Side.BOILER)

    @property
    def dhw_active(self) -> bool | None:
        return self._bit(0, False, 2, Side.BOILER)

    @property
    def flame(self) -> bool | None:
        return self._bit(0, False, 3, Side.BOILER)

    @property
    def diagnostic(self) -> bool | None:
        """Slave status bit 6: diagnostic/service indication."""
        return self._bit(0, False, 6, Side.BOILER)

    @property
    def ch_enabled(self) -> bool | None:
        """Master CH enable as the boiler received it (gateway overrides included)."""
        return self._bit(0, True, 0)

    @property
    def dhw_enabled(self) -> bool | None:
        return self._bit(0, True, 1)

    @property
    def heating(self) -> bool | None:
        """Central heating is active and the flame is on."""
        if self.ch_active is None or self.flame is None:
            return None
        return self.ch_active and self.flame

    # Configuration and faults.
    @property
    def dhw_present(self) -> bool | None:
        return self._bit(3, True, 0, Side.BOILER)

    @property
    def low_water_pressure(self) -> bool | None:
        return self._bit(5, True, 2, Side.BOILER)

    @property
    def service_required(self) -> bool | None:
        return self._bit(5, True, 0, Side.BOILER)

    @property
    def oem_fault_code(self) -> int | None:
        found = self.value(5, Side.BOILER)
        return found[1] if isinstance(found, tuple) else None

    @property
    def dhw_setpoint_bounds(self) -> tuple[int, int] | None:
        """(lower, upper) °C from id 48, None when unknown or not given (0/0)."""
        return self._bounds(48)

    @property
    def ch_setpoint_bounds(self) -> tuple[int, int] | None:
        """(lower, upper) °C of the max CH setpoint from id 49."""
        return self._bounds(49)

    def _bounds(self, data_id: int) -> tuple[int, int] | None:
        found = self.value(data_id, Side.BOILER)
        if not isinstance(found, tuple) or found[0] <= found[1]:
            return None
        return (found[1], found[0])

    # Temperatures and levels.
    @property
    def room_temperature(self) -> float | None:
        return self._number(24)

    @property
    def room_setpoint(self) -> float | None:
        return self._number(16)

    @property
    def control_setpoint(self) -> float | None:
        """The flow temperature the boiler was asked for (gateway override included)."""
        return self._number(1)

    @property
    def flow_temperature(self) -> float | None:
        return self._number(25)

    @property
    def return_temperature(self) -> float | None:
        return self._number(28)

    @property
    def dhw_temperature(self) -> float | None:
        return self._number(26)

    @property
    def outside_temperature(self) -> float | None:
        return self._number(27)

    @property
    def dhw_setpoint(self) -> float | None:
        return self._number(56)

    @property
    def max_ch_setpoint(self) -> float | None:
        return self._number(57)

    @property
    def modulation(self) -> float | None:
        return self._number(17)

    @property
    def max_modulation(self) -> float | None:
        return self._number(14)

    @property
    def water_pressure(self) -> float | None:
        return self._number(18)

    @property
    def dhw_flow_rate(self) -> float | None:
        return self._number(19)

    @property
    def exhaust_temperature(self) -> float | None:
        return self._number(33)

    @property
    def burner_starts(self) -> int | None:
        found = self.value(116, Side.BOILER)
        return found if isinstance(found, int) else None

    @property
    def burner_hours(self) -> int | None:
        found = self.value(120, Side.BOILER)
        return found if isinstance(found, int) else None
