"""The browser assets vendored under tenbin/web/static/vendor match VENDOR.json, byte for byte.

The web app loads htmx, Alpine and Vega from the package itself (no CDN), so it works with no
internet. VENDOR.json pins each file to its npm package, version, licence and the path of the
file inside the package's tarball; these tests keep the folder and that record in step.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

import tenbin

VENDOR = Path(tenbin.__file__).resolve().parent / "web" / "static" / "vendor"
MANIFEST = VENDOR / "VENDOR.json"
KEYS = {"file", "package", "version", "license", "source", "sha256"}
EXPECTED_VERSIONS = {
    "htmx.org": "2.0.11",
    "alpinejs": "3.17.5",
    "vega": "6.4.0",
    "vega-lite": "6.5.0",
    "vega-embed": "7.3.0",
}


def _entries() -> list[dict[str, Any]]:
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _entry(package: str) -> dict[str, Any]:
    (found,) = [e for e in _entries() if e["package"] == package]
    return found


def test_manifest_entries_are_complete_and_pinned() -> None:
    entries = _entries()
    for entry in entries:
        assert set(entry) == KEYS, entry
        assert entry["license"], entry
        assert len(entry["sha256"]) == 64, entry
    assert {e["package"]: e["version"] for e in entries} == EXPECTED_VERSIONS


@pytest.mark.parametrize("package", sorted(EXPECTED_VERSIONS))
def test_vendored_file_exists_and_matches_its_sha256(package: str) -> None:
    entry = _entry(package)
    path = VENDOR / entry["file"]
    assert path.is_file(), path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["file"]


@pytest.mark.parametrize("package", sorted(EXPECTED_VERSIONS))
def test_vendored_file_carries_its_version_string(package: str) -> None:
    entry = _entry(package)
    text = (VENDOR / entry["file"]).read_text(encoding="utf-8")
    assert f'"{entry["version"]}"' in text, entry["file"]


def test_htmx_is_version_2_0_11_not_4() -> None:
    text = (VENDOR / _entry("htmx.org")["file"]).read_text(encoding="utf-8")
    assert 'version:"2.0.11"' in text


def test_manifest_lists_exactly_the_files_present() -> None:
    present = {p.name for p in VENDOR.iterdir() if p.is_file()} - {MANIFEST.name}
    assert present == {e["file"] for e in _entries()}
    dirs = {p.name for p in VENDOR.iterdir() if p.is_dir()}
    assert dirs == {"LICENSES"}


def test_every_package_ships_its_licence_and_nothing_else_is_there() -> None:
    licences = VENDOR / "LICENSES"
    present = {p.name for p in licences.iterdir()}
    assert present == {f"{e['package']}.txt" for e in _entries()}
    for name in present:
        assert (licences / name).read_text(encoding="utf-8").strip(), name
