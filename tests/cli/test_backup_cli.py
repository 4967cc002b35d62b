"""`workbench dump` and `workbench restore` move a project between databases."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.cli.test_cli import PASSWORD, fails, ok
from workbench.cli import main
from workbench.db import make_engine
from workbench.schema import upgrade

DEMO = "Demo: Iran-Iraq military talks"


def make_runner(url, instance):
    runner = CliRunner()
    env = {"WORKBENCH_DATABASE_URL": url, "WORKBENCH_INSTANCE_PATH": str(instance)}

    def run(*args, input=None):
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return run


def test_dump_then_restore_elsewhere_gives_the_same_dump(cli, tmp_path):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    first = tmp_path / "first.jsonl"
    ok(cli("dump", "--project", DEMO, "--output", str(first)))
    header = json.loads(first.read_text(encoding="utf-8").splitlines()[0])
    assert header["format"] == "claim-workbench-dump"

    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    engine = make_engine(other_url)
    upgrade(engine)
    engine.dispose()
    other = make_runner(other_url, tmp_path / "other")
    output = ok(other("restore", str(first)))
    assert f"Restored project {DEMO!r}" in output
    assert "mona" in output and "set-password" in output
    second = tmp_path / "second.jsonl"
    ok(other("dump", "--project", DEMO, "--output", str(second)))
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_restore_refuses_a_taken_name_and_a_file_that_is_no_dump(cli, tmp_path):
    ok(cli("users", "add", "mona", "--password", PASSWORD))
    ok(cli("seed-demo", "--manager", "mona"))
    dump = ok(cli("dump", "--project", DEMO))
    fails(cli("restore", "-", input=dump), "exists already")
    ok(cli("restore", "-", "--name", "Copy", input=dump))
    assert "Copy" in ok(cli("projects", "list"))
    fails(cli("restore", "-", input="hello\n"), "not valid JSON")
    fails(cli("dump", "--project", "Nope"), "No project named")
