"""The meter's sensors: one per quantity the meter sends, plus its statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfReactiveEnergy,
    UnitOfReactivePower,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import MeterEntity
from .meter_coordinator import MeterConfigEntry, MeterCoordinator, MeterValue


def _energy(key: str) -> SensorEntityDescription:
    return SensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=3,
    )


def _reactive_energy(key: str) -> SensorEntityDescription:
    return SensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.REACTIVE_ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfReactiveEnergy.KILO_VOLT_AMPERE_REACTIVE_HOUR,
        suggested_display_precision=3,
        entity_registry_enabled_default=False,
    )


def _measurement(
    key: str,
    device_class: SensorDeviceClass,
    unit: str | None,
    precision: int,
    *,
    enabled: bool = True,
) -> SensorEntityDescription:
    return SensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=unit,
        suggested_display_precision=precision,
        entity_registry_enabled_default=enabled,
    )


def _volume(key: str, device_class: SensorDeviceClass) -> SensorEntityDescription:
    return SensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
    )


_W = UnitOfPower.WATT
_POWER = SensorDeviceClass.POWER
_PHASES = (1, 2, 3)

# By quantity key, which is also the translation key (a contract: outside checks use it).
READING_SENSORS: dict[str, SensorEntityDescription] = {
    description.key: description
    for description in (
        _energy("energy_import"),
        _energy("energy_export"),
        _energy("energy_import_tariff_1"),
        _energy("energy_import_tariff_2"),
        _energy("energy_export_tariff_1"),
        _energy("energy_export_tariff_2"),
        _reactive_energy("reactive_energy_import"),
        _reactive_energy("reactive_energy_export"),
        _measurement("power_import", _POWER, _W, 0),
        _measurement("power_export", _POWER, _W, 0),
        _measurement("power_net", _POWER, _W, 0),
        *(_measurement(f"power_import_l{n}", _POWER, _W, 0) for n in _PHASES),
        *(_measurement(f"power_export_l{n}", _POWER, _W, 0, enabled=False) for n in _PHASES),
        *(
            _measurement(
                f"voltage_l{n}", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1
            )
            for n in _PHASES
        ),
        *(
            _measurement(
                f"current_l{n}", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 2
            )
            for n in _PHASES
        ),
        _measurement("power_factor", SensorDeviceClass.POWER_FACTOR, None, 3),
        _measurement("frequency", SensorDeviceClass.FREQUENCY, UnitOfFrequency.HERTZ, 2),
        _measurement(
            "reactive_power_import",
            SensorDeviceClass.REACTIVE_POWER,
            UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
            0,
            enabled=False,
        ),
        _measurement(
            "reactive_power_export",
            SensorDeviceClass.REACTIVE_POWER,
            UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
            0,
            enabled=False,
        ),
        _volume("gas_consumption", SensorDeviceClass.GAS),
        _volume("water_consumption", SensorDeviceClass.WATER),
        SensorEntityDescription(
            key="meter_timestamp",
            translation_key="meter_timestamp",
            device_class=SensorDeviceClass.TIMESTAMP,
            entity_category=EntityCategory.DIAGNOSTIC,
        ),
    )
}


@dataclass(frozen=True, kw_only=True)
class MeterStatisticDescription(SensorEntityDescription):
    """A figure about the meter's data stream rather than about energy."""

    value_fn: Callable[[MeterCoordinator], MeterValue | int | None]


STATISTIC_SENSORS = (
    MeterStatisticDescription(
        key="frame_counter",
        translation_key="frame_counter",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda c: c.latest.telegram.frame_counter if c.latest else None,
    ),
    MeterStatisticDescription(
        key="telegrams_decoded",
        translation_key="telegrams_decoded",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda c: c.telegrams_decoded,
    ),
    MeterStatisticDescription(
        key="frames_rejected",
        translation_key="frames_rejected",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda c: c.frames_rejected,
    ),
    MeterStatisticDescription(
        key="last_error",
        translation_key="last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda c: c.last_error[:255] if c.last_error else None,
    ),
)


async def async_setup_meter_sensors(
    hass: HomeAssistant,
    entry: MeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the statistics now and a reading sensor for each quantity once the meter sends it."""
    coordinator = entry.runtime_data
    async_add_entities(MeterStatisticSensor(coordinator, d) for d in STATISTIC_SENSORS)
    added: set[str] = set()

    @callback
    def add_new_readings() -> None:
        if coordinator.data is None:
            return
        new = [
            key for key in coordinator.data.values if key in READING_SENSORS and key not in added
        ]
        if new:
            added.update(new)
            async_add_entities(_reading_sensor(coordinator, READING_SENSORS[key]) for key in new)

    add_new_readings()
    entry.async_on_unload(coordinator.async_add_listener(add_new_readings))


class MeterReadingSensor(MeterEntity, SensorEntity):
    """A quantity the meter measures."""

    def __init__(self, coordinator: MeterCoordinator, description: SensorEntityDescription) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> MeterValue | None:
        """The latest accepted reading."""
        return self.coordinator.data.values.get(self.entity_description.key)

    @property
    def available(self) -> bool:
        """Unavailable when the meter went quiet or stopped sending this quantity."""
        return super().available and self.entity_description.key in self.coordinator.data.values


class MeterTotalSensor(MeterReadingSensor, RestoreSensor):
    """A running total: its last value is kept over a restart, where the coordinator's
    plausibility check starts from it (MeterCoordinator._restore_totals)."""


def _reading_sensor(
    coordinator: MeterCoordinator, description: SensorEntityDescription
) -> MeterReadingSensor:
    if description.state_class is SensorStateClass.TOTAL_INCREASING:
        return MeterTotalSensor(coordinator, description)
    return MeterReadingSensor(coordinator, description)


class MeterStatisticSensor(MeterEntity, SensorEntity):
    """A figure about the data stream; available while the entry runs, even without telegrams."""

    entity_description: MeterStatisticDescription

    def __init__(
        self, coordinator: MeterCoordinator, description: MeterStatisticDescription
    ) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> MeterValue | int | None:
        """The figure."""
        return self.entity_description.value_fn(self.coordinator)

    @property
    def available(self) -> bool:
        """Always: these figures explain why the readings are unavailable."""
        return True
