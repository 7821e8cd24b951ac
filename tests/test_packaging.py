"""What HACS, hassfest and the quality scale read: manifest, hacs.json, brand, rules."""

from __future__ import annotations

import json
from pathlib import Path

import homeassistant.components
from PIL import Image
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components/localgrid"


def core_quality_scale_rules() -> set[str]:
    """Every rule id that Home Assistant's own integrations track (its current rule set)."""
    rules: set[str] = set()
    for path in Path(homeassistant.components.__path__[0]).glob("*/quality_scale.yaml"):
        rules |= set(yaml.safe_load(path.read_text())["rules"])
    return rules


def test_quality_scale_tracks_every_rule() -> None:
    ours = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    core = core_quality_scale_rules()
    assert len(core) >= 50, "too few rules found in Home Assistant's integrations"
    assert set(ours) == core, f"missing {core - set(ours)}, unknown {set(ours) - core}"
    for rule, value in ours.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"done", "exempt", "todo"}, rule
        if status != "done":
            assert value.get("comment"), f"{rule} is {status} without a reason"


def test_manifest_is_complete() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert manifest["domain"] == "localgrid"
    assert manifest["iot_class"] == "local_push"
    assert "usb" in manifest["dependencies"]
    for key in ("version", "documentation", "issue_tracker", "codeowners", "integration_type"):
        assert manifest[key], key
    for key in ("loggers", "requirements"):
        assert isinstance(manifest[key], list), key
    # hassfest wants domain and name first, then the keys in alphabetical order.
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_hacs_json() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "LocalGrid"
    assert hacs["homeassistant"].startswith("2026.")


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("icon.png", (256, 256)),
        ("icon@2x.png", (512, 512)),
        ("dark_icon.png", (256, 256)),
        ("dark_icon@2x.png", (512, 512)),
        ("logo.png", None),
        ("logo@2x.png", None),
        ("dark_logo.png", None),
        ("dark_logo@2x.png", None),
    ],
)
def test_brand_images(name: str, size: tuple[int, int] | None) -> None:
    with Image.open(INTEGRATION / "brand" / name) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"  # transparent background
        if size:
            assert image.size == size
        else:  # logos: shortest side 128-256 px (@2x: 256-512)
            low = 256 if "@2x" in name else 128
            assert low <= min(image.size) <= 2 * low
