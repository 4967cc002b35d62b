"""Two users creating the same name at the same moment: on PostgreSQL both can
pass the "is the name free?" check; the second insert must come back as the same
Conflict a name taken earlier gives, never as a server error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import make_project, make_user
from tests.ops.conftest import while_open
from workbench.db import unique_or_conflict
from workbench.errors import Conflict
from workbench.models import Project, Speaker
from workbench.ops.projects import create_project
from workbench.ops.speakers import create_speaker
from workbench.ops.users import create_user


def test_a_unique_violation_is_a_conflict_and_the_transaction_goes_on(session):
    make_project(session, "Taken")
    with pytest.raises(Conflict, match="exists already"):
        # As if the name check had run before the other project was there.
        with unique_or_conflict(session, "A project named 'Taken' exists already."):
            session.add(Project(name="Taken"))
            session.flush()
    make_project(session, "Free")
    session.commit()
    names = session.scalars(select(Project.name).order_by(Project.name)).all()
    assert names == ["Free", "Taken"]


def test_other_integrity_errors_are_not_called_conflicts(session):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with unique_or_conflict(session, "never said"):
            session.add(Speaker(project_id=987654, name="Nobody's"))
            session.flush()


@pytest.fixture
def postgresql_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: the name check cannot race")


def test_two_projects_created_with_one_name_at_once(session, database_url, postgresql_only):
    result = while_open(
        database_url,
        lambda s: create_project(s, "Same name", targets=["T"]),
        lambda s: create_project(s, "Same name", targets=["T"]),
    )
    assert isinstance(result, Conflict) and "exists already" in result.message
    assert session.scalar(select(func.count()).select_from(Project)) == 1


def test_two_speakers_created_with_one_name_at_once(session, database_url, postgresql_only):
    project_id = make_project(session, "Speakers").id
    session.commit()

    def add(s):
        create_speaker(s, s.get(Project, project_id), "Ali Khamenei")

    result = while_open(database_url, add, add)
    assert isinstance(result, Conflict) and "already" in result.message
    assert session.scalar(select(func.count()).select_from(Speaker)) == 1


def test_two_users_created_with_one_name_at_once(session, database_url, postgresql_only):
    make_user(session, "someone")  # the template has no users: the table exists
    session.commit()
    result = while_open(
        database_url,
        lambda s: create_user(s, "newcomer", "a long password"),
        lambda s: create_user(s, "newcomer", "a long password"),
    )
    assert isinstance(result, Conflict) and "taken" in result.message


def test_two_imports_of_one_article_at_once(session, database_url, postgresql_only):
    from workbench.importing import parse_pasted
    from workbench.models import Article
    from workbench.ops.articles import import_items

    project_id = make_project(session, "Imports").id
    session.commit()

    def run(s):
        project = s.get(Project, project_id)
        return import_items(s, project, parse_pasted("The same article. Twice."), user=None)

    # The second insert, refused by the unique (project, content hash), is reported
    # as the duplicate it is (in a savepoint: the rest of its batch is stored).
    report = while_open(database_url, run, run)
    assert [(r.status, r.reason) for r in report.results] == [
        ("duplicate", "the project already has an article with the same text")
    ]
    assert session.scalar(select(func.count()).select_from(Article)) == 1


def test_two_speakers_renamed_to_one_name_at_once(session, database_url, postgresql_only):
    from workbench.ops.speakers import update_speaker

    project_id = make_project(session, "Renames").id
    project = session.get(Project, project_id)
    for name in ("First Name", "Second Name"):
        create_speaker(session, project, name)
    session.commit()

    def rename(old):
        def change(s):
            speaker = s.scalar(select(Speaker).where(Speaker.name == old))
            try:
                update_speaker(
                    s, speaker, name="Same Name", type="person", title="", aliases=[], user=None
                )
            except Conflict:
                # The transaction is still usable: the rename ran in a savepoint.
                assert s.scalar(select(func.count()).select_from(Speaker)) == 2
                raise

        return change

    result = while_open(database_url, rename("First Name"), rename("Second Name"))
    assert isinstance(result, Conflict) and "already" in result.message
