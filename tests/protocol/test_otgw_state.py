"""The boiler/thermostat state built from report lines."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.localgrid.protocol.opentherm import (
    Frame,
    MsgType,
    Side,
    Source,
    Summary,
    build_frame,
    classify,
    format_report,
    parse_summary,
)
from custom_components.localgrid.protocol.otgw_state import GatewayState, SetpointOverride


def _line(source: str, msg_type: MsgType, data_id: int, data: int) -> str:
    return format_report(Source(source), build_frame(msg_type, data_id, data))


def _apply(state: GatewayState, *lines: str) -> list[bool]:
    frames = [classify(line) for line in lines]
    assert all(isinstance(frame, Frame) for frame in frames)
    return [state.apply(frame) for frame in frames]  # type: ignore[arg-type]


def test_status_flags_and_sides() -> None:
    state = GatewayState()
    assert state.flame is None
    assert state.heating is None
    assert _apply(state, "T80000200", "B4000020A") == [True, True]
    assert state.thermostat[0] == (2, 0)  # master flags; slave byte not known from a T
    assert state.boiler[0] == (2, 10)
    assert state.flame is True
    assert state.ch_active is True
    assert state.dhw_active is False
    assert state.fault is False
    assert state.heating is True
    assert state.dhw_enabled is True
    assert state.ch_enabled is False
    assert _apply(state, "B4000020A") == [False]  # unchanged: no update


def test_values_bounds_and_config() -> None:
    state = GatewayState()
    _apply(
        state,
        "T9018146C",  # room temperature 20.42 (written by the thermostat)
        "T90101480",  # room setpoint 20.5
        "BD0010A00",  # control setpoint 10 acknowledged
        "BC0192B80",  # flow 43.5
        "BC01C2666",  # return 38.4
        "B401A2833",  # dhw 40.2
        "B407A1B44",  # dhw pump hours
        "BC074CB68",  # burner starts
        "BC0780E68",  # burner hours
        "BC00500FF",  # no fault flags, OEM code 255
    )
    assert state.room_temperature == pytest.approx(20.42, abs=0.01)
    assert state.room_setpoint == 20.5
    assert state.control_setpoint == 10.0
    assert state.flow_temperature == 43.5
    assert state.return_temperature == pytest.approx(38.4, abs=0.01)
    assert state.dhw_temperature == pytest.approx(40.2, abs=0.01)
    assert state.burner_starts == 52072
    assert state.burner_hours == 3688
    assert state.oem_fault_code == 255
    assert state.low_water_pressure is False
    assert state.service_required is False
    _apply(state, _line("B", MsgType.READ_ACK, 48, 0x3C28))  # DHW bounds 60/40
    assert state.dhw_setpoint_bounds == (40, 60)
    assert state.ch_setpoint_bounds is None


def test_not_data_is_not_stored() -> None:
    state = GatewayState()
    assert _apply(state, "T80190000", "E007FFF00", "B00192B00", "T00630000") == [False] * 4
    assert state.thermostat == {}
    assert state.boiler == {}
    _apply(state, "BC074CB68")
    assert _apply(state, "BC074FFFF") == [True]  # counter 0xFFFF: not available
    assert state.burner_starts is None
    _apply(state, "BC0192B80")
    assert _apply(state, "B70190000") == [True]  # UNKNOWN-DATAID drops the value
    assert state.flow_temperature is None
    assert 25 in state.unsupported
    _apply(state, "BC0192B80")
    assert 25 not in state.unsupported


def test_override_from_gateway_answers() -> None:
    state = GatewayState()
    state.setpoint_override = SetpointOverride(16.0, constant=False, accepted=False)
    assert _apply(state, "A40091000") == [True]
    assert state.setpoint_override == SetpointOverride(16.0, False, accepted=True)
    assert _apply(state, "AC0640001") == [True]  # id 100 LB 0x01: constant
    assert state.setpoint_override.constant is True
    assert _apply(state, "A4009123B") == [True]
    assert state.setpoint_override.setpoint == 18.23
    assert _apply(state, "AC0090000") == [True]
    assert state.setpoint_override is None


def test_summary_fills_both_sides_and_skips_zeros() -> None:
    summary = parse_summary(
        "00000000/00000000,20.00,00000011/00000011,100.00,0/0,19.00,0.00,1.10,20.70,29.80,"
        "0.00,17.80,0.00,65/40,66/20,50.00,30.00,4328,5264,2064,3520,618,684,5404,113"
    )
    assert isinstance(summary, Summary)
    state = GatewayState()
    assert state.apply_summary(summary)
    assert state.room_temperature == 20.7
    assert state.thermostat[16] == 19.0
    assert state.dhw_setpoint_bounds == (40, 65)
    assert state.water_pressure == 1.1
    assert state.return_temperature is None  # 0.00: the thermostat never asked id 28
    assert state.burner_starts == 4328
    assert not state.apply_summary(summary)


@given(st.lists(st.tuples(st.sampled_from("TBRAE"), st.integers(0, 0xFFFFFFFF)), max_size=50))
@settings(max_examples=200, deadline=None)
def test_any_frames_never_break_the_state(frames: list[tuple[str, int]]) -> None:
    state = GatewayState()
    for letter, raw in frames:
        state.apply(Frame(Source(letter), raw))
    _ = (
        state.flame,
        state.heating,
        state.dhw_setpoint_bounds,
        state.ch_setpoint_bounds,
        state.room_temperature,
        state.oem_fault_code,
        state.burner_hours,
        state.dhw_present,
    )
    assert all(not (116 <= key <= 123 and value == 0xFFFF) for key, value in state.boiler.items())


def test_answer_refusing_a_thermostat_write_keeps_the_thermostat_value() -> None:
    # rvdbreemen/OTGW-firmware #677: the gateway wrote 0.00 to the boiler in place of the
    # thermostat's room temperature, then answered the thermostat Unknown-DataId with the
    # thermostat's own value. The room temperature is still the thermostat's 23.91.
    state = GatewayState()
    assert _apply(state, "T901817E8", "R90180000", "B50180000", "AF01817E8") == [
        True,
        True,
        False,
        False,
    ]
    assert state.room_temperature == pytest.approx(23.91, abs=0.005)
    assert state.value(24, Side.BOILER) == 0.0
    # A refusal of a value the thermostat read (not wrote) still drops it.
    assert _apply(state, "T801B0000", "AC01B0500", "T801B0000", "AF01B0000") == [
        False,
        True,
        False,
        True,
    ]
    assert state.outside_temperature is None


def test_gateway_ack_of_an_unsupported_write_keeps_the_thermostat_setpoint() -> None:
    # rvdbreemen/OTGW-firmware #82: the boiler does not know id 16, the gateway acks the
    # thermostat's room setpoint 19.50 with 0.00. The thermostat's setpoint is 19.50.
    state = GatewayState()
    assert _apply(state, "T10101380", "B70100000", "AD0100000") == [True, False, False]
    assert state.room_setpoint == 19.5
    assert 16 in state.unsupported
    # The thermostat's next write still counts, and so does an answer to a read.
    assert _apply(state, _line("T", MsgType.WRITE_DATA, 16, 0x1400), "AD0100000") == [True, False]
    assert state.room_setpoint == 20.0
    read = _line("T", MsgType.READ_DATA, 16, 0)
    assert _apply(state, read, _line("A", MsgType.READ_ACK, 16, 0x1500)) == [False, True]
    assert state.room_setpoint == 21.0
