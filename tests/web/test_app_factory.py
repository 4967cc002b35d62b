"""The app factory: schema checks, the generated secret key, resources of an installed copy."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

import workbench
import workbench.resources
from tests.conftest import Web
from workbench import create_app
from workbench.db import make_engine
from workbench.errors import SchemaOutOfDate
from workbench.resources import resource_dir
from workbench.schema import alembic_config, head_revision, upgrade

ROOT = Path(workbench.__file__).resolve().parent.parent


def _config(tmp_path, url, **extra):
    return {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        **extra,
    }


def test_an_empty_database_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    with pytest.raises(SchemaOutOfDate) as caught:
        create_app(_config(tmp_path, url))
    assert "The database is empty; run `workbench db upgrade`" in caught.value.message
    assert caught.value.status == 503


def test_an_older_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    revisions = [r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    if len(revisions) > 1:
        older = revisions[1]
        upgrade(engine, older)
    else:
        # Only one migration so far: a database stamped with an earlier revision id.
        older = "0000_before_the_first"
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": older})
    engine.dispose()
    with pytest.raises(SchemaOutOfDate) as caught:
        create_app(_config(tmp_path, url))
    message = caught.value.message
    assert f"The database is at schema {older}, older than this workbench" in message
    assert head_revision() in message
    assert "run `workbench db upgrade` first" in message


def test_the_secret_key_is_made_once_and_kept(database_url, tmp_path, monkeypatch, team):
    monkeypatch.delenv("WORKBENCH_SECRET_KEY", raising=False)
    config = {**_config(tmp_path, database_url), "SECRET_KEY": None}
    first = create_app(config)
    key_file = tmp_path / "instance" / "secret_key"
    key = key_file.read_text(encoding="ascii")
    assert len(key) == 64 and int(key, 16) >= 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == key

    # A restart reads the same key: sessions from before stay valid.
    web = Web(first.test_client())
    assert web.login("ann").status_code == 302
    cookie = web.client.get_cookie("session").value
    second = create_app(config)
    assert second.secret_key == key
    assert key_file.read_text(encoding="ascii") == key
    client = second.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/")
    assert response.status_code == 200
    response.close()

    # A key given in the settings wins, and no file is written for it.
    given = create_app({**_config(tmp_path / "other", database_url), "SECRET_KEY": "given"})
    assert given.secret_key == "given"
    assert not (tmp_path / "other" / "instance" / "secret_key").exists()
    for app in (first, second, given):
        app.extensions["workbench.engine"].dispose()


def test_resources_are_found_in_a_source_checkout():
    for name in ("templates", "static", "seeds"):
        assert resource_dir(name) == ROOT / name
    assert (resource_dir("templates") / "base.html").is_file()


def test_a_missing_resource_folder_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(workbench.resources, "PACKAGE", tmp_path / "site" / "workbench")
    with pytest.raises(FileNotFoundError, match="the workbench's templates/ folder is missing"):
        resource_dir("templates")


def test_an_installed_copy_finds_its_resources_inside_the_package(tmp_path):
    """Lay the package out as the wheel does (see pyproject.toml) and run it from there."""
    site = tmp_path / "site"
    package = site / "workbench"
    shutil.copytree(
        ROOT / "workbench", package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for name in ("templates", "static", "seeds"):
        shutil.copytree(ROOT / name, package / name)
    script = textwrap.dedent(
        f"""
        import workbench
        from workbench import create_app
        from workbench.db import make_engine
        from workbench.resources import resource_dir
        from workbench.schema import upgrade

        assert workbench.__file__.startswith({str(site)!r}), workbench.__file__
        for name in ("templates", "static", "seeds"):
            assert str(resource_dir(name)) == {str(package)!r} + "/" + name, resource_dir(name)
        url = "sqlite:///{tmp_path / "installed.sqlite3"}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(
            {{"DATABASE_URL": url, "INSTANCE_PATH": {str(tmp_path / "inst")!r},
             "SECRET_KEY": "k"}}
        )
        client = app.test_client()
        page = client.get("/login")
        assert page.status_code == 200 and b"Log in" in page.data, page.status
        css = client.get("/static/css/app.css")
        assert css.status_code == 200, css.status
        css.close()
        app.extensions["workbench.engine"].dispose()
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("WORKBENCH_DATABASE_URL", None)
    # Run away from the checkout, so that its top-level folders cannot be found instead.
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
