"""A household behind a smart meter: load, PV, three phases and counters that only grow.

The model knows nothing about wire formats; it yields `MeterReading`s in physical
units that the meter simulator encodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
import random

NOMINAL_VOLTAGE = 230.0
STEP_SECONDS = 10.0  # integration step; readings are exact sums of these steps
PHASE_SHARE = (0.45, 0.30, 0.25)  # how the house wiring spreads the base load
PHASE_VOLTAGE_OFFSET = (1.2, -0.8, 0.4)
LOAD_POWER_FACTOR = 0.96
DRIFT_WEIGHT = 0.98


@dataclass(frozen=True, slots=True)
class PhaseReading:
    voltage: float
    """V"""
    current: float
    """A"""
    power_import: int
    """W drawn from the grid on this phase"""
    power_export: int
    """W fed into the grid on this phase"""


@dataclass(frozen=True, slots=True)
class MeterReading:
    """What the meter shows at one instant, in physical units."""

    time: datetime
    energy_import_tariff: tuple[float, float]
    """Wh imported in tariff 1 (low: nights and weekends) and tariff 2 (normal)."""
    energy_export_tariff: tuple[float, float]
    reactive_energy_import: float
    """varh, inductive"""
    reactive_energy_export: float
    """varh, capacitive"""
    phases: tuple[PhaseReading, PhaseReading, PhaseReading]
    reactive_power_import: int
    """var"""
    reactive_power_export: int
    power_factor: float
    frequency: float
    gas: float
    """m3"""
    gas_time: datetime
    """when the gas meter last reported (every 5 minutes, as DSMR meters do)"""
    tariff: int

    @property
    def energy_import(self) -> float:
        return sum(self.energy_import_tariff)

    @property
    def energy_export(self) -> float:
        return sum(self.energy_export_tariff)

    @property
    def power_net(self) -> int:
        """W, positive when importing: the meter balances the phases."""
        return sum(phase.power_import - phase.power_export for phase in self.phases)

    @property
    def power_import(self) -> int:
        return max(self.power_net, 0)

    @property
    def power_export(self) -> int:
        return max(-self.power_net, 0)


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2) / 2)


def _summer(when: datetime) -> float:
    """0 at the winter solstice, 1 at the summer solstice."""
    day = when.timetuple().tm_yday
    return 0.5 + 0.5 * math.cos(2 * math.pi * (day - 172) / 365.25)


def tariff_at(when: datetime) -> int:
    """Tariff 1 (low) at night and at weekends, tariff 2 (normal) on weekday daytime."""
    if when.isoweekday() >= 6 or when.hour >= 21 or when.hour < 7:
        return 1
    return 2


@dataclass(slots=True)
class _Appliance:
    end: datetime
    watts: tuple[float, float, float]


class HouseholdModel:
    """A deterministic (given a seed) household day with PV on the roof."""

    def __init__(
        self,
        start: datetime,
        *,
        seed: int | None = None,
        pv_peak: float = 4500.0,
        energy_import: float = 4_215_000.0,
        energy_export: float = 1_380_000.0,
        gas: float = 2_345.0,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (the meter's local time)")
        self._rng = random.Random(seed)
        self.time = start
        self.pv_peak = pv_peak
        # Tariff 1 gets ~40% of a year's energy in a typical household.
        self._import = [energy_import * 0.4, energy_import * 0.6]
        self._export = [energy_export * 0.3, energy_export * 0.7]
        self._reactive_import = energy_import * 0.08
        self._reactive_export = energy_export * 0.02
        self._gas = gas
        self._gas_report = (
            gas,
            start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0),
        )
        self._clouds = 0.85
        self._grid_drift = 0.0
        self._appliances: list[_Appliance] = []

    # --- physics ------------------------------------------------------------------

    def _household_load(self, when: datetime) -> list[float]:
        hour = when.hour + when.minute / 60 + when.second / 3600
        fridge = 90.0 if (when.timestamp() % 2400) < 900 else 0.0
        spread = (
            170.0
            + fridge
            + 350.0 * _bump(hour, 7.2, 0.7)
            + 250.0 * _bump(hour, 12.5, 1.0)
            + 1000.0 * _bump(hour, 19.2, 1.6)
        )
        load = [spread * share for share in PHASE_SHARE]
        for appliance in self._appliances:
            load = [a + b for a, b in zip(load, appliance.watts, strict=True)]
        return load

    def _pv_power(self, when: datetime) -> float:
        summer = _summer(when)
        day_length = 8.5 + 7.5 * summer  # hours of useful sun, December to June
        solar_noon = 12.5 + (1.0 if when.dst() else 0.0)
        hour = when.hour + when.minute / 60
        daylight = math.cos(math.pi * (hour - solar_noon) / day_length)
        if daylight <= 0 or abs(hour - solar_noon) > day_length / 2:
            return 0.0
        return self.pv_peak * (0.4 + 0.6 * summer) * math.pow(daylight, 1.3) * self._clouds

    def _start_appliances(self, when: datetime, seconds: float) -> None:
        self._appliances = [a for a in self._appliances if a.end > when]
        hour = when.hour
        rng = self._rng
        kettle_per_hour = 0.8 if 6 <= hour < 9 else 0.3 if 9 <= hour < 22 else 0.0
        if rng.random() < kettle_per_hour * seconds / 3600:
            self._appliances.append(_Appliance(when + timedelta(minutes=3), (2000.0, 0.0, 0.0)))
        oven_per_hour = 0.6 if 17 <= hour < 19 else 0.0
        if rng.random() < oven_per_hour * seconds / 3600:
            self._appliances.append(_Appliance(when + timedelta(minutes=40), (800.0,) * 3))
        washer_per_hour = 0.15 if 9 <= hour < 16 else 0.0
        if rng.random() < washer_per_hour * seconds / 3600:
            self._appliances.append(_Appliance(when + timedelta(minutes=50), (0.0, 1900.0, 0.0)))

    def _phase_powers(self, when: datetime) -> tuple[list[float], list[float]]:
        """Net active (W, + = import) and reactive (var) power per phase."""
        load = self._household_load(when)
        pv_share = self._pv_power(when) / 3
        tan_phi = math.tan(math.acos(LOAD_POWER_FACTOR))
        active = [p - pv_share for p in load]
        reactive = [p * tan_phi - 0.05 * pv_share for p in load]
        return active, reactive

    def _integrate(self, seconds: float) -> None:
        midpoint = self.time + timedelta(seconds=seconds / 2)
        self._start_appliances(midpoint, seconds)
        self._clouds = min(1.0, max(0.35, self._clouds + self._rng.gauss(0, 0.01)))
        active, reactive = self._phase_powers(midpoint)
        hours = seconds / 3600
        net = sum(active)
        tariff = tariff_at(midpoint) - 1
        if net >= 0:
            self._import[tariff] += net * hours
        else:
            self._export[tariff] -= net * hours
        q = sum(reactive)
        if q >= 0:
            self._reactive_import += q * hours
        else:
            self._reactive_export -= q * hours
        hour = midpoint.hour + midpoint.minute / 60
        heating = 1.0 - 0.85 * _summer(midpoint)
        gas_per_hour = 0.05 + heating * (0.5 * _bump(hour, 6.8, 0.8) + 0.7 * _bump(hour, 19.0, 2.0))
        self._gas += gas_per_hour * hours
        self.time += timedelta(seconds=seconds)
        if self.time.minute % 5 == 0 and self.time - self._gas_report[1] >= timedelta(minutes=5):
            report_time = self.time.replace(second=0, microsecond=0)
            self._gas_report = (self._gas, report_time)

    # --- public API ---------------------------------------------------------------

    def advance_to(self, when: datetime) -> None:
        """Integrate energies up to `when`; earlier times are ignored (counters never rewind)."""
        remaining = (when - self.time).total_seconds()
        while remaining > 0:
            step = min(STEP_SECONDS, remaining)
            self._integrate(step)
            remaining -= step

    def reading(self) -> MeterReading:
        """The meter's display now: counters as integrated, instantaneous values with noise."""
        when = self.time
        rng = self._rng
        active, reactive = self._phase_powers(when)
        self._grid_drift = DRIFT_WEIGHT * self._grid_drift + rng.gauss(0, 0.3)
        phases = []
        apparent_total = 0.0
        for p, q, offset in zip(active, reactive, PHASE_VOLTAGE_OFFSET, strict=True):
            flicker = p + rng.gauss(0, 4.0)
            voltage = NOMINAL_VOLTAGE + offset + self._grid_drift - 0.004 * flicker
            voltage += rng.gauss(0, 0.15)
            apparent = math.hypot(flicker, q)
            apparent_total += apparent
            watts = round(flicker)
            phases.append(
                PhaseReading(
                    voltage=voltage,
                    current=apparent / voltage,
                    power_import=max(watts, 0),
                    power_export=max(-watts, 0),
                )
            )
        net = sum(ph.power_import - ph.power_export for ph in phases)
        q_total = round(sum(reactive))
        power_factor = min(1.0, abs(net) / apparent_total) if apparent_total else 1.0
        return MeterReading(
            time=when,
            energy_import_tariff=(self._import[0], self._import[1]),
            energy_export_tariff=(self._export[0], self._export[1]),
            reactive_energy_import=self._reactive_import,
            reactive_energy_export=self._reactive_export,
            phases=(phases[0], phases[1], phases[2]),
            reactive_power_import=max(q_total, 0),
            reactive_power_export=max(-q_total, 0),
            power_factor=power_factor,
            frequency=50.0 + max(-0.06, min(0.06, rng.gauss(0, 0.015))),
            gas=self._gas_report[0],
            gas_time=self._gas_report[1],
            tariff=tariff_at(when),
        )
