"""Invitations into a project: how a manager who is not an admin adds someone.

A manager types a username; the answer is the same whether an account has
that name or not (a manager must not learn which accounts exist), and the
invitation waits, kept by the name typed, until the user it names accepts or
declines it on their project list. Admins (and the CLI) add members directly
with ops.projects.set_member.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from workbench.db import unique_or_conflict
from workbench.errors import InvalidInput, NotFound
from workbench.models import ROLES, Invitation, Membership, Project, User
from workbench.ops.projects import set_member
from workbench.ops.users import check_username


@dataclass(frozen=True, slots=True)
class InviteResult:
    """What inviting did: changed a member's role (``member``), or made or renewed
    an invitation (``invited``, whether or not an account has the name)."""

    outcome: str
    username: str
    role: str


def invite_member(
    session: Session, project: Project, username: str, role: str, *, by: User
) -> InviteResult:
    """Invite ``username`` into the project with ``role``; a current member's role
    changes at once instead (the manager sees the members already).

    Raises InvalidInput for a name that cannot be a username or an unknown role,
    Conflict for demoting the last manager.
    """
    username = username.strip()
    check_username(username)
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r} (roles: {', '.join(ROLES)}).", field="role")
    member = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id, func.lower(User.username) == username.lower())
    )
    if member is not None:
        set_member(session, project, member, role, by=by)
        return InviteResult("member", member.username, role)
    invitation = _pending(session, project, username)
    if invitation is not None:
        invitation.role = role
        invitation.invited_by_id = by.id
        session.flush()
        return InviteResult("invited", invitation.username, role)
    with unique_or_conflict(session, f"{username} was invited at the same moment; reload."):
        session.add(
            Invitation(project_id=project.id, username=username, role=role, invited_by_id=by.id)
        )
        session.flush()
    return InviteResult("invited", username, role)


def _pending(session: Session, project: Project, username: str) -> Invitation | None:
    return session.scalar(
        select(Invitation).where(
            Invitation.project_id == project.id,
            func.lower(Invitation.username) == username.lower(),
        )
    )


def pending_invitations(session: Session, project: Project) -> list[Invitation]:
    """Return the project's invitations not yet answered, by the name typed."""
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.project_id == project.id)
            .options(selectinload(Invitation.invited_by))
            .order_by(Invitation.username)
        )
    )


def invitations_for(session: Session, user: User) -> list[Invitation]:
    """Return the invitations that name ``user`` (usernames are one name whatever the case)."""
    return list(
        session.scalars(
            select(Invitation)
            .where(func.lower(Invitation.username) == user.username.lower())
            .options(selectinload(Invitation.project), selectinload(Invitation.invited_by))
            .order_by(Invitation.created_at, Invitation.id)
        )
    )


def answer_invitation(session: Session, invitation_id: int, user: User, *, accept: bool) -> Project:
    """Accept (``user`` becomes a member with the invited role) or decline an
    invitation of ``user``; it is gone either way. Return its project.

    Raises NotFound for an invitation that is not there or names someone else,
    Conflict when accepting would demote the project's last manager.
    """
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.username.lower() != user.username.lower():
        raise NotFound("No such invitation (it may have been answered or withdrawn).")
    project = invitation.project
    if accept:
        set_member(session, project, user, invitation.role, by=user)  # they accepted
    session.delete(invitation)
    session.flush()
    return project


def withdraw_invitation(session: Session, project: Project, invitation_id: int) -> str:
    """Withdraw a pending invitation of the project; return the name it was for.

    Raises NotFound.
    """
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.project_id != project.id:
        raise NotFound("No such invitation (it may have been answered or withdrawn).")
    session.delete(invitation)
    session.flush()
    return invitation.username
