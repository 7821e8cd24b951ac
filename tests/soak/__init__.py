"""On-demand soak tests (scripts/soak); not part of the default test run."""
