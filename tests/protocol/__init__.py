"""Tests of the protocol core (no Home Assistant)."""
