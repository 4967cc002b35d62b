"""Projects, their targets, label sets and members."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from workbench.db import lock_for_update, unique_or_conflict
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.fields import BY_LABEL_SET, STANCES
from workbench.keymap import KeyMap, changed, format_keymap_lines, parse_keymap_lines, resolve
from workbench.labels import DEFAULT_LABELS, LABELLED_FIELDS
from workbench.models import (
    ROLES,
    Annotation,
    Article,
    Claim,
    GoldLabel,
    Label,
    Membership,
    Project,
    Stance,
    Target,
    User,
)
from workbench.ops.history import record
from workbench.words import counted


def record_project_change(
    session: Session, project: Project, action: str, user, before, after
) -> None:
    """Append a change of the project (its settings, members, assignments, imports) to
    its own history: the entries of the project's History page."""
    record(
        session,
        project_id=project.id,
        entity="project",
        entity_id=project.id,
        action=action,
        user=user,
        before=before,
        after=after,
    )


def create_project(
    session: Session,
    name: str,
    *,
    targets: Sequence[str],
    description: str = "",
    guidelines: str = "",
    creator: User | None = None,
) -> Project:
    """Create a project with the default label sets; the creator becomes its manager.

    The history gets one entry for it. Raises InvalidInput (no name, no target, a
    repeated target) or Conflict (name taken).
    """
    name = name.strip()
    if not name:
        raise InvalidInput("A project needs a name.", field="name")
    if len(name) > 200:
        raise InvalidInput("A project name has at most 200 characters.", field="name")
    if session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise Conflict(f"A project named {name!r} exists already.", field="name")
    project = Project(name=name, description=description.strip(), guidelines=_lines(guidelines))
    with unique_or_conflict(session, f"A project named {name!r} exists already.", field="name"):
        session.add(project)
        session.flush()
    set_targets(session, project, targets, history=False)
    for field in LABELLED_FIELDS:
        for position, (value, text) in enumerate(DEFAULT_LABELS[field]):
            session.add(
                Label(
                    project_id=project.id,
                    field=field,
                    value=value,
                    description=text,
                    position=position,
                )
            )
    if creator is not None:
        session.add(Membership(project_id=project.id, user_id=creator.id, role="manager"))
    after = {
        "name": project.name,
        "description": project.description,
        "guidelines": project.guidelines,
        "targets": [t.name for t in project.targets],
    }
    if creator is not None:
        after["manager"] = creator.username
    record_project_change(session, project, "create", creator, None, after)
    session.flush()
    return project


def _lines(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; store LF so that an
    # unchanged form does not count as a new codebook.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _clean_targets(targets: Sequence[str]) -> list[str]:
    cleaned = [t.strip() for t in targets if t.strip()]
    if not cleaned:
        raise InvalidInput("A project needs at least one stance target.", field="targets")
    if len({t.casefold() for t in cleaned}) != len(cleaned):
        raise InvalidInput("Each stance target may be listed only once.", field="targets")
    for target in cleaned:
        if len(target) > 200:
            raise InvalidInput("A target has at most 200 characters.", field="targets")
    return cleaned


def lock_codebook(session: Session, project: Project) -> None:
    """Lock the project's row until the transaction ends and reload it.

    Every codebook edit calls this first (once: set_targets and set_labels
    with ``bump=False`` leave it to their caller): on PostgreSQL two edits then
    take turns (neither loses the other's version step), and a save that is
    writing (it holds the row FOR KEY SHARE, see ops.annotations) finishes
    first or checks its labels against the edited codebook.
    """
    lock_for_update(session, select(Project).where(Project.id == project.id))


def set_targets(
    session: Session,
    project: Project,
    targets: Sequence[str],
    *,
    bump: bool = True,
    user: User | None = None,
    history: bool = True,
) -> bool:
    """Make ``targets`` the project's stance targets, in this order.

    Existing targets keep their id (and their stances) when their name stays
    (in any case: a change of case renames the target);
    a target that annotations use cannot be removed (raises Conflict). A removed
    target is retired, not deleted, since the history names it by id; listing its
    name again brings it back with its id. Returns
    whether anything changed; a change moves the codebook version on unless
    ``bump`` is False (the caller, having locked the codebook, bumps once for
    several changes). Each target added, retired, brought back or renamed is
    recorded in the history as done by ``user``, and so is a new order (not for
    a new project's first targets: ``history`` False).
    """
    cleaned = _clean_targets(targets)
    if bump:
        lock_codebook(session, project)
    changed = False
    # Names are matched ignoring case: "regional security" is the target "Regional
    # security" (current or retired), whose name takes the case given. Where an
    # older version let two targets differ by case only, the current one is meant.
    existing: dict[str, Target] = {}
    rows = list(
        session.scalars(select(Target).where(Target.project_id == project.id).order_by(Target.id))
    )
    taken = {t.name for t in rows}
    order_before = [t.name for t in sorted(rows, key=lambda t: t.position) if not t.retired]
    events: list[tuple[str, Target, str | None]] = []  # action, target, name before
    for t in rows:
        kept = existing.get(t.name.casefold())
        if kept is None or (kept.retired and not t.retired):
            existing[t.name.casefold()] = t
    wanted = {name.casefold() for name in cleaned}
    for target in rows:
        if target.retired or (
            existing.get(target.name.casefold()) is target and target.name.casefold() in wanted
        ):
            continue
        used = session.scalar(
            select(func.count()).select_from(Stance).where(Stance.target_id == target.id)
        )
        if used:
            raise Conflict(
                f"The target {target.name!r} has {used} stance labels; it cannot be removed.",
                field="targets",
            )
        target.retired = True
        events.append(("retire-target", target, None))
        changed = True
    session.flush()
    for position, name in enumerate(cleaned):
        target = existing.get(name.casefold())
        if target is None:
            target = Target(project_id=project.id, name=name, position=position)
            session.add(target)
            events.append(("add-target", target, None))
            changed = True
        elif target.retired or target.position != position or target.name != name:
            if target.retired:
                events.append(("restore-target", target, None))
            old_name = target.name
            target.retired = False
            target.position = position
            if name not in taken:  # (not when another row has it: an old case twin)
                target.name = name
            if target.name != old_name:
                events.append(("rename-target", target, old_name))
            changed = True
    if changed and bump and existing:
        project.codebook_version += 1
    session.flush()
    if history and changed:
        _record_target_events(session, project, events, order_before, user)
    session.expire(project, ["targets"])
    return changed


def _record_target_events(session, project, events, order_before, user) -> None:
    """Record what set_targets did: each target's change, then the new order when
    the targets that stayed are in another order."""
    for action, target, old_name in events:
        now = {"target_id": target.id, "target": target.name}
        if action == "retire-target":
            record_project_change(session, project, action, user, now, None)
        elif action == "rename-target":
            before = {"target_id": target.id, "target": old_name}
            record_project_change(session, project, action, user, before, now)
        else:
            record_project_change(session, project, action, user, None, now)
    order_after = list(
        session.scalars(
            select(Target.name)
            .where(Target.project_id == project.id, Target.retired.is_(False))
            .order_by(Target.position)
        )
    )
    renamed = {old: t.name for action, t, old in events if action == "rename-target"}
    stayed = [renamed.get(name, name) for name in order_before]
    stayed = [name for name in stayed if name in order_after]
    if stayed != [name for name in order_after if name in stayed]:
        before, after = {"targets": order_before}, {"targets": order_after}
        record_project_change(session, project, "reorder-targets", user, before, after)


def target_names(session: Session, project_id: int) -> dict[int, str]:
    """Return the names of the project's targets by id, removed ones included
    (marked so), for showing what the history recorded."""
    rows = session.execute(
        select(Target.id, Target.name, Target.retired).where(Target.project_id == project_id)
    )
    return {id_: f"{name} (removed)" if retired else name for id_, name, retired in rows}


def rename_target(
    session: Session, project: Project, target_id: int, name: str, *, user: User | None = None
) -> bool:
    """Rename one of the project's current targets; return whether the name changed.

    The target keeps its id, so its stances, the history and exports follow the new
    name (for a fix of spelling or case; a different target is a new one). Raises
    NotFound for a target not in the project (or retired), InvalidInput for a bad
    name, Conflict for a name another target has (a retired one too: list that
    one again instead). A change moves the codebook version on and is recorded in
    the history as done by ``user``.
    """
    lock_codebook(session, project)
    target = session.get(Target, target_id)
    if target is None or target.project_id != project.id or target.retired:
        raise NotFound("No such stance target in this project.")
    if not name.strip():
        raise InvalidInput("A target needs a name.", field="name")
    (name,) = _clean_targets([name])
    if name == target.name:
        return False
    for other in session.scalars(
        select(Target).where(Target.project_id == project.id, Target.id != target.id)
    ):
        if other.name.casefold() == name.casefold():
            if other.retired:
                raise Conflict(
                    f"A removed target is named {other.name!r}: list it among the targets "
                    "to bring it back, or choose another name.",
                    field="name",
                )
            raise Conflict(f"The project has a target named {other.name!r}.", field="name")
    before = {"target_id": target.id, "target": target.name}
    with unique_or_conflict(session, f"The project has a target named {name!r}.", field="name"):
        target.name = name
        session.flush()
    project.codebook_version += 1
    record_project_change(
        session, project, "rename-target", user, before, {"target_id": target.id, "target": name}
    )
    session.flush()
    session.expire(project, ["targets"])
    return True


def update_project(
    session: Session,
    project: Project,
    *,
    name: str,
    description: str,
    guidelines: str,
    targets: Sequence[str],
    labels: dict[str, list[tuple[str, str]]],
    user: User | None = None,
) -> None:
    """Change a project's settings; raises InvalidInput or Conflict and changes nothing then.

    Each change (name, description, guidelines, each target, each label set) is
    recorded in the history as done by ``user``.
    """
    name = name.strip()
    if not name:
        raise InvalidInput("A project needs a name.", field="name")
    taken = f"A project named {name!r} exists already."
    clash = session.scalar(select(Project.id).where(Project.name == name, Project.id != project.id))
    if clash is not None:
        raise Conflict(taken, field="name")
    lock_codebook(session, project)
    guidelines = _lines(guidelines)
    description = description.strip()
    codebook_changed = project.guidelines != guidelines
    for action, key, value in (
        ("rename", "name", name),
        ("edit-description", "description", description),
        ("edit-guidelines", "guidelines", guidelines),
    ):
        if getattr(project, key) != value:
            record_project_change(
                session, project, action, user, {key: getattr(project, key)}, {key: value}
            )
    with unique_or_conflict(session, taken, field="name"):
        project.name = name
        session.flush()
    project.description = description
    project.guidelines = guidelines
    codebook_changed |= set_targets(session, project, targets, bump=False, user=user)
    for field, pairs in labels.items():
        codebook_changed |= set_labels(session, project, field, pairs, bump=False, user=user)
    if codebook_changed:
        project.codebook_version += 1
    session.flush()


def project_keymap(project: Project) -> KeyMap:
    """Return the project's key map for the annotate page (action name -> keys): the
    defaults with the actions its manager changed (see workbench.keymap.resolve)."""
    return resolve(project.keymap)


def set_project_keymap(
    session: Session, project: Project, lines: str, *, user: User | None = None
) -> bool:
    """Make the key map that ``lines`` (``action: key key`` lines, as the settings
    form and ``workbench projects keys --set`` give them) describe the project's; empty
    text restores the defaults. Return whether anything changed.

    The project stores only the actions changed from the defaults (None for none). A
    change is recorded in the history as done by ``user``: the lines of the actions
    whose keys changed, before and after. Raises InvalidInput (field ``keys``) with
    the parser's message naming the line, and changes nothing then.
    """
    try:
        keymap = parse_keymap_lines(lines)
    except ValueError as exc:
        raise InvalidInput(f"Keys on the annotate page, {exc}.", field="keys") from exc
    lock_codebook(session, project)  # (the row: two changes take turns)
    before = project_keymap(project)
    if keymap == before:
        return False
    moved = [name for name in keymap if keymap[name] != before[name]]
    record_project_change(
        session,
        project,
        "edit-keys",
        user,
        {"keys": format_keymap_lines({name: before[name] for name in moved})},
        {"keys": format_keymap_lines({name: keymap[name] for name in moved})},
    )
    project.keymap = changed(keymap) or None
    session.flush()
    return True


def set_labels(
    session: Session,
    project: Project,
    field: str,
    pairs: list[tuple[str, str]],
    *,
    bump: bool = True,
    user: User | None = None,
) -> bool:
    """Make ``pairs`` (value, description) the labels of ``field``; return whether anything changed.

    A label that saved annotations use cannot be removed (raises Conflict). A
    change moves the codebook version on unless ``bump`` is False (the caller,
    having locked the codebook, bumps once for several changes), and is recorded
    in the history (the field's labels before and after) as done by ``user``.
    """
    if field not in LABELLED_FIELDS:
        raise InvalidInput(f"Unknown labelled field {field!r}.")
    if not pairs:
        raise InvalidInput(f"The {field} labels need at least one value.", field=field)
    if bump:
        lock_codebook(session, project)
    current = {
        label.value: label
        for label in session.scalars(
            select(Label).where(Label.project_id == project.id, Label.field == field)
        )
    }
    wanted = dict(pairs)
    changed = False
    before = [[lb.value, lb.description] for lb in sorted(current.values(), key=_label_order)]
    for value, label in current.items():
        if value in wanted:
            continue
        in_use = label_use_count(session, project, field, value)
        in_gold = gold_label_use_count(session, project, field, value)
        if in_use or in_gold:
            uses = " and ".join(
                text
                for n, text in (
                    (in_use, counted(in_use, "annotation")),
                    (in_gold, counted(in_gold, "gold label")),
                )
                if n
            )
            raise Conflict(
                f"The {field} label {value!r} is used by {uses}; it cannot be removed.",
                field=field,
            )
        session.delete(label)
        changed = True
    for position, (value, description) in enumerate(pairs):
        label = current.get(value)
        if label is None:
            session.add(
                Label(
                    project_id=project.id,
                    field=field,
                    value=value,
                    description=description,
                    position=position,
                )
            )
            changed = True
        elif (label.description, label.position) != (description, position):
            label.description = description
            label.position = position
            changed = True
    if changed and bump:
        project.codebook_version += 1
    if changed:
        after = {"field": field, "labels": [[value, text] for value, text in pairs]}
        record_project_change(
            session, project, "edit-labels", user, {"field": field, "labels": before}, after
        )
    session.flush()
    session.expire(project, ["labels"])
    return changed


def _label_order(label: Label) -> tuple[int, str]:
    return (label.position, label.value)


def label_use_count(session: Session, project: Project, field: str, value: str) -> int:
    """Return how many annotations in the project use a label value."""
    base = (
        select(func.count())
        .select_from(Annotation)
        .join(Claim, Claim.id == Annotation.claim_id)
        .join(Article, Article.id == Claim.article_id)
        .where(Article.project_id == project.id)
    )
    # The annotation field that uses the label set (workbench/fields.py).
    if BY_LABEL_SET[field].kind == STANCES:
        query = (
            select(func.count())
            .select_from(Stance)
            .join(Target, Target.id == Stance.target_id)
            .where(Target.project_id == project.id, Stance.value == value)
        )
    else:
        query = base.where(getattr(Annotation, BY_LABEL_SET[field].column) == value)
    return session.scalar(query) or 0


def gold_label_use_count(session: Session, project: Project, field: str, value: str) -> int:
    """Return how many gold labels of the project (ops.gold) settle a field of the label
    set ``field`` on ``value``."""
    return (
        session.scalar(
            select(func.count())
            .select_from(GoldLabel)
            .where(
                GoldLabel.project_id == project.id,
                GoldLabel.field == BY_LABEL_SET[field].name,
                GoldLabel.value == value,
            )
        )
        or 0
    )


def labels_by_field(project: Project) -> dict[str, list[Label]]:
    """Return the project's labels grouped by field, each in its order."""
    grouped: dict[str, list[Label]] = {field: [] for field in LABELLED_FIELDS}
    for label in sorted(project.labels, key=lambda lb: (lb.field, lb.position)):
        grouped.setdefault(label.field, []).append(label)
    return grouped


def get_project(session: Session, project_id: int, *, eager: bool = True) -> Project:
    """Return the project, with its targets and labels loaded when ``eager``; raises NotFound."""
    options = [selectinload(Project.targets), selectinload(Project.labels)] if eager else []
    project = session.get(Project, project_id, options=options)
    if project is None:
        raise NotFound("No such project.")
    return project


def project_with_role(
    session: Session, project_id: int, user: User, *, eager: bool = True
) -> tuple[Project, str | None]:
    """Return the project and the user's role in it (None for a non-member), in one query.

    Raises NotFound.
    """
    query = (
        select(Project, Membership.role)
        .outerjoin(
            Membership,
            and_(Membership.project_id == Project.id, Membership.user_id == user.id),
        )
        .where(Project.id == project_id)
    )
    if eager:
        query = query.options(selectinload(Project.targets), selectinload(Project.labels))
    row = session.execute(query).first()
    if row is None:
        raise NotFound("No such project.")
    return row[0], row[1]


def get_project_by_name(session: Session, name: str) -> Project:
    """Return the project called ``name``; raises NotFound naming the known projects."""
    project = session.scalar(select(Project).where(Project.name == name.strip()))
    if project is None:
        known = ", ".join(session.scalars(select(Project.name).order_by(Project.name))) or "none"
        raise NotFound(f"No project named {name!r} (projects: {known}).")
    return project


def project_role(session: Session, user: User, project: Project) -> str | None:
    """Return the user's role in the project, or None for a non-member."""
    return session.scalar(
        select(Membership.role).where(
            Membership.project_id == project.id, Membership.user_id == user.id
        )
    )


def projects_for(session: Session, user: User) -> list[Project]:
    """Return the projects the user can see: all for an admin, else those they belong to."""
    query = select(Project).order_by(Project.name)
    if not user.is_admin:
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(session.scalars(query))


def set_member(
    session: Session, project: Project, user: User, role: str, *, by: User | None = None
) -> Membership:
    """Add ``user`` to the project with ``role``, or change their role.

    The change is recorded in the history as done by ``by`` (None: the command
    line). Raises InvalidInput (unknown role) or Conflict (demoting the last manager).
    """
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r} (roles: {', '.join(ROLES)}).", field="role")
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(project_id=project.id, user_id=user.id, role=role)
        session.add(membership)
        record_project_change(
            session, project, "add-member", by, None, {"member": user.username, "role": role}
        )
    else:
        if (
            membership.role == "manager"
            and role != "manager"
            and _manager_count(session, project) == 1
        ):
            raise Conflict("A project keeps at least one manager.")
        if membership.role != role:
            before = {"member": user.username, "role": membership.role}
            after = {"member": user.username, "role": role}
            record_project_change(session, project, "change-role", by, before, after)
        membership.role = role
    session.flush()
    return membership


def remove_member(
    session: Session, project: Project, user: User, *, by: User | None = None
) -> None:
    """Take ``user`` out of the project; their annotations stay. Recorded in the
    history as done by ``by``. Raises NotFound, or Conflict for the last manager."""
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project.id, Membership.user_id == user.id)
    )
    if membership is None:
        raise NotFound(f"{user.username} is not a member of this project.")
    if membership.role == "manager" and _manager_count(session, project) == 1:
        raise Conflict("A project keeps at least one manager.")
    before = {"member": user.username, "role": membership.role}
    session.delete(membership)
    record_project_change(session, project, "remove-member", by, before, None)
    session.flush()


def _manager_count(session: Session, project: Project) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.project_id == project.id, Membership.role == "manager")
        )
        or 0
    )


def members(session: Session, project: Project) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.project_id == project.id)
            .options(selectinload(Membership.user))
            .join(User)
            .order_by(User.username)
        )
    )
