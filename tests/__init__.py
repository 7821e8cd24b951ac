"""LocalGrid tests."""
