"""Settings: every one is documented, environment values are parsed and checked."""

from pathlib import Path

import pytest

from workbench.settings import SETTINGS, ensure_secret_key, load_settings

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_every_setting_is_documented_and_nothing_else():
    text = DOC.read_text(encoding="utf-8")
    documented = {
        line.split("`")[1] for line in text.splitlines() if line.startswith("| `WORKBENCH_")
    }
    assert documented == {f"WORKBENCH_{s.name}" for s in SETTINGS}


def test_environment_overrides_defaults_and_is_parsed(tmp_path):
    env = {
        "WORKBENCH_INSTANCE_PATH": str(tmp_path),
        "WORKBENCH_MAX_UPLOAD_MB": "2.5",
        "WORKBENCH_SESSION_COOKIE_SECURE": "yes",
    }
    values = load_settings(environ=env)
    assert values["MAX_UPLOAD_MB"] == 2.5
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'workbench.sqlite3'}"


def test_a_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ValueError, match="WORKBENCH_LOGIN_MAX_FAILURES"):
        load_settings(environ={"WORKBENCH_LOGIN_MAX_FAILURES": "many"})


def test_overrides_win_over_the_environment(tmp_path):
    values = load_settings({"MAX_UPLOAD_MB": 1}, environ={"WORKBENCH_MAX_UPLOAD_MB": "9"})
    assert values["MAX_UPLOAD_MB"] == 1


def test_secret_key_is_generated_once_and_private(tmp_path):
    first = ensure_secret_key(tmp_path)
    assert len(first) == 64
    assert ensure_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_trusted_proxies_is_a_count_of_proxies():
    assert load_settings(environ={})["TRUSTED_PROXIES"] == 0
    assert load_settings(environ={"WORKBENCH_TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2
    for bad in ("-1", "one", "1.5", ""):
        with pytest.raises(ValueError, match="WORKBENCH_TRUSTED_PROXIES: expected a whole number"):
            load_settings(environ={"WORKBENCH_TRUSTED_PROXIES": bad})
