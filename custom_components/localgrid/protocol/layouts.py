"""Payload layout knowledge as data: positional lists and implicit units per maker.

Self-describing layouts (OBIS codes on the wire) need no table; these cover what the
wire leaves out. Sources are public operator documents and captures (see each entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Slot:
    """What one position of a positional list holds."""

    code: str
    """Standard OBIS code of the quantity."""
    exponent: int = 0
    """The raw integer is in units of 10^exponent x `unit`."""
    unit: str = ""
    """Unit as sent (normalised on decoding: Wh -> kWh ...)."""


@dataclass(frozen=True, slots=True)
class PositionalLayout:
    """A list without OBIS codes, recognised by the kinds of its elements."""

    name: str
    kinds: str
    """One letter per element: i integer, s 16-bit integer (long or long-unsigned as sent),
    o string (octet or visible), t 12-byte date-time octet-string, * anything."""
    slots: tuple[Slot | None, ...]
    head: bytes | None = None
    """Element 0 must be exactly these bytes (an OBIS code naming the list)."""


LIST_NAME = "1-0:0.2.129"
"""Where a list's own name or version goes (NVE list version id, e.g. AIDON_V0001)."""
_METER_ID = Slot("0-0:96.1.0")
_CLOCK = Slot("0-0:1.0.0")
_P_IN, _P_OUT = Slot("1-0:1.7.0", 0, "W"), Slot("1-0:2.7.0", 0, "W")
_Q_IN, _Q_OUT = Slot("1-0:3.7.0", 0, "var"), Slot("1-0:4.7.0", 0, "var")
_A_IN, _A_OUT = Slot("1-0:1.8.0", 0, "Wh"), Slot("1-0:2.8.0", 0, "Wh")
_R_IN, _R_OUT = Slot("1-0:3.8.0", 0, "varh"), Slot("1-0:4.8.0", 0, "varh")
_PHASE_V = ("1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0")
_PHASE_I = ("1-0:31.7.0", "1-0:51.7.0", "1-0:71.7.0")


def _volts(exponent: int, phases: int = 3) -> tuple[Slot, ...]:
    return tuple(Slot(code, exponent, "V") for code in _PHASE_V[:phases])


def _amps(exponent: int, phases: int = 3) -> tuple[Slot, ...]:
    return tuple(Slot(code, exponent, "A") for code in _PHASE_I[:phases])


def _phase_powers(phases: int) -> tuple[Slot, ...]:
    imports = ("1-0:21.7.0", "1-0:41.7.0", "1-0:61.7.0")[:phases]
    exports = ("1-0:22.7.0", "1-0:42.7.0", "1-0:62.7.0")[:phases]
    return tuple(Slot(code, 0, "W") for code in (*imports, *exports))


_ISKRA_SI_HEAD = (Slot("0-0:42.0.0"), _METER_ID, _P_IN, _P_OUT, _Q_IN, _Q_OUT)

# Norwegian Kaifa (NVE HAN) lists: current in mA, voltage in 0.1 V, energy in Wh.
_KAIFA_HEAD = (Slot("1-0:0.2.129"), _METER_ID, Slot("0-0:96.1.7"), _P_IN, _P_OUT, _Q_IN, _Q_OUT)
_KAIFA_ENERGY = (_CLOCK, _A_IN, _A_OUT, _R_IN, _R_OUT)

POSITIONAL_LAYOUTS: tuple[PositionalLayout, ...] = (
    # Netz Burgenland L+G E450 (amsreader #501): U1-3 [V], I1-3 [0.01 A], P+ P- [W],
    # A+ A- [Wh], three undocumented registers, meter number.
    PositionalLayout(
        "lg_e450_netz_burgenland",
        "iiiiiiiiiiiiio",
        (*_volts(0), *_amps(-2), _P_IN, _P_OUT, _A_IN, _A_OUT, None, None, None, _METER_ID),
    ),
    # The same E450 list without the three extra registers (Tasmota issue 23027).
    PositionalLayout(
        "lg_e450_11",
        "iiiiiiiiiio",
        (*_volts(0), *_amps(-2), _P_IN, _P_OUT, _A_IN, _A_OUT, _METER_ID),
    ),
    # Wiener Netze L+G E450: clock, A+ A- R+ R- [Wh, varh], P+ P- Q+ Q- [W, var].
    PositionalLayout(
        "lg_e450_wiener_netze",
        "tiiiiiiii",
        (_CLOCK, _A_IN, _A_OUT, _R_IN, _R_OUT, _P_IN, _P_OUT, _Q_IN, _Q_OUT),
    ),
    # The same list behind the logical device name (SMS + serial: the meter's id) on
    # Siemens IM150/IM350 of Wiener Netze (bernikr/esphome-wienernetze-im150-smartmeter
    # reads its last eight registers as A+ A- R+ R- P+ P- Q+ Q-).
    PositionalLayout(
        "siemens_im350_wiener_netze",
        "otiiiiiiii",
        (
            Slot("0-0:42.0.0"),
            *(_CLOCK, _A_IN, _A_OUT, _R_IN, _R_OUT, _P_IN, _P_OUT, _Q_IN, _Q_OUT),
        ),
    ),
    # Slovenian IDIS E450 / Iskra AM550 instantaneous list: id, P+ P- Q+ Q-, A+ A- R+ R-.
    PositionalLayout(
        "idis_si_list1",
        "oiiiiiiii",
        (_METER_ID, _P_IN, _P_OUT, _Q_IN, _Q_OUT, _A_IN, _A_OUT, _R_IN, _R_OUT),
    ),
    # Its second list, pushed in turn with it (L+G E450 ZMXi3, amsreader test payload
    # landis-gyr/em-si2026-2, registers checked against the operator's push object list):
    # utility serial, frequency [Hz], I1-3 [0.01 A], U1-3 [V] as long-unsigned, then P+
    # and P- per phase [W].
    PositionalLayout(
        "idis_si_list2",
        "osssssssiiiiii",
        (
            Slot("0-0:96.1.1"),
            Slot("1-0:14.7.0", 0, "Hz"),
            *_amps(-2),
            *_volts(0),
            *_phase_powers(3),
        ),
    ),
    # Iskraemeco AM550 list named by its push setup 0-6:25.9.0 (Austrian operators): the
    # meter number (ASCII digits), time and date as short octet-strings, A+ A- R+ R- [Wh,
    # varh], P+ P- [W], two trailing elements.
    PositionalLayout(
        "iskra_am550_push_25_9",
        "o***********",
        (None, _METER_ID, None, None, _A_IN, _A_OUT, _R_IN, _R_OUT, _P_IN, _P_OUT, None, None),
        head=bytes((0, 6, 25, 9, 0, 255)),
    ),
    # Siemens IM350 list of the same push setup (eww / E-Werk Wels, xeniter/
    # eww_ewerk_wels_smartmeter_readout): push id, meter number, time and date as short
    # octet-strings, then A+ A- R+ R- [Wh, varh], P+ P- [W].
    PositionalLayout(
        "siemens_im350_push_25_9",
        "o***iiiiii",
        (None, _METER_ID, None, None, _A_IN, _A_OUT, _R_IN, _R_OUT, _P_IN, _P_OUT),
        head=bytes((0, 6, 25, 9, 0, 255)),
    ),
    # Slovenian Iskraemeco AM550 instantaneous list (Elektro Ljubljana, amsreader #615,
    # #869, #956): logical device name, meter number, P+ P- Q+ Q-, U [0.1 V], I [0.01 A],
    # P+ and P- per phase; three-phase and single-phase.
    PositionalLayout(
        "iskra_am550_si_instantaneous_3p",
        "ooiiiissssssiiiiii",
        (*_ISKRA_SI_HEAD, *_volts(-1), *_amps(-2), *_phase_powers(3)),
    ),
    PositionalLayout(
        "iskra_am550_si_instantaneous_1p",
        "ooiiiissii",
        (*_ISKRA_SI_HEAD, *_volts(-1, 1), *_amps(-2, 1), *_phase_powers(1)),
    ),
    # A nine-element single-phase variant of the same list (amsreader #869, meter
    # ISK1020784605887): no current, the voltage follows the power quartet. amsreader
    # reads the two trailing double-long-unsigned registers as A- T1 and T2, which no
    # capture confirms (both zero in every one), so they stay unread.
    PositionalLayout(
        "iskra_am550_si_instantaneous_1p_no_current",
        "ooiiiisii",
        (*_ISKRA_SI_HEAD, *_volts(-1, 1), None, None),
    ),
    # Its 15-minute energy list (amsreader #615, #956; node-dsmr-parser "ECE list 2"):
    # logical device name, meter number (empty on some meters), breaker state (enum or
    # boolean), tariff (octet-string 00 0n), A+ total T1 T2, A- total T1 T2 [Wh], R+ R-
    # [varh] (totals = T1 + T2 in every capture).
    PositionalLayout(
        "iskra_am550_si_energy",
        "oo*oiiiiiiii",
        (
            Slot("0-0:42.0.0"),
            _METER_ID,
            None,
            Slot("0-0:96.14.0"),
            _A_IN,
            Slot("1-0:1.8.1", 0, "Wh"),
            Slot("1-0:1.8.2", 0, "Wh"),
            _A_OUT,
            Slot("1-0:2.8.1", 0, "Wh"),
            Slot("1-0:2.8.2", 0, "Wh"),
            _R_IN,
            _R_OUT,
        ),
    ),
    # Slovenian Iskraemeco AM550 list of Elektro Celje (amsreader #615 "UP_3f"): logical
    # device name, list name, U [0.1 V], I [0.01 A] as long-unsigned, then the power
    # quartet P+ P- Q+ Q- [W, var] in the order of the Ljubljana list.
    PositionalLayout(
        "iskra_am550_si_celje",
        "oossssssiiii",
        (
            Slot("0-0:42.0.0"),
            Slot(LIST_NAME),
            *_volts(-1),
            *_amps(-2),
            _P_IN,
            _P_OUT,
            _Q_IN,
            _Q_OUT,
        ),
    ),
    # Norwegian Kaifa list 1 (2 s): active power import only.
    PositionalLayout("kaifa_no_list1", "i", (_P_IN,)),
    # Norwegian Kaifa list 2, three-phase and single-phase.
    PositionalLayout(
        "kaifa_no_list2_3p",
        "oooiiiiiiiiii",
        (*_KAIFA_HEAD, *_amps(-3), *_volts(-1)),
    ),
    PositionalLayout(
        "kaifa_no_list2_1p",
        "oooiiiiii",
        (*_KAIFA_HEAD, *_amps(-3, 1), *_volts(-1, 1)),
    ),
    # Norwegian Kaifa list 3 (hourly): list 2 plus clock and energy registers.
    PositionalLayout(
        "kaifa_no_list3_3p",
        "oooiiiiiiiiiitiiii",
        (*_KAIFA_HEAD, *_amps(-3), *_volts(-1), *_KAIFA_ENERGY),
    ),
    PositionalLayout(
        "kaifa_no_list3_1p",
        "oooiiiiiitiiii",
        (*_KAIFA_HEAD, *_amps(-3, 1), *_volts(-1, 1), *_KAIFA_ENERGY),
    ),
)

# Register values sent with an OBIS code but without scaler/unit: the power of ten the
# maker uses per quantity kind (default 0: Wh, varh, W, var, V, A as listed in obis.py).
# Maker = first three letters of the system title, logical device name or list version.
IMPLICIT_EXPONENTS: Mapping[str, Mapping[str, int]] = {
    # Kamstrup Omnipower (NVE list, Norway): energy 0.01 kWh, current 0.01 A, voltage 1 V.
    # Swedish Kamstrup firmware sends energy in Wh: not tellable from the data.
    # Power factor in hundredths (1-1:13.7.0 = 99 on a Swiss Omnipower, amsreader #350).
    "KAM": {"energy": 1, "reactive_energy": 1, "current": -2, "power_factor": -2},
    # Kaifa lists with OBIS codes but no scalers (KFM_001, Swedish MA304): the units of
    # the Norwegian positional lists, current in mA and voltage in 0.1 V.
    "KFM": {"voltage": -1, "current": -3},
    # L+G E450 (VSE 2026 and Cyprus push lists): current 0.01 A, voltage 1 V, power factor
    # 0.001 (286 with P 187 W, Q 622 var).
    "LGZ": {"current": -2, "power_factor": -3},
    # Iskraemeco AM550 (VSE 2026 push lists): voltage 0.1 V, current 0.01 A.
    "ISK": {"voltage": -1, "current": -2},
}

STANDARD_TIME_MAKERS = frozenset({"KAM"})
"""Makers whose clocks run on local standard time all year, sent without deviation: their
times are read as the zone's standard time, not its summer time. Kamstrup: a Norwegian
list 2 published with the time it was received (AmsToMqttBridge's Kamstrup sample,
received 04:43:32 CEST, clock 03:43:30) and an NTP-checked capture (amsreader-firmware
pull request 1227: summer clock 21:14 at 20:14 UTC); the DST bit some send is not
followed by the clock (amsreader, same pull request)."""

PUSH_LIST_EXPONENTS: Mapping[str, int] = {"current": -2, "power_factor": -3}
"""Push-object lists (layout 4) of a maker the telegram does not name (no system title,
no logical device name: plaintext L+G E450 pushes). Every maker known to send them
(L+G E450/E570, Iskraemeco AM550) gives current in 0.01 A; voltage differs between them,
so it stays unscaled; power factor as the E450 sends it."""
