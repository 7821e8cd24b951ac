"""Shared test setup.

The project's `custom_components` package must be imported before Home Assistant
starts, or the test harness' own `custom_components` package shadows it.
"""

import custom_components.localgrid  # noqa: F401  (import order matters, see above)
