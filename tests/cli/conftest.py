"""Fixtures for the command-line tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import workbench.ops.users as users_ops
from workbench.cli import main


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        users_ops,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture
def cli(database_url, tmp_path):
    """Run a workbench command; return click's Result."""
    runner = CliRunner()
    env = {
        "WORKBENCH_DATABASE_URL": database_url,
        "WORKBENCH_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def run(*args, input=None):
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return run
