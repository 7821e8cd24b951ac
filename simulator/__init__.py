"""LocalGrid simulator: an encrypting smart meter and an OpenTherm Gateway with a boiler.

Speaks the real wire formats over TCP or a pseudo-terminal, for tests, for
`scripts/develop`, and for anyone who wants to try LocalGrid without the hardware.
"""
