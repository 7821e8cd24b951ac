"""The push coordinator of a thermostat entry: owns the OpenTherm Gateway connection.

It opens the port (serial 9600 8N1, or a `socket://` bridge), runs the protocol
client, reconnects with backoff, publishes every state change, and holds the
overrides Home Assistant set: re-applied after a reconnect or a gateway reset,
released on unload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryNotReady,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import serialx

from .const import CONF_OVERRIDE_MODE, CONF_PORT, DOMAIN, OVERRIDE_CONSTANT
from .protocol.otgw_client import (
    CommandError,
    GatewayConnectionError,
    GatewayInfo,
    GatewayTimeoutError,
    HotWaterMode,
    OTGWClient,
    OTGWError,
)
from .protocol.otgw_state import GatewayState

_LOGGER = logging.getLogger(__name__)

# Module-level so tests can shorten them.
BAUDRATE = 9600
CONNECT_TIMEOUT = 10.0
"""Seconds for opening the port and the start-up commands together."""
COMMAND_TIMEOUT = 3.0
SILENCE_TIMEOUT = 10.0
"""A gateway prints about two lines a second; this long without one, it is probed."""
RECONNECT_MIN = 1.0
RECONNECT_MAX = 60.0
OVERRIDE_CHECK_INTERVAL = 60.0
"""How often the held overrides are compared with what the gateway says it holds."""

# Room setpoints a thermostat accepts (OpenTherm has no bounds message for them).
ROOM_SETPOINT_MIN = 5.0
ROOM_SETPOINT_MAX = 30.0
# Hot water bounds until the boiler reports its own (data-id 48).
DHW_SETPOINT_MIN = 40.0
DHW_SETPOINT_MAX = 65.0

GATEWAY_DEVICE = "gateway"

type GatewayConfigEntry = ConfigEntry[GatewayCoordinator]
type Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def device_identifiers(entry: ConfigEntry, device: str) -> set[tuple[str, str]]:
    """Device registry identifiers of the entry's gateway, boiler or thermostat."""
    return {(DOMAIN, f"{entry.entry_id}_{device}")}


def port_opener(port: str) -> Callable[[], Awaitable[Stream]]:
    """How the client opens the gateway's port: 9600 8N1, or a network bridge's URL."""

    async def open_port() -> Stream:
        try:
            return await serialx.open_serial_connection(url=port, baudrate=BAUDRATE)
        except (serialx.SerialException, ValueError) as err:
            raise OSError(f"cannot open {port}: {err}") from err

    return open_port


def create_client(opener: Callable[[], Awaitable[Stream]], attempts: int = 3) -> OTGWClient:
    """A protocol client with this module's timing."""
    return OTGWClient(
        opener,
        command_timeout=COMMAND_TIMEOUT,
        attempts=attempts,
        silence_timeout=SILENCE_TIMEOUT,
    )


class GatewayProbeError(Exception):
    """The config flow's connection test failed; `error` is the form's error key."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


async def async_probe_gateway(port: str) -> GatewayInfo:
    """Open the port and ask the firmware version, as setup will; then let go of it."""
    open_port = port_opener(port)
    opened = False

    async def open_and_note() -> Stream:
        nonlocal opened
        stream = await open_port()
        opened = True
        return stream

    client = create_client(open_and_note, attempts=1)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await client.start()
    except GatewayConnectionError as err:
        raise GatewayProbeError("cannot_connect") from err
    except TimeoutError as err:
        # Stuck opening the port, or a device that opened but does not answer.
        error = "not_a_gateway" if opened else "cannot_connect"
        raise GatewayProbeError(error) from err
    except OTGWError as err:  # no reply, a refusal or a foreign banner
        raise GatewayProbeError("not_a_gateway") from err
    finally:
        await client.close(release=False)


class GatewayCoordinator(DataUpdateCoordinator[GatewayState]):
    """Publishes the gateway's state on each change; entities read `data` (a GatewayState)."""

    config_entry: GatewayConfigEntry

    def __init__(self, hass: HomeAssistant, entry: GatewayConfigEntry) -> None:
        """Prepare the coordinator; nothing is opened until async_start."""
        super().__init__(hass, _LOGGER, config_entry=entry, name=f"{DOMAIN} gateway {entry.title}")
        self.port: str = entry.data[CONF_PORT]
        self.constant_override = entry.options.get(CONF_OVERRIDE_MODE) == OVERRIDE_CONSTANT
        self.client = create_client(port_opener(self.port))
        self.data = self.client.state
        self.online = False
        self.gateway_device_id = ""  # set in async_start, before any entity exists
        self.reconnects = 0
        self.overrides_reapplied = 0
        # What Home Assistant asked the gateway to hold; None: nothing.
        self._room_setpoint: float | None = None
        self._hot_water: HotWaterMode | None = None
        self._runner: asyncio.Task[None] | None = None
        self._unsubs: list[Callable[[], None]] = []

    @property
    def firmware_version(self) -> str | None:
        return self.client.state.firmware

    # Life cycle

    async def async_start(self) -> None:
        """Connect and start the background work; raise ConfigEntryNotReady on failure."""
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await self.client.start()
        except (OTGWError, TimeoutError) as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"port": self.port},
            ) from err
        # The boiler and thermostat devices hang off the gateway, so it is registered first.
        self.gateway_device_id = (
            dr.async_get(self.hass)
            .async_get_or_create(
                config_entry_id=self.config_entry.entry_id,
                identifiers=device_identifiers(self.config_entry, GATEWAY_DEVICE),
                translation_key=GATEWAY_DEVICE,
                manufacturer="Schelte Bron",
                model="OpenTherm Gateway",
                sw_version=self.firmware_version,
            )
            .id
        )
        self._unsubs = [
            self.client.add_listener(self._state_changed),
            self.client.add_availability_listener(self._availability_changed),
        ]
        self.online = self.client.available
        self._runner = self.config_entry.async_create_background_task(
            self.hass, self._async_run(), f"{DOMAIN} gateway {self.port}"
        )

    async def async_stop(self) -> None:
        """Stop reconnecting, release the overrides Home Assistant set, close the port."""
        if self._runner is not None:
            self._runner.cancel()
            with suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []
        await self.client.close()

    @asynccontextmanager
    async def async_port_released(self) -> AsyncIterator[None]:
        """Let go of the port for a while (reconfigure tests it), then take it back."""
        if self._runner is not None:
            self._runner.cancel()
            with suppress(asyncio.CancelledError):
                await self._runner
        await self.client.close(release=False)
        try:
            yield
        finally:
            self._runner = self.config_entry.async_create_background_task(
                self.hass, self._async_run(), f"{DOMAIN} gateway {self.port}"
            )

    async def _async_run(self) -> None:
        """Reconnect whenever the connection goes; check the held overrides meanwhile."""
        while True:
            await self._async_hold_overrides_while_connected()
            delay = RECONNECT_MIN
            while True:
                await asyncio.sleep(delay)
                try:
                    async with asyncio.timeout(CONNECT_TIMEOUT):
                        await self.client.start()
                except (OTGWError, TimeoutError) as err:
                    _LOGGER.debug("Reconnecting to %s failed: %s", self.port, err)
                    delay = min(delay * 2, RECONNECT_MAX)
                    continue
                self.reconnects += 1
                break
            # The gateway may have been flashed meanwhile.
            dr.async_get(self.hass).async_update_device(
                self.gateway_device_id, sw_version=self.firmware_version
            )
            await self._async_reapply_overrides()

    async def _async_hold_overrides_while_connected(self) -> None:
        disconnected = asyncio.ensure_future(self.client.wait_disconnected())
        try:
            while not disconnected.done():
                await asyncio.wait({disconnected}, timeout=OVERRIDE_CHECK_INTERVAL)
                if not disconnected.done():
                    await self.async_check_overrides()
        finally:
            disconnected.cancel()

    @callback
    def _state_changed(self, state: GatewayState) -> None:
        # `data` is the client's state object itself: only tell the entities.
        self.async_update_listeners()

    @callback
    def _availability_changed(self, available: bool) -> None:
        # The client reports changes only, so each is logged once.
        self.online = available
        if available:
            _LOGGER.info("The OpenTherm Gateway at %s is available again", self.port)
        else:
            _LOGGER.info("The OpenTherm Gateway at %s is unavailable; reconnecting", self.port)
        self.async_update_listeners()

    # Overrides held for Home Assistant

    async def async_check_overrides(self) -> None:
        """Put back what the gateway lost (reset, power cut); let go what the user overrode."""
        if self._room_setpoint is None and self._hot_water is None:
            return
        client = self.client
        try:
            await client.refresh_overrides()
            if self._room_setpoint is not None and client.state.setpoint_override is None:
                await self._async_restore_room_setpoint()
            hot_water = self._hot_water
            if hot_water is not None and client.state.hot_water_override != hot_water.value:
                _LOGGER.info("The gateway lost the hot water override; setting it again")
                await client.set_hot_water(hot_water)
                self.overrides_reapplied += 1
        except OTGWError as err:
            _LOGGER.debug("Checking the overrides failed: %s", err)

    async def _async_restore_room_setpoint(self) -> None:
        """The gateway holds no room override although Home Assistant set one.

        A temporary override ends when the thermostat's program changes its setpoint:
        then the thermostat is right and the override is over. Otherwise (constant
        override, or the thermostat still at our setpoint) the gateway forgot it.
        """
        wanted = self._room_setpoint
        assert wanted is not None
        if not self.constant_override and self.client.state.room_setpoint != wanted:
            _LOGGER.info("The thermostat's program took over from the %.1f °C override", wanted)
            self._room_setpoint = None
            return
        _LOGGER.info("The gateway lost the %.1f °C room override; setting it again", wanted)
        await self.client.set_room_setpoint(wanted, constant=self.constant_override)
        self.overrides_reapplied += 1

    async def _async_reapply_overrides(self) -> None:
        """After a reconnect the gateway may have been reset: send what we hold again."""
        try:
            if self._room_setpoint is not None:
                await self.client.set_room_setpoint(
                    self._room_setpoint, constant=self.constant_override
                )
                self.overrides_reapplied += 1
            if self._hot_water is not None:
                await self.client.set_hot_water(self._hot_water)
                self.overrides_reapplied += 1
        except OTGWError as err:
            _LOGGER.debug("Re-applying the overrides failed: %s", err)

    # Commands from entities: the state shows a value only once the gateway confirmed it.

    async def async_set_room_setpoint(self, setpoint: float | None) -> None:
        """Hold a room setpoint through the gateway's override; None hands back to the program."""
        confirmed = await self._async_command(
            self.client.set_room_setpoint(setpoint or 0, constant=self.constant_override)
        )
        self._room_setpoint = confirmed or None

    async def async_set_dhw_setpoint(self, setpoint: float) -> None:
        """Set the boiler's hot water setpoint within its bounds."""
        low, high = self.client.state.dhw_setpoint_bounds or (DHW_SETPOINT_MIN, DHW_SETPOINT_MAX)
        if not low <= setpoint <= high:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="dhw_setpoint_out_of_range",
                translation_placeholders={
                    "setpoint": f"{setpoint:g}",
                    "min": f"{low:g}",
                    "max": f"{high:g}",
                },
            )
        await self._async_command(self.client.set_dhw_setpoint(setpoint))

    async def async_set_hot_water_mode(self, mode: HotWaterMode) -> None:
        """Force hot water on or off, or let the thermostat decide again."""
        confirmed = await self._async_command(self.client.set_hot_water(mode))
        self._hot_water = None if confirmed is HotWaterMode.THERMOSTAT else confirmed

    async def _async_command[T](self, command: Awaitable[T]) -> T:
        """Await a gateway command, turning its failure into a translated error."""
        try:
            return await command
        except CommandError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="gateway_refused",
                translation_placeholders={"command": err.command, "code": err.error.value},
            ) from err
        except GatewayTimeoutError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="gateway_timeout"
            ) from err
        except (GatewayConnectionError, OTGWError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="gateway_disconnected"
            ) from err

    # Diagnostics

    async def async_diagnostics(self) -> dict[str, Any]:
        """What a bug report needs: connection, counters, overrides and the raw state."""
        state = self.client.state
        return {
            "entry": {
                "port": self.port,
                "options": dict(self.config_entry.options),
            },
            "connection": {
                "online": self.online,
                "connected": self.client.connected,
                "reconnects": self.reconnects,
                "firmware": state.firmware,
                "banner": self.client.info.banner if self.client.info else None,
            },
            "lines": asdict(self.client.counters),
            "overrides": {
                "room_setpoint_held": self._room_setpoint,
                "hot_water_held": self._hot_water,
                "reapplied": self.overrides_reapplied,
                "gateway_room_setpoint": (
                    asdict(state.setpoint_override) if state.setpoint_override else None
                ),
                "gateway_hot_water": state.hot_water_override,
            },
            "thermostat": {str(key): value for key, value in sorted(state.thermostat.items())},
            "boiler": {str(key): value for key, value in sorted(state.boiler.items())},
            "unsupported_ids": sorted(state.unsupported),
        }
