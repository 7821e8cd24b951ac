"""Tests of the Home Assistant integration, driven through the simulator."""
