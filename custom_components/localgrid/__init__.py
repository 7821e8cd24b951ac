"""LocalGrid: local smart meter and OpenTherm boiler integration."""
