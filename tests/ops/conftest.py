"""Fixtures for the operation tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

import workbench.ops.users as users_ops


@pytest.fixture
def fast_passwords(monkeypatch):
    """Hash passwords with a cheap method: a test that makes three users need not
    spend a second in scrypt. Modules opt in with ``pytest.mark.usefixtures``."""

    def cheap(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1000")

    monkeypatch.setattr(users_ops, "generate_password_hash", cheap)
