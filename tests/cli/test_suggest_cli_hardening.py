"""``workbench suggest`` while another re-run of the project is running."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.cli.test_suggest_cli import _fails, _project
from workbench.db import make_engine, make_session_factory
from workbench.models import Project, SuggestionRun
from workbench.ops.suggestions import create_suggestion_run


def test_suggest_while_a_run_is_running_says_so_and_starts_nothing(cli, database_url, tmp_path):
    _project(cli, tmp_path)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            project = session.scalar(select(Project))
            create_suggestion_run(session, project, None)
            session.commit()
        _fails(cli("suggest", "--project", "Bridge"), "being re-run already (run 1:")
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(SuggestionRun)) == 1
    finally:
        engine.dispose()
