"""Operations on big projects: no statement carries a list of ids that grows with
the data (SQLite refuses more than 32766 variables by default, PostgreSQL more than
65535 parameters)."""

from __future__ import annotations

import json

import pytest

from tests.bulk import make_long_article, upstream_parameter_limit
from tests.conftest import make_project, make_user
from workbench.db import begin_snapshot
from workbench.models import Project
from workbench.ops.backup import dump_lines

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_a_project_with_more_claims_than_the_parameter_limit_dumps(engine, session_factory):
    with upstream_parameter_limit(engine) as limit:
        with session_factory() as session:
            user = make_user(session, "ann")
            project = make_project(session, "Big", manager=user)
            make_long_article(session, project, limit + 1_000)
            session.commit()
            project_id = project.id
        kinds: dict[str, int] = {}
        with session_factory() as session:  # a dump reads one snapshot of its own
            begin_snapshot(session)
            for line in dump_lines(session, session.get(Project, project_id)):
                kind = json.loads(line).get("type")
                kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["claim"] == limit + 1_000
    assert kinds["article"] == 1
