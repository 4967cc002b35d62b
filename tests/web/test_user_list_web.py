"""The Users page: a table of the accounts, or words where there are none."""

from __future__ import annotations

from flask import render_template

from tests.web.web_helpers import page_text, read
from workbench.web.admin import UserActionForm, UserForm


def _page(users) -> str:
    return render_template(
        "admin/user_list.html",
        users=users,
        form=UserForm(formdata=None),
        action_form=UserActionForm(formdata=None),
        sessions={},
    )


def test_no_users_is_said_in_words_not_as_an_empty_table(app):
    with app.test_request_context("/admin/users"):
        body = _page([])
    assert "<table" not in body
    assert "No users yet: add the first one below." in page_text(body)


def test_the_users_are_listed_in_a_table_with_every_column_named(web, team):
    web.login("root")
    body = read(web.get("/admin/users"))
    assert "No users yet" not in body
    text = page_text(body)
    assert "Username Admin Active Created Open sessions Last seen Sessions and logins" in text
    for name in ("ann", "mona", "root", "stan"):
        assert f"<tr><td>{name}</td>" in body
