"""The command line works where Home Assistant is not installed (users check their key with it)."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

from .corpus import sample

ROOT = Path(__file__).parent.parent.parent
AT01 = sample("at01_kaifa_ma309m_netznoe_mbus_enc")

# `import homeassistant...` raises ImportError once the name maps to None; the
# package is then run as `python -m` would run it.
WITHOUT_HOME_ASSISTANT = """
import runpy, sys
sys.modules["homeassistant"] = None
sys.argv = ["localgrid", *sys.argv[1:]]
try:
    runpy.run_module("custom_components.localgrid.protocol", run_name="__main__", alter_sys=True)
finally:
    loaded = sorted(name for name in sys.modules if name.startswith("homeassistant."))
    print("homeassistant modules:", loaded, file=sys.stderr)
"""


def run_without_home_assistant(*argv: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_HOME_ASSISTANT, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_decode_runs_without_home_assistant() -> None:
    result = run_without_home_assistant(
        "decode", "--hex", "--key", AT01["key_hex"], stdin=AT01["hex"]
    )
    assert result.returncode == 0, result.stderr
    assert "homeassistant modules: []" in result.stderr
    (telegram,) = (json.loads(line) for line in result.stdout.splitlines())
    assert telegram["meter_id"] == "181220000009"
    assert telegram["values"]["1-0:1.8.0"] == {"value": 12.937, "unit": "kWh"}


def test_otgw_runs_without_home_assistant() -> None:
    result = run_without_home_assistant("otgw", stdin="B40192B00\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "line": "B40192B00",
        "source": "B",
        "msg_type": "READ-ACK",
        "data_id": 25,
        "value": 43.0,
    }
