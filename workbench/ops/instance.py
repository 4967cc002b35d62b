"""Settings of the whole instance that an admin changes in the browser (stored in
``instance_settings``; the settings read at start-up live in workbench.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.db import unique_or_conflict
from workbench.errors import InvalidInput
from workbench.models import InstanceSetting


@dataclass(frozen=True, slots=True)
class InstanceChoice:
    name: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (value, what it means)
    default: str


INSTANCE_SETTINGS: dict[str, InstanceChoice] = {
    "project_creators": InstanceChoice(
        "project_creators",
        "Who may create projects",
        (("admins", "administrators only"), ("everyone", "every user")),
        "admins",
    ),
}


def instance_settings(session: Session) -> dict[str, str]:
    """Return every instance setting's value (its default when unset or no longer valid)."""
    stored = dict(session.execute(select(InstanceSetting.name, InstanceSetting.value)).all())
    values = {}
    for name, setting in INSTANCE_SETTINGS.items():
        value = stored.get(name)
        allowed = {choice for choice, _ in setting.choices}
        values[name] = value if value in allowed else setting.default
    return values


def set_instance_setting(session: Session, name: str, value: str) -> bool:
    """Store ``value`` for the setting ``name``; return whether it changed.

    Raises InvalidInput for an unknown setting or value.
    """
    setting = INSTANCE_SETTINGS.get(name)
    if setting is None:
        raise InvalidInput(f"Unknown instance setting {name!r}.")
    allowed = [choice for choice, _ in setting.choices]
    if value not in allowed:
        raise InvalidInput(f"{setting.label}: choose one of {', '.join(allowed)}.", field=name)
    row = session.get(InstanceSetting, name)
    if row is not None:
        changed = row.value != value
        row.value = value
        session.flush()
        return changed
    with unique_or_conflict(session, "Someone changed this setting at the same moment; try again."):
        session.add(InstanceSetting(name=name, value=value))
        session.flush()
    return value != setting.default
