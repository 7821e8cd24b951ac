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
