"""The repair issue for a meter whose key changed, and its fix flow."""

from __future__ import annotations

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest

from custom_components.localgrid.const import CONF_AUTHENTICATION_KEY, CONF_ENCRYPTION_KEY, DOMAIN

from .conftest import MeterFactory
from .meter_common import KEY_HEX, meter_entry, wait_for

OLD_KEY = "0F1E2D3C4B5A69788796A5B4C3D2E1F0"


async def test_fix_flow_checks_the_new_key_on_the_meters_frames(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """Wrong format and wrong key are refused; the right key is stored and the entry reloads."""
    assert await async_setup_component(hass, "repairs", {})
    _, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url, **{CONF_ENCRYPTION_KEY: OLD_KEY})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    issues = ir.async_get(hass)
    issue_id = f"meter_decryption_failed_{entry.entry_id}"
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)
    assert issues.async_get_issue(DOMAIN, issue_id).is_fixable

    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, context={"issue_id": issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter_key"
    flow_id = result["flow_id"]
    result = await manager.async_configure(flow_id, {CONF_ENCRYPTION_KEY: "12"})
    assert result["errors"] == {"base": "invalid_key_format"}
    result = await manager.async_configure(
        flow_id, {CONF_ENCRYPTION_KEY: OLD_KEY[::-1], CONF_AUTHENTICATION_KEY: ""}
    )
    assert result["errors"] == {"base": "invalid_key"}
    result = await manager.async_configure(flow_id, {CONF_ENCRYPTION_KEY: KEY_HEX.lower()})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.data[CONF_ENCRYPTION_KEY] == KEY_HEX
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    await hass.async_block_till_done()
    coordinator = entry.runtime_data
    await wait_for(lambda: coordinator.data is not None)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("issue_id", "data", "outcome"),
    [
        ("meter_decryption_failed_gone", {"entry_id": "gone"}, FlowResultType.ABORT),
        ("something_else", None, FlowResultType.FORM),
    ],
)
async def test_fix_flow_without_a_meter(
    hass: HomeAssistant, issue_id: str, data: dict | None, outcome: FlowResultType
) -> None:
    """An issue of a removed entry aborts; other issues get a plain confirmation."""
    assert await async_setup_component(hass, "repairs", {})
    assert await async_setup_component(hass, DOMAIN, {})
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="meter_decryption_failed",
        data=data,
    )
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, context={"issue_id": issue_id})
    assert result["type"] is outcome
