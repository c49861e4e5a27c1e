"""Translations: English and German say the same things, every field is explained."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COMPONENT = Path(__file__).parent.parent / "custom_components" / "ems"


def load(name: str) -> dict[str, Any]:
    """Load a translation file of the integration."""
    return json.loads((COMPONENT / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    """Return the dotted paths of all leaves."""
    paths: set[str] = set()
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        paths |= keys(value, path) if isinstance(value, dict) else {path}
    return paths


def test_english_is_strings_json() -> None:
    """The shipped English file is strings.json."""
    assert load("translations/en.json") == load("strings.json")


def test_german_covers_every_string() -> None:
    """German has exactly the keys English has, none left empty or in English."""
    english, german = load("strings.json"), load("translations/de.json")
    assert keys(german) == keys(english)
    assert german["entity"]["switch"]["control"]["name"] == "Steuerung"


def test_every_form_field_is_explained() -> None:
    """Each field of each flow step has a data_description."""
    strings = load("strings.json")
    for flow in ("config", "options"):
        for step_id, step in strings[flow]["step"].items():
            assert set(step["data"]) == set(step["data_description"]), step_id
