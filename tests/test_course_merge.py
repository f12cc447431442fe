"""The course merge at server start: updates reach students, student bytes are never lost."""

import random

import course_merge as cm  # images/course/start, on pytest's pythonpath (pyproject.toml)
import pytest

MANIFEST = """
[course]
title = "Test course"
repository = "x/y"
[videos]
"V" = "https://example.org/v"
[[part]]
number = 1
title = "One"
[[notebook]]
file = "a.ipynb"
part = 1
title = "A"
environment = "foundations"
videos = ["V"]
smoke_budget = 60
"""


@pytest.fixture
def dirs(tmp_path):
    course, home = tmp_path / "opt-course", tmp_path / "home" / "course"
    course.mkdir()
    (course / "course.toml").write_text(MANIFEST)
    (course / "a.ipynb").write_text("a v1")
    (course / "b.ipynb").write_text("b v1")
    return course, home


def test_first_start_copies_the_course_and_a_start_page(dirs):
    course, home = dirs
    cm.merge(course, home, today="2026-01-01")
    assert (home / "a.ipynb").read_text() == "a v1" and (home / "b.ipynb").read_text() == "b v1"
    page = (home / cm.START_PAGE).read_text()
    assert "[A](a.ipynb)" in page and "https://example.org/v" in page and "foundations" in page
    assert not (home / "course.toml").exists()


def test_untouched_notebook_is_updated(dirs):
    course, home = dirs
    cm.merge(course, home)
    (course / "a.ipynb").write_text("a v2")
    assert cm.merge(course, home) == ["Updated: a.ipynb"]
    assert (home / "a.ipynb").read_text() == "a v2"


def test_changed_notebook_is_kept_and_new_version_saved_beside(dirs):
    course, home = dirs
    cm.merge(course, home)
    (home / "a.ipynb").write_text("my work")
    (course / "a.ipynb").write_text("a v2")
    messages = cm.merge(course, home, today="2026-02-03")
    assert (home / "a.ipynb").read_text() == "my work"
    assert (home / "a.course-update-2026-02-03.ipynb").read_text() == "a v2"
    assert "kept" in messages[0] and "a.course-update-2026-02-03.ipynb" in (home / cm.NOTES).read_text()
    assert cm.merge(course, home) == []  # nothing more on the next start


def test_deleted_notebook_stays_deleted_and_can_be_restored(dirs):
    course, home = dirs
    cm.merge(course, home)
    (home / "b.ipynb").unlink()
    (course / "b.ipynb").write_text("b v2")
    cm.merge(course, home)
    assert not (home / "b.ipynb").exists()
    assert "Restored" in cm.restore(course, home, "b.ipynb")
    assert (home / "b.ipynb").read_text() == "b v2"


def test_restore_keeps_the_students_version_aside(dirs):
    course, home = dirs
    cm.merge(course, home)
    (home / "a.ipynb").write_text("my work")
    message = cm.restore(course, home, "a.ipynb", now="20260101-120000")
    assert (home / "a.ipynb").read_text() == "a v1"
    assert (home / "a.mine-20260101-120000.ipynb").read_text() == "my work"
    assert "a.mine-20260101-120000.ipynb" in message
    with pytest.raises(SystemExit, match="not a course file"):
        cm.restore(course, home, "nope.ipynb")


def test_a_students_own_file_with_a_new_course_name_is_kept(dirs):
    course, home = dirs
    cm.merge(course, home)
    (home / "c.ipynb").write_text("student's own c")
    (course / "c.ipynb").write_text("course c")
    cm.merge(course, home, today="2026-03-01")
    assert (home / "c.ipynb").read_text() == "student's own c"
    assert (home / "c.course-update-2026-03-01.ipynb").read_text() == "course c"


def test_damaged_state_trusts_nothing_and_loses_nothing(dirs):
    course, home = dirs
    cm.merge(course, home)
    (home / "a.ipynb").write_text("my work")
    (home / cm.STATE).write_text("{not json")
    (course / "a.ipynb").write_text("a v2")
    cm.merge(course, home)
    assert (home / "a.ipynb").read_text() == "my work"


def contents(home):
    """Bytes of every file at home, but the merge's own bookkeeping."""
    return {p.read_bytes() for p in home.rglob("*") if p.is_file() and p.name not in (cm.STATE, cm.NOTES)}


@pytest.mark.parametrize("seed", range(150))
def test_random_sequences_of_edits_and_updates_never_lose_a_student_byte(tmp_path, seed):
    rng = random.Random(seed)
    course, home = tmp_path / "course", tmp_path / "home"
    course.mkdir()
    names = [f"n{i}.ipynb" for i in range(4)]
    for name in names[:2]:
        (course / name).write_bytes(f"{name} v0".encode())
    cm.merge(course, home, today="d0")
    deleted: set[str] = set()
    for step in range(1, 25):
        action, name = (
            rng.choice(["edit", "edit", "delete", "create", "update", "add", "remove", "merge"]),
            rng.choice(names),
        )
        target = home / name
        if action == "edit" and target.exists():
            target.write_bytes(f"student {name} step {step} {rng.random()}".encode())
        elif action == "create":
            target.write_bytes(f"student new {name} {step}".encode())
            deleted.discard(name)
        elif action == "delete" and target.exists():
            target.unlink()
            if name in cm.load_state(home):  # a course notebook the student had received
                deleted.add(name)
        elif action in ("update", "add"):
            (course / name).write_bytes(f"{name} v{step}".encode())
        elif action == "remove":
            (course / name).unlink(missing_ok=True)
        elif action == "merge":
            before = contents(home)
            cm.merge(course, home, today=f"d{step}")
            after = contents(home)
            lost = before - after
            # Only course-delivered bytes the student never touched may be replaced.
            assert all(b.startswith(b"n") for b in lost), f"student bytes lost: {lost}"
            for n in deleted:
                assert not (home / n).exists(), f"{n} came back after the student deleted it"
            for n in names:
                if (course / n).exists() and (home / n).exists() and not (home / n).read_bytes().startswith(b"student"):
                    assert (home / n).read_bytes() == (course / n).read_bytes(), f"{n} not updated"
