"""``workbench suggest``: re-run the suggester over a project or one article."""

from __future__ import annotations

from sqlalchemy import func, select, update

from tests.cli.test_cli import ok
from workbench.db import make_engine, make_session_factory
from workbench.models import Annotation, Article, Suggestion, SuggestionRun

TEXT = (
    '"We will open the bridge in May," Transport Minister Jane Doe said on Monday.\n\n'
    "Opposition leader John Smith said the plan would fail.\n"
)


def _fails(result, message):
    assert result.exit_code != 0, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output


def _project(cli, tmp_path):
    ok(cli("projects", "create", "Bridge", "--target", "Bridge"))
    for name in ("a", "b"):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"{TEXT}Story {name}.\n", encoding="utf-8")
        ok(cli("import", "--project", "Bridge", str(path)))


def test_suggest_reruns_a_whole_project_and_one_article(cli, database_url, tmp_path):
    _project(cli, tmp_path)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            fresh = session.scalars(select(Suggestion.value).order_by(Suggestion.id)).all()
            session.execute(update(Suggestion).values(value="stale"))
            session.commit()
        output = ok(cli("suggest", "--project", "Bridge"))
        assert output.startswith("2 of 2 articles done: ")
        assert "suggestions for 6 claims" in output
        with sessions() as session:
            values = session.scalars(select(Suggestion.value).order_by(Suggestion.id)).all()
            assert sorted(values) == sorted(fresh)
            assert session.scalar(select(SuggestionRun.status)) == "done"
            assert session.scalar(select(func.count()).select_from(Annotation)) == 0
            article_id = session.scalar(select(func.min(Article.id)))
        output = ok(cli("suggest", "--project", "Bridge", "--article", str(article_id)))
        assert output.startswith(f"Article {article_id}: ")
        assert "(0 rows written, 0 removed)" in output
    finally:
        engine.dispose()


def test_suggest_errors_are_clear(cli, tmp_path):
    _project(cli, tmp_path)
    _fails(cli("suggest", "--project", "Nope"), "No project named 'Nope'")
    _fails(cli("suggest", "--project", "Bridge", "--article", "99999"), "No article 99999")
    _fails(cli("suggest", "--project", "Bridge", "--article", "0"), "--article")
    _fails(cli("suggest"), "--project")
