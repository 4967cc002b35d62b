"""Projects: defaults, names, targets, label sets, the codebook version, members."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import make_project, make_user
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.importing import ArticleDraft
from workbench.labels import DEFAULT_LABELS, LABELLED_FIELDS
from workbench.models import Label, Membership, Target
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.codebook import load_codebook
from workbench.ops.instance import instance_settings, set_instance_setting
from workbench.ops.invitations import (
    answer_invitation,
    invitations_for,
    invite_member,
    pending_invitations,
    withdraw_invitation,
)
from workbench.ops.projects import (
    create_project,
    get_project_by_name,
    labels_by_field,
    members,
    project_role,
    projects_for,
    remove_member,
    rename_target,
    set_labels,
    set_member,
    set_targets,
    target_names,
    update_project,
)
from workbench.permissions import can

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _pairs(project, field):
    return [(lb.value, lb.description) for lb in labels_by_field(project)[field]]


def _annotate(session, project, user, **values):
    import_items(session, project, [ArticleDraft(text="A short claim.")], user=user)
    claim = project.articles[-1].claims[0]
    return save_annotation(
        session, project, claim, user, AnnotationInput(**values), base_version=None
    )


def test_create_project_defaults(session):
    mona = make_user(session, "mona")
    project = create_project(
        session, "  Talks  ", targets=[" Cooperation ", "Sanctions", ""], creator=mona
    )
    assert project.name == "Talks"
    assert [t.name for t in project.targets] == ["Cooperation", "Sanctions"]
    assert [t.position for t in project.targets] == [0, 1]
    for field in LABELLED_FIELDS:
        assert _pairs(project, field) == list(DEFAULT_LABELS[field])
    assert project.codebook_version == 1
    assert project_role(session, mona, project) == "manager"
    assert [m.user.username for m in members(session, project)] == ["mona"]


def test_create_project_without_creator_has_no_members(session):
    project = create_project(session, "Solo", targets=["T"])
    assert members(session, project) == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_create_project_rejects_bad_names(session, name):
    with pytest.raises(InvalidInput) as info:
        create_project(session, name, targets=["T"])
    assert info.value.field == "name"


def test_project_names_are_unique(session):
    create_project(session, "Talks", targets=["T"])
    with pytest.raises(Conflict, match="exists already"):
        create_project(session, " Talks ", targets=["U"])


@pytest.mark.parametrize(
    "targets", [[], ["", "  "], ["Cooperation", "cooperation"], ["A", "A "], ["x" * 201]]
)
def test_create_project_rejects_empty_or_repeated_targets(session, targets):
    with pytest.raises(InvalidInput) as info:
        create_project(session, "Talks", targets=targets)
    assert info.value.field == "targets"


def test_set_targets_keeps_ids_reorders_and_refuses_to_drop_used_ones(session):
    ann = make_user(session, "ann")
    project = make_project(session, targets=("A", "B"), manager=ann)
    a, b = project.targets
    set_targets(session, project, ["B", "C", "A"])
    assert [(t.name, t.position) for t in project.targets] == [("B", 0), ("C", 1), ("A", 2)]
    assert {a.id, b.id} <= {t.id for t in project.targets}
    _annotate(session, project, ann, stances={a.id: "favor"})
    with pytest.raises(Conflict, match="'A' has 1 stance"):
        set_targets(session, project, ["B", "C"])
    set_targets(session, project, ["A"])
    assert [t.name for t in project.targets] == ["A"]


def test_a_removed_target_is_retired_and_comes_back_with_its_id(session):
    """The history names targets by id, so a target taken out is kept (retired):
    the history still names it, the codebook and the forms no longer offer it."""
    ann = make_user(session, "ann")
    project = make_project(session, targets=("A", "B"), manager=ann)
    a, b = project.targets
    annotation = _annotate(session, project, ann, stances={b.id: "favor"})
    claim = annotation.claim
    save_annotation(
        session, project, claim, ann, AnnotationInput(note="n"), base_version=1
    )  # the stance on B is cleared: B is no longer used, only named in the history
    version = project.codebook_version
    assert set_targets(session, project, ["A"]) is True
    assert project.codebook_version == version + 1
    assert [t.name for t in project.targets] == ["A"]
    assert session.get(Target, b.id).retired is True
    assert target_names(session, project.id) == {a.id: "A", b.id: "B (removed)"}
    assert load_codebook(session, project).target_ids == (a.id,)
    session.commit()
    a_id, b_id = a.id, b.id
    with pytest.raises(InvalidInput, match="not in this project"):
        save_annotation(
            session,
            project,
            claim,
            ann,
            AnnotationInput(stances={b.id: "favor"}),
            base_version=2,
        )
    session.rollback()
    set_targets(session, project, ["A", "B"])
    assert [(t.id, t.name) for t in project.targets] == [(a_id, "A"), (b_id, "B")]


def test_set_labels_adds_and_redescribes(session):
    project = make_project(session)
    pairs = _pairs(project, "verifiability")
    new = [("rumour", "Hearsay."), *[(v, d.upper()) for v, d in pairs]]
    assert set_labels(session, project, "verifiability", new) is True
    assert _pairs(project, "verifiability") == new
    assert set_labels(session, project, "verifiability", new) is False


def test_set_labels_cannot_remove_a_label_in_use(session):
    ann = make_user(session, "ann")
    project = make_project(session, manager=ann)
    (target,) = project.targets
    _annotate(
        session,
        project,
        ann,
        verifiability="opinion",
        attribution="direct",
        stances={target.id: "against"},
    )
    for field, used in (
        ("verifiability", "opinion"),
        ("attribution", "direct"),
        ("stance", "against"),
    ):
        before = _pairs(project, field)
        kept = [pair for pair in before if pair[0] != used]
        with pytest.raises(Conflict, match=f"{used}' is used by 1 annotation"):
            set_labels(session, project, field, kept)
        session.expire_all()
        assert _pairs(project, field) == before
    # an unused label can go
    verif = [p for p in _pairs(project, "verifiability") if p[0] != "prediction"]
    assert set_labels(session, project, "verifiability", verif) is True
    assert "prediction" not in {v for v, _ in _pairs(project, "verifiability")}


def test_set_labels_rejects_unknown_field_and_empty_list(session):
    project = make_project(session)
    with pytest.raises(InvalidInput):
        set_labels(session, project, "colour", [("red", "")])
    with pytest.raises(InvalidInput):
        set_labels(session, project, "stance", [])


def test_set_labels_labels_are_per_project(session):
    ann = make_user(session, "ann")
    used = make_project(session, "Used", manager=ann)
    _annotate(session, used, ann, verifiability="opinion")
    other = make_project(session, "Other")
    kept = [p for p in _pairs(other, "verifiability") if p[0] != "opinion"]
    assert set_labels(session, other, "verifiability", kept) is True


def _settings(project, **overrides):
    values = {
        "name": project.name,
        "description": project.description,
        "guidelines": project.guidelines,
        "targets": [t.name for t in project.targets],
        "labels": {field: _pairs(project, field) for field in LABELLED_FIELDS},
    }
    values.update(overrides)
    return values


def test_codebook_version_moves_only_when_the_codebook_changes(session):
    project = make_project(session)
    update_project(session, project, **_settings(project, description="new words"))
    assert project.codebook_version == 1
    update_project(session, project, **_settings(project, guidelines="Read twice."))
    assert project.codebook_version == 2
    stance = [*_pairs(project, "stance"), ("mixed", "Both ways.")]
    update_project(session, project, **_settings(project, labels={"stance": stance}))
    assert project.codebook_version == 3
    update_project(session, project, **_settings(project))
    assert project.codebook_version == 3


def test_guidelines_sent_with_crlf_are_the_same_codebook(session):
    project = create_project(session, "Talks", targets=["T"], guidelines="One.\r\nTwo.\n")
    assert project.guidelines == "One.\nTwo.\n"
    update_project(session, project, **_settings(project, guidelines="One.\r\nTwo.\r\n"))
    assert (project.guidelines, project.codebook_version) == ("One.\nTwo.\n", 1)


def test_update_project_name_conflict(session):
    make_project(session, "Taken")
    project = make_project(session, "Mine")
    with pytest.raises(Conflict):
        update_project(session, project, **_settings(project, name="Taken"))
    with pytest.raises(InvalidInput):
        update_project(session, project, **_settings(project, name=" "))


def test_members_add_change_remove(session):
    mona, ann = make_user(session, "mona"), make_user(session, "ann")
    project = make_project(session, manager=mona)
    set_member(session, project, ann, "annotator")
    assert project_role(session, ann, project) == "annotator"
    set_member(session, project, ann, "manager")
    assert project_role(session, ann, project) == "manager"
    assert session.scalar(select(Membership.id).where(Membership.user_id == ann.id))
    remove_member(session, project, mona)
    assert project_role(session, mona, project) is None
    with pytest.raises(NotFound):
        remove_member(session, project, mona)
    with pytest.raises(InvalidInput):
        set_member(session, project, mona, "owner")


def test_the_last_manager_stays(session):
    mona, ann = make_user(session, "mona"), make_user(session, "ann")
    project = make_project(session, manager=mona, annotators=[ann])
    with pytest.raises(Conflict, match="at least one manager"):
        remove_member(session, project, mona)
    with pytest.raises(Conflict, match="at least one manager"):
        set_member(session, project, mona, "annotator")
    assert project_role(session, mona, project) == "manager"
    remove_member(session, project, ann)
    set_member(session, project, ann, "manager")
    set_member(session, project, mona, "annotator")
    assert project_role(session, mona, project) == "annotator"


def test_projects_for(session):
    root = make_user(session, "root", is_admin=True)
    mona, ann, stan = (make_user(session, n) for n in ("mona", "ann", "stan"))
    b = make_project(session, "B", manager=mona, annotators=[ann])
    a = make_project(session, "A", manager=mona)
    assert projects_for(session, root) == [a, b]
    assert projects_for(session, mona) == [a, b]
    assert projects_for(session, ann) == [b]
    assert projects_for(session, stan) == []


def test_get_project_by_name_lists_known_projects(session):
    make_project(session, "Beta")
    make_project(session, "Alpha")
    assert get_project_by_name(session, " Beta ").name == "Beta"
    with pytest.raises(NotFound, match=r"No project named 'Gamma' \(projects: Alpha, Beta\)"):
        get_project_by_name(session, "Gamma")


def test_new_projects_get_their_own_label_rows(session):
    make_project(session, "A")
    make_project(session, "B")
    per_project = sum(len(v) for v in DEFAULT_LABELS.values())
    assert len(session.scalars(select(Label)).all()) == 2 * per_project
    assert len(session.scalars(select(Target)).all()) == 2


def test_rename_target_keeps_the_id_and_refuses_a_taken_name(session):
    project = make_project(session, targets=("A", "B"))
    a, b = project.targets
    version = project.codebook_version
    assert rename_target(session, project, a.id, "A") is False
    assert project.codebook_version == version
    assert rename_target(session, project, a.id, "a (fixed)") is True
    assert [(t.id, t.name) for t in project.targets] == [(a.id, "a (fixed)"), (b.id, "B")]
    assert project.codebook_version == version + 1
    with pytest.raises(Conflict, match="has a target named 'B'"):
        rename_target(session, project, a.id, "b")
    with pytest.raises(InvalidInput, match="at most 200"):
        rename_target(session, project, a.id, "x" * 201)
    other = make_project(session, "Other", targets=("C",))
    with pytest.raises(NotFound):
        rename_target(session, project, other.targets[0].id, "C2")


def test_targets_are_matched_ignoring_case(session):
    project = make_project(session, targets=("Regional security", "B"))
    regional, b = project.targets
    set_targets(session, project, ["B"])  # retired
    set_targets(session, project, ["B", "regional security"])
    assert [(t.id, t.name) for t in project.targets] == [
        (b.id, "B"),
        (regional.id, "regional security"),
    ]
    set_targets(session, project, ["b", "regional security"])  # a change of case renames
    assert [(t.id, t.name) for t in project.targets] == [
        (b.id, "b"),
        (regional.id, "regional security"),
    ]


def _project_history(session, project):
    from workbench.ops.history import project_history

    page, entries = project_history(session, project.id, size=1000)
    assert page.total == len(entries)
    return [(e.action, e.user.username if e.user else None, e.before, e.after) for e in entries]


def test_settings_changes_are_recorded_with_who_before_and_after(session):
    mona, ann = make_user(session, "mona"), make_user(session, "ann")
    project = create_project(
        session, "Talks", targets=["Peace", "Trade"], description="First.", creator=mona
    )
    session.flush()
    created = _project_history(session, project)
    assert created == [
        (
            "create",
            "mona",
            None,
            {
                "name": "Talks",
                "description": "First.",
                "guidelines": "",
                "targets": ["Peace", "Trade"],
                "manager": "mona",
            },
        )
    ]
    peace, trade = (t.id for t in project.targets)
    update_project(
        session,
        project,
        name="Talks 2024",
        description="Second.",
        guidelines="Code the speaker.",
        targets=["trade", "Security", "Peace"],
        labels={"stance": [("favor", "For it."), ("against", "")]},
        user=mona,
    )
    session.flush()
    security = next(t.id for t in project.targets if t.name == "Security")
    newest_first = _project_history(session, project)
    assert newest_first[-1] == created[0]
    assert sorted(newest_first[:-1], key=lambda e: e[0]) == sorted(
        [
            ("rename", "mona", {"name": "Talks"}, {"name": "Talks 2024"}),
            ("edit-description", "mona", {"description": "First."}, {"description": "Second."}),
            ("edit-guidelines", "mona", {"guidelines": ""}, {"guidelines": "Code the speaker."}),
            (
                "rename-target",
                "mona",
                {"target_id": trade, "target": "Trade"},
                {"target_id": trade, "target": "trade"},
            ),
            ("add-target", "mona", None, {"target_id": security, "target": "Security"}),
            (
                "reorder-targets",
                "mona",
                {"targets": ["Peace", "Trade"]},
                {"targets": ["trade", "Security", "Peace"]},
            ),
            (
                "edit-labels",
                "mona",
                {"field": "stance", "labels": [list(p) for p in DEFAULT_LABELS["stance"]]},
                {"field": "stance", "labels": [["favor", "For it."], ["against", ""]]},
            ),
        ],
        key=lambda e: e[0],
    )
    before = len(newest_first)
    set_targets(session, project, ["Peace"], user=ann)  # Trade and Security retired
    set_targets(session, project, ["Peace", "Trade"], user=mona)  # Trade restored
    rename_target(session, project, peace, "Peace talks", user=mona)
    set_labels(session, project, "stance", [("favor", "For it."), ("against", "")], user=mona)
    session.flush()
    assert _project_history(session, project)[
        : len(_project_history(session, project)) - before
    ] == [
        (
            "rename-target",
            "mona",
            {"target_id": peace, "target": "Peace"},
            {"target_id": peace, "target": "Peace talks"},
        ),
        (
            "rename-target",
            "mona",
            {"target_id": trade, "target": "trade"},
            {"target_id": trade, "target": "Trade"},
        ),
        ("restore-target", "mona", None, {"target_id": trade, "target": "Trade"}),
        ("retire-target", "ann", {"target_id": security, "target": "Security"}, None),
        ("retire-target", "ann", {"target_id": trade, "target": "trade"}, None),
    ]


def test_unchanged_settings_record_nothing(session):
    mona = make_user(session, "mona")
    project = make_project(session, "Talks", targets=("Peace",), manager=mona)
    entries = _project_history(session, project)
    update_project(
        session,
        project,
        name="Talks",
        description="",
        guidelines="",
        targets=["Peace"],
        labels={f: [tuple(p) for p in DEFAULT_LABELS[f]] for f in LABELLED_FIELDS},
        user=mona,
    )
    assert rename_target(session, project, project.targets[0].id, "Peace", user=mona) is False
    session.flush()
    assert _project_history(session, project) == entries


def test_membership_changes_are_recorded_inside_set_member_and_remove_member(session):
    mona, ann = make_user(session, "mona"), make_user(session, "ann")
    project = create_project(session, "Talks", targets=["Peace"], creator=mona)
    set_member(session, project, ann, "annotator", by=mona)
    set_member(session, project, ann, "annotator", by=mona)  # no change: nothing recorded
    set_member(session, project, ann, "manager", by=mona)
    remove_member(session, project, ann, by=mona)
    set_member(session, project, ann, "annotator")  # the command line: nobody logged in
    with pytest.raises(Conflict):
        remove_member(session, project, mona, by=mona)
    session.flush()
    assert _project_history(session, project)[:4] == [
        ("add-member", None, None, {"member": "ann", "role": "annotator"}),
        ("remove-member", "mona", {"member": "ann", "role": "manager"}, None),
        (
            "change-role",
            "mona",
            {"member": "ann", "role": "annotator"},
            {"member": "ann", "role": "manager"},
        ),
        ("add-member", "mona", None, {"member": "ann", "role": "annotator"}),
    ]


def test_project_history_is_paginated_newest_first(session):
    from workbench.ops.history import project_history

    mona = make_user(session, "mona")
    other = make_project(session, "Other", manager=mona)
    project = make_project(session, "Talks", manager=mona)
    for i in range(7):
        update_project(
            session,
            project,
            name="Talks",
            description=f"Take {i}.",
            guidelines="",
            targets=["Target A"],
            labels={},
            user=mona,
        )
    session.flush()
    page, first = project_history(session, project.id, page=1, size=3)
    assert (page.total, page.pages) == (8, 3)  # the creation and 7 edits; not the other's
    assert [e.after["description"] for e in first] == ["Take 6.", "Take 5.", "Take 4."]
    _, third = project_history(session, project.id, page=3, size=3)
    assert [e.action for e in third] == ["edit-description", "create"]
    with pytest.raises(NotFound, match="no page 4"):
        project_history(session, project.id, page=4, size=3)
    assert project_history(session, other.id, size=3)[0].total == 1


def test_the_project_history_survives_a_dump_and_restore_in_the_same_database(session):
    from workbench.ops.backup import dump_lines, read_dump, restore_project

    mona = make_user(session, "mona")
    project = create_project(session, "Talks", targets=["Peace", "Trade"], creator=mona)
    set_targets(session, project, ["Peace"], user=mona)
    session.commit()
    lines = list(dump_lines(session, project))
    session.rollback()
    restored, _, _ = restore_project(session, read_dump(lines), name="Talks again")
    session.flush()
    trade = session.scalar(
        select(Target.id).where(Target.project_id == restored.id, Target.name == "Trade")
    )
    assert trade is not None and trade not in set(target_names(session, project.id))
    assert _project_history(session, restored) == [
        ("retire-target", "mona", {"target_id": trade, "target": "Trade"}, None),
        (
            "create",
            "mona",
            None,
            {
                "name": "Talks",
                "description": "",
                "guidelines": "",
                "targets": ["Peace", "Trade"],
                "manager": "mona",
            },
        ),
    ]
    assert len(_project_history(session, project)) == 2


def test_inviting_says_the_same_whether_an_account_has_the_name(session):
    """Issue 9: a manager who adds members must not learn which usernames exist."""
    mona = make_user(session, "mona")
    make_user(session, "stan")
    project = make_project(session, manager=mona)
    results = [
        invite_member(session, project, name, "annotator", by=mona) for name in ("stan", "ghost")
    ]
    assert [(r.outcome, r.username, r.role) for r in results] == [
        ("invited", "stan", "annotator"),
        ("invited", "ghost", "annotator"),
    ]
    assert [m.user.username for m in members(session, project)] == ["mona"]
    assert [(i.username, i.role) for i in pending_invitations(session, project)] == [
        ("ghost", "annotator"),
        ("stan", "annotator"),
    ]


def test_an_invited_user_accepts_or_declines(session):
    mona, stan, ann = (
        make_user(session, "mona"),
        make_user(session, "stan"),
        make_user(session, "ann"),
    )
    project = make_project(session, manager=mona)
    invite_member(session, project, "STAN", "manager", by=mona)  # one name whatever the case
    invite_member(session, project, "ann", "annotator", by=mona)
    (for_stan,) = invitations_for(session, stan)
    assert (for_stan.project.name, for_stan.role, for_stan.invited_by.username) == (
        project.name,
        "manager",
        "mona",
    )
    # Nobody answers another's invitation.
    with pytest.raises(NotFound, match="No such invitation"):
        answer_invitation(session, for_stan.id, ann, accept=True)
    assert answer_invitation(session, for_stan.id, stan, accept=True) is project
    assert project_role(session, stan, project) == "manager"
    (for_ann,) = invitations_for(session, ann)
    answer_invitation(session, for_ann.id, ann, accept=False)
    assert project_role(session, ann, project) is None
    assert pending_invitations(session, project) == []
    with pytest.raises(NotFound):
        answer_invitation(session, for_ann.id, ann, accept=True)


def test_inviting_again_renews_the_invitation_and_a_member_changes_role(session):
    mona, ann = make_user(session, "mona"), make_user(session, "ann")
    project = make_project(session, manager=mona, annotators=[ann])
    invite_member(session, project, "ghost", "annotator", by=mona)
    invite_member(session, project, "Ghost", "manager", by=mona)
    assert [(i.username, i.role) for i in pending_invitations(session, project)] == [
        ("ghost", "manager")
    ]
    result = invite_member(session, project, "ann", "manager", by=mona)
    assert (result.outcome, result.role) == ("member", "manager")
    assert project_role(session, ann, project) == "manager"


@pytest.mark.parametrize(
    ("username", "role"), [("has space", "annotator"), ("x" * 81, "annotator"), ("ghost", "owner")]
)
def test_bad_invitations_are_refused(session, username, role):
    mona = make_user(session, "mona")
    project = make_project(session, manager=mona)
    with pytest.raises(InvalidInput):
        invite_member(session, project, username, role, by=mona)
    assert pending_invitations(session, project) == []


def test_withdrawing_an_invitation(session):
    mona = make_user(session, "mona")
    project, other = make_project(session, manager=mona), make_project(session, "Other")
    invite_member(session, project, "ghost", "annotator", by=mona)
    (invitation,) = pending_invitations(session, project)
    with pytest.raises(NotFound):
        withdraw_invitation(session, other, invitation.id)
    assert withdraw_invitation(session, project, invitation.id) == "ghost"
    assert pending_invitations(session, project) == []


def test_who_may_create_projects_is_an_instance_setting(session):
    ann, root = make_user(session, "ann"), make_user(session, "root", is_admin=True)
    assert instance_settings(session) == {"project_creators": "admins"}
    assert not can(ann, "create-project", instance=instance_settings(session))
    assert not can(ann, "create-project")  # without the settings: admins only
    assert can(root, "create-project", instance=instance_settings(session))
    assert set_instance_setting(session, "project_creators", "everyone") is True
    assert set_instance_setting(session, "project_creators", "everyone") is False
    assert can(ann, "create-project", instance=instance_settings(session))
    for name, value in [("project_creators", "nobody"), ("colour", "blue")]:
        with pytest.raises(InvalidInput):
            set_instance_setting(session, name, value)
    assert instance_settings(session) == {"project_creators": "everyone"}
