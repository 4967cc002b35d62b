"""Every setting the workbench reads, with its default and a line of help.

Settings come from ``WORKBENCH_<NAME>`` environment variables, or from the
``config`` mapping given to ``create_app``; docs/settings.md lists them all and
a test keeps that list complete.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a yes/no value, got {value!r}")


def _count(value: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError(f"expected a whole number, 0 or more, got {value!r}")
    return number


def _workers(value: str) -> int | None:
    """A number of worker processes; "auto" (None): one a core, at most 4."""
    if value.strip().lower() == "auto":
        return None
    try:
        return _count(value)
    except ValueError:
        raise ValueError(f"expected auto or a whole number, 0 or more, got {value!r}") from None


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "INSTANCE_PATH",
        "instance",
        "Folder for the SQLite database and the generated secret key "
        "(relative paths are taken from the current directory).",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL of the database; when unset, SQLite in the instance folder "
        "(workbench.sqlite3). For teams: postgresql+psycopg://user@host/dbname.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and CSRF tokens; when unset, one is generated on first "
        "run and kept in the instance folder (secret_key, readable by the owner only).",
    ),
    Setting(
        "MAX_UPLOAD_MB",
        10.0,
        "Largest file accepted by the importer, in MB (10**6 bytes), per file.",
        float,
    ),
    Setting(
        "MAX_REQUEST_MB",
        100.0,
        "Largest whole request (all uploaded files together), in MB.",
        float,
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        False,
        "Send the session cookie over HTTPS only; turn on behind TLS.",
        _bool,
    ),
    Setting(
        "LOGIN_MAX_FAILURES",
        5,
        "Failed logins allowed for one username from one address before it is throttled.",
        int,
    ),
    Setting(
        "LOGIN_LOCKOUT_SECONDS",
        300,
        "How long a throttled username and address must wait before trying again.",
        int,
    ),
    Setting(
        "LOGIN_ADDRESS_MAX_FAILURES",
        50,
        "Failed logins allowed from one address, whatever the usernames, before the address "
        "is refused (429, before any password is hashed) for LOGIN_LOCKOUT_SECONDS. "
        "0: no limit per address.",
        _count,
    ),
    Setting(
        "LOGIN_FORGET_SECONDS",
        3600,
        "Failed logins are forgotten, and their throttling rows deleted, this long after the "
        "last one (at least LOGIN_LOCKOUT_SECONDS).",
        _count,
    ),
    Setting(
        "EXPORT_RAW_FORMULAS",
        False,
        "Export cells with = + - @ at their start or after a ; tab comma or line break as "
        "they are, instead of neutralising them with an apostrophe (only for tools that "
        "never run them as formulas).",
        _bool,
    ),
    Setting(
        "MAX_CLAIMS_PER_ARTICLE",
        20_000,
        "Most claims one imported article may have; an article with more is rejected, "
        "with the reason in the import report.",
        _count,
    ),
    Setting(
        "IMPORT_WORKERS",
        None,
        "Worker processes that split and suggest for a large import (500,000 characters "
        "or more) while the importing process stores it; auto: one a core, at most 4; "
        "0: the importing process does it all.",
        _workers,
    ),
    Setting(
        "IMPORT_WAIT_SECONDS",
        3.0,
        "How long an import from the browser may run before the browser is sent to its "
        "progress page; one that finishes sooner goes straight to its report.",
        float,
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "How many reverse proxies (nginx...) stand in front of the workbench; their "
        "X-Forwarded-For and X-Forwarded-Proto headers give the client's address (which "
        "login throttling counts by) and scheme. 0: ignore those headers.",
        _count,
    ),
)

SETTINGS_BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return every setting's value: overrides first, then the environment, then defaults.

    Raises ValueError naming the variable when an environment value cannot be parsed.
    """
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            values[setting.name] = overrides[setting.name]
            continue
        raw = environ.get(f"WORKBENCH_{setting.name}")
        if raw is None:
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ValueError(f"WORKBENCH_{setting.name}: {exc}") from exc
    instance = Path(values["INSTANCE_PATH"]).expanduser().resolve()
    values["INSTANCE_PATH"] = str(instance)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance / 'workbench.sqlite3'}"
    return values


def ensure_secret_key(instance_path: str | Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first use."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
