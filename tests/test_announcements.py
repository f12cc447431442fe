"""The hub's announcement banner: the latest message the announcements service wrote, as the
hub's pages show it (dlcourse.announcements.Latest, JupyterHub's `announcement` variable)."""

import datetime as dt
import json

from dlcourse.announcements import POST_SCOPE, Latest, may_post

NOW = dt.datetime(2026, 12, 2, 9, 0)


def post(path, *entries):
    """The file as jupyterhub-announcement's queue writes it: a list, oldest first."""
    path.write_text(json.dumps([{"user": u, "announcement": a, "timestamp": t.isoformat()} for u, a, t in entries]))


def test_the_latest_message_is_shown_with_who_posted_it_and_when(tmp_path):
    f = tmp_path / "announcements.json"
    latest = Latest(f, now=lambda: NOW)
    assert latest(None) == ""  # nothing posted
    post(f, ("teacher", "Old news", NOW - dt.timedelta(hours=2)), ("teacher", "Room 101 today", NOW))
    shown = latest(None)
    assert shown.startswith("Room 101 today") and "Old news" not in shown and "(teacher, 2026-12-02 09:00)" in shown


def test_a_new_post_is_shown_at_the_next_page(tmp_path):
    f = tmp_path / "announcements.json"
    latest = Latest(f, now=lambda: NOW)
    post(f, ("teacher", "First", NOW))
    assert latest(None).startswith("First")
    post(f, ("teacher", "First", NOW), ("teacher", "The deadline moved to Friday", NOW))
    assert latest(None).startswith("The deadline moved to Friday")


def test_a_cleared_or_expired_or_unreadable_announcement_shows_nothing(tmp_path):
    f = tmp_path / "announcements.json"
    post(f, ("teacher", "Hello", NOW), ("teacher", "", NOW))  # the service clears with an empty message
    assert Latest(f, now=lambda: NOW)(None) == ""
    post(f, ("teacher", "Last week", NOW - dt.timedelta(days=8)))
    assert Latest(f, now=lambda: NOW)(None) == ""
    f.write_text('[{"user": "teacher", "announ')  # being written
    assert Latest(f, now=lambda: NOW)(None) == ""


def test_the_posters_name_cannot_inject_markup(tmp_path):
    f = tmp_path / "announcements.json"
    post(f, ("<script>x</script>", "Hi", NOW))
    assert "<script>" not in Latest(f, now=lambda: NOW)(None)


def test_only_admins_and_holders_of_the_post_scope_may_post():
    assert may_post({"name": "boss", "admin": True, "scopes": []})
    assert may_post({"name": "teach", "admin": False, "scopes": ["access:services!service=announcements", POST_SCOPE]})
    assert not may_post({"name": "ada", "admin": False, "scopes": ["access:services!service=announcements"]})
    assert not may_post(None)
