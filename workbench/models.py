"""The data model: typed SQLAlchemy 2.x models, one class a table.

Offsets are the truth: a claim's text is always ``article.text[start:end]``.
Nothing that an export or the history refers to is hard-deleted; removal is a
recorded state (``Claim.state``, ``Speaker.merged_into_id``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from workbench import permissions

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SPEAKER_TYPES = ("person", "organization", "outlet", "author", "unknown")
# A member's role in a project: workbench.permissions says what each may do.
ROLES = permissions.ROLES
CLAIM_STATES = ("active", "merged")
# The reasons for settling a disagreement a new project offers (Project.gold_reasons).
GOLD_REASONS = ("guideline unclear", "annotator slip", "genuinely ambiguous", "other")
ANNOTATION_STATUSES = ("draft", "submitted")
# The covering index of stances the agreement report reads (migration 0010).
STANCE_INDEX = "ix_stances_annotation_target_value"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class LoginFailure(Base):
    """Failed logins per username and address, for throttling across workers."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("username", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginAddressFailure(Base):
    """Failed logins per address, whatever the username: an address that fails too
    often is refused before any password is hashed."""

    __tablename__ = "login_address_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginSession(Base):
    """A logged-in browser: the cookie carries a random token, the table its SHA-256.

    Logging out, a new password, an admin or deactivation sets ``ended_at``;
    an ended session never comes back.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index(None, "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_reason: Mapped[str] = mapped_column(String(20), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class InstanceSetting(Base):
    """A setting of the whole instance that an admin changes in the browser
    (see ops.instance for the names and their values)."""

    __tablename__ = "instance_settings"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Invitation(Base):
    """A manager's invitation of a username into a project, until it is answered.

    Kept by the name the manager typed, whether or not an account has it, so
    that inviting tells a manager nothing about which accounts exist.
    """

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("project_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20), default="annotator")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()
    invited_by: Mapped[User | None] = relationship()


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    guidelines: Mapped[str] = mapped_column(Text, default="")
    codebook_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The annotate page's keys: only the actions changed from the defaults (action name
    # -> list of keys, see workbench.keymap), NULL (not JSON null) when all are the defaults.
    keymap: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # Blind mode: an annotator never sees another annotator's labels, notes or history.
    blind: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Whether annotators annotate only the articles assigned to them (see Assignment):
    # on once the first article is assigned, and a manager may turn it off again.
    assigned_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The reasons an adjudicator picks from when settling a disagreement into gold
    # (see GoldLabel), in order; NULL (not JSON null) means the defaults, GOLD_REASONS.
    gold_reasons: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))

    # The targets annotators label; retired ones are kept for the history (see Target).
    targets: Mapped[list[Target]] = relationship(
        back_populates="project",
        order_by="Target.position",
        primaryjoin="and_(Target.project_id == Project.id, Target.retired.is_(False))",
        viewonly=True,
    )
    labels: Mapped[list[Label]] = relationship(
        back_populates="project", order_by="(Label.field, Label.position)"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="project")
    articles: Mapped[list[Article]] = relationship(back_populates="project", order_by="Article.id")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="annotator")

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class Assignment(Base):
    """An article assigned to an annotator of its project."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("article_id", "user_id"),
        # A user's queue, article by article.
        Index(None, "project_id", "user_id", "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class Target(Base):
    """A stance target of a project, e.g. "Iran-Iraq military cooperation".

    A target taken out of the project is kept, ``retired``, since the history
    names it by id; listing it again brings it (and its id) back.
    """

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())

    project: Mapped[Project] = relationship()


class Label(Base):
    """One allowed value of a labelled field (stance, verifiability, attribution)."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("project_id", "field", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    project: Mapped[Project] = relationship(back_populates="labels")


class Article(Base):
    """An imported text; immutable once stored."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("project_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    outlet: Mapped[str] = mapped_column(String(300), default="")
    author: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(20), default="")
    dateline: Mapped[str] = mapped_column(String(200), default="")
    # The wire service a dateline names ("LONDON (Reuters) -"), set by the suggester.
    wire_source: Mapped[str] = mapped_column(String(200), default="", server_default="")
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(Text, default="")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="articles")
    claims: Mapped[list[Claim]] = relationship(
        back_populates="article",
        order_by="Claim.start",
        primaryjoin="and_(Claim.article_id == Article.id, Claim.state == 'active')",
        viewonly=True,
    )


class Claim(Base):
    """A span ``[start, end)`` of an article's text."""

    __tablename__ = "claims"
    __table_args__ = (Index(None, "article_id", "state", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="active")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="claims")
    suggestions: Mapped[list[Suggestion]] = relationship(back_populates="claim")

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]


class Suggestion(Base):
    """What the workbench proposes for a claim before a person decides: one row per
    claim and field, written by ops.suggestions (see docs/suggestions-storage.md).

    ``speaker_id`` is the registry speaker a speaker or via suggestion names, when
    the registry has it; ``evidence`` holds the rule, the evidence spans and, for
    speaker and via, what is needed to create the speaker when it is accepted.
    """

    __tablename__ = "suggestions"
    # Queries by claim use the unique constraint's index (claim_id first); the
    # speaker index holds only the rows that name a registry speaker (migration 0006).
    __table_args__ = (
        UniqueConstraint("claim_id", "field"),
        Index(
            "ix_suggestions_speaker_id",
            "speaker_id",
            sqlite_where=text("speaker_id IS NOT NULL"),
            postgresql_where=text("speaker_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(300))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(40), default="splitter")
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id"))

    claim: Mapped[Claim] = relationship(back_populates="suggestions")
    speaker: Mapped[Speaker | None] = relationship()


class Speaker(Base):
    """Who asserts claims, in a project-wide registry."""

    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20), default="person")
    title: Mapped[str] = mapped_column(String(300), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    aliases: Mapped[list[SpeakerAlias]] = relationship(
        back_populates="speaker", order_by="SpeakerAlias.alias", cascade="all, delete-orphan"
    )


class SpeakerAlias(Base):
    __tablename__ = "speaker_aliases"
    __table_args__ = (UniqueConstraint("speaker_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id"), index=True)
    alias: Mapped[str] = mapped_column(String(300))

    speaker: Mapped[Speaker] = relationship(back_populates="aliases")


class Annotation(Base):
    """One annotator's labels for one claim.

    ``version`` counts saves; an update names the version it was based on and
    is refused when another save came first (see ops.annotations).
    """

    __tablename__ = "annotations"
    __table_args__ = (UniqueConstraint("claim_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id"), index=True)
    via_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id"), index=True)
    attribution: Mapped[str] = mapped_column(String(80), default="")
    verifiability: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    span_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    codebook_version: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The saved fields whose value was the claim's suggestion, unchanged, at save time.
    from_suggestion: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship()
    user: Mapped[User] = relationship()
    speaker: Mapped[Speaker | None] = relationship(foreign_keys=[speaker_id])
    via: Mapped[Speaker | None] = relationship(foreign_keys=[via_id])
    stances: Mapped[list[Stance]] = relationship(
        back_populates="annotation", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class Stance(Base):
    """An annotation's stance toward one target."""

    __tablename__ = "stances"
    __table_args__ = (
        UniqueConstraint("annotation_id", "target_id"),
        # Covering: the agreement report reads each annotation's stance per target
        # from the index alone (ops.agreement, migration 0010).
        Index(STANCE_INDEX, "annotation_id", "target_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    value: Mapped[str] = mapped_column(String(80))

    annotation: Mapped[Annotation] = relationship(back_populates="stances")
    target: Mapped[Target] = relationship()


class GoldLabel(Base):
    """The settled (gold) value of one field of a claim: for a stance, per target.

    ``key`` is the field's name, or ``stance:<target id>`` for a stance, so that the
    unique (claim, key) holds for every field (NULL target ids would be distinct in
    a UNIQUE). A speaker field holds its registry speaker in ``speaker_id`` (its
    ``value`` empty), a label field its label in ``value``; both empty is a gold of
    "not set". ``adjudicated`` is false when it was accepted because every done
    annotation agreed; ``source_annotation_ids`` are the annotations whose value it
    took. ``version`` counts changes, as Annotation.version does (ops.gold).
    """

    __tablename__ = "gold_labels"
    __table_args__ = (
        UniqueConstraint("claim_id", "key"),
        Index(None, "project_id", "claim_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    field: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(String(80), default="")
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id"), index=True)
    adjudicated: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    reason_text: Mapped[str] = mapped_column(Text, default="")
    source_annotation_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    codebook_version: Mapped[int] = mapped_column(Integer, default=1)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    settled_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    claim: Mapped[Claim] = relationship()
    speaker: Mapped[Speaker | None] = relationship()
    settled_by: Mapped[User | None] = relationship()
    target: Mapped[Target | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class HistoryEntry(Base):
    """An append-only record of a change: who, when, what it was before and after."""

    __tablename__ = "history"
    __table_args__ = (Index(None, "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    claim_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()


IMPORT_FATES = ("imported", "duplicate", "rejected")


class ImportJob(Base):
    """One import (an upload, a paste, a CLI run), stored in short transactions as it runs.

    The counts are those of the items stored so far; a job whose heartbeat stopped
    while ``running`` was interrupted (its worker died), see ops.import_jobs.
    """

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="running")  # or "done", "failed"
    error: Mapped[str] = mapped_column(Text, default="")
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    files_read: Mapped[int] = mapped_column(Integer, default=0)
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    items_done: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    claims: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class ImportJobItem(Base):
    """One line of an import's report: an item (file, row, line) and its fate."""

    __tablename__ = "import_job_items"
    __table_args__ = (
        UniqueConstraint("job_id", "position"),
        Index(None, "job_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id"))
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    title: Mapped[str] = mapped_column(Text, default="")
    claims: Mapped[int] = mapped_column(Integer, default=0)


class SuggestionRun(Base):
    """A re-run of the suggester over a project's articles, stored batch by batch.

    ``after_article_id`` is the last article done (articles go by id); a run whose
    heartbeat stopped while ``running`` was interrupted (see ops.suggestions).
    """

    __tablename__ = "suggestion_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="running")  # or "done", "failed"
    error: Mapped[str] = mapped_column(Text, default="")
    articles_total: Mapped[int] = mapped_column(Integer, default=0)
    articles_done: Mapped[int] = mapped_column(Integer, default=0)
    claims: Mapped[int] = mapped_column(Integer, default=0)
    suggestions: Mapped[int] = mapped_column(Integer, default=0)
    after_article_id: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
