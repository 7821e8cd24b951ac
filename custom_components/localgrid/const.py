"""Constants of the LocalGrid integration."""

from typing import Final

DOMAIN: Final = "localgrid"

# Which kind of device a config entry talks to.
CONF_DEVICE_KIND: Final = "device_kind"
DEVICE_KIND_METER: Final = "meter"
DEVICE_KIND_THERMOSTAT: Final = "thermostat"

# Meter entry data.
CONF_PORT: Final = "port"
CONF_SERIAL_NUMBER: Final = "serial_number"
CONF_ENCRYPTION_KEY: Final = "encryption_key"
CONF_AUTHENTICATION_KEY: Final = "authentication_key"

# Meter serial settings found by the config flow (absent for network bridges).
CONF_BAUDRATE: Final = "baudrate"
CONF_BYTE_SIZE: Final = "byte_size"
CONF_PARITY: Final = "parity"

# Meter options: write entity states at most once every N seconds (0: every telegram).
CONF_STATE_INTERVAL: Final = "state_interval"
DEFAULT_STATE_INTERVAL: Final = 0

ISSUE_METER_DECRYPTION_FAILED: Final = "meter_decryption_failed"

# Thermostat options: how the room setpoint override is held (TT temporary, TC constant).
CONF_OVERRIDE_MODE: Final = "override_mode"
OVERRIDE_TEMPORARY: Final = "temporary"
OVERRIDE_CONSTANT: Final = "constant"
