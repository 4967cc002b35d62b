"""A plain `pip install .` ships the templates, static files, seeds and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_every_resource(tmp_path):
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling installed")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "workbench/templates/base.html",
        "workbench/templates/annotate/article_annotate.html",
        "workbench/static/css/app.css",
        "workbench/static/js/annotate.js",
        "workbench/seeds/iran-iraq-military-talks.txt",
        "workbench/seeds/iran-iraq-military-talks.json",
        "workbench/migrations/env.py",
        "workbench/migrations/script.py.mako",
        "workbench/migrations/versions/0001_initial_schema.py",
    }
    assert expected <= names, sorted(expected - names)
    assert any(n.endswith("entry_points.txt") for n in names)
