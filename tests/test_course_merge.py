"""The course merge at server start: updates reach students, student bytes are never lost."""

import os
import random
import signal
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

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
    assert cm.merge(course, home).changes == ["Updated: a.ipynb"]
    assert (home / "a.ipynb").read_text() == "a v2"


def test_changed_notebook_is_kept_and_new_version_saved_beside(dirs):
    course, home = dirs
    cm.merge(course, home)
    (home / "a.ipynb").write_text("my work")
    (course / "a.ipynb").write_text("a v2")
    messages = cm.merge(course, home, today="2026-02-03").changes
    assert (home / "a.ipynb").read_text() == "my work"
    assert (home / "a.course-update-2026-02-03.ipynb").read_text() == "a v2"
    assert "kept" in messages[0] and "a.course-update-2026-02-03.ipynb" in (home / cm.NOTES).read_text()
    assert cm.merge(course, home) == cm.Report()  # nothing more on the next start


def test_a_kept_update_links_to_nbdimes_diff_of_the_two_and_says_how_to_take_it(dirs, monkeypatch):
    import re
    import urllib.parse

    course, home = dirs
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    cm.merge(course, home)
    (home / "a.ipynb").write_text("my work")
    (course / "a.ipynb").write_text("a v2")
    cm.merge(course, home, today="2026-02-03")
    notes = (home / cm.NOTES).read_text()
    link = re.search(r"\[see what changed\]\(([^)]+)\)", notes)
    assert link, notes
    url = urllib.parse.urlsplit(link.group(1))
    assert url.path == "/user/ada/nbdime/difftool"
    query = urllib.parse.parse_qs(url.query)  # paths from the server's root: the home holding course/
    assert query == {"base": ["course/a.ipynb"], "remote": ["course/a.course-update-2026-02-03.ipynb"]}
    assert (home.parent / query["remote"][0]).read_text() == "a v2"
    assert "`course-restore a.ipynb`" in notes


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


@contextmanager
def within(seconds):
    """Fails instead of hanging (a FIFO read blocks until a writer comes)."""

    def hung(signum, frame):
        raise TimeoutError(f"the merge blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def unmergeable_entries(course, home):
    """Entries that even root cannot read (the tests run as root here, and root reads a
    chmod 000 file): in the course a dangling link and a FIFO, sorting before every good
    entry; at home a folder where the student's a.ipynb was."""
    (course / "0-link.ipynb").symlink_to(course / "missing.ipynb")
    os.mkfifo(course / "0-pipe.ipynb")
    (home / "a.ipynb").unlink()
    (home / "a.ipynb").mkdir()
    (home / "a.ipynb" / "notes.txt").write_text("student's notes")


def test_an_entry_that_cannot_be_merged_is_reported_and_the_merge_goes_on(dirs):
    course, home = dirs
    cm.merge(course, home, today="d0")
    unmergeable_entries(course, home)
    (course / "a.ipynb").write_text("a v2")
    (course / "b.ipynb").write_text("b v2")
    with within(10):
        report = cm.merge(course, home, today="d1")
    assert report.changes == ["Updated: b.ipynb"]
    assert (home / "b.ipynb").read_text() == "b v2"
    assert (home / "a.ipynb" / "notes.txt").read_text() == "student's notes"  # left as it was
    assert [p.split(":")[1].strip() for p in report.problems] == ["0-link.ipynb", "0-pipe.ipynb", "a.ipynb"]
    assert "could not be read (No such file or directory)" in report.problems[0]
    assert "could not be read (not a regular file)" in report.problems[1]
    assert "your a.ipynb could not be read (a folder), so it was left as it was" in report.problems[2]
    notes = (home / cm.NOTES).read_text()
    assert all(f"- {line}" in notes for line in report.changes + report.problems)
    assert cm.load_state(home)["b.ipynb"] == cm.sha256(b"b v2")  # the state was saved past the problems
    assert cm.load_state(home)["a.ipynb"] == cm.sha256(b"a v1")  # still what a.ipynb was delivered as


def test_restore_names_the_problem_and_moves_any_entry_aside(dirs):
    course, home = dirs
    cm.merge(course, home)
    unmergeable_entries(course, home)
    with pytest.raises(SystemExit, match=r"0-pipe\.ipynb: the course's copy could not be read"):
        cm.restore(course, home, "0-pipe.ipynb")
    with within(10):
        message = cm.restore(course, home, "a.ipynb", now="t")
    assert (home / "a.ipynb").read_text() == "a v1"
    assert (home / "a.mine-t.ipynb" / "notes.txt").read_text() == "student's notes"
    assert "a.mine-t.ipynb" in message


def test_the_start_hook_reports_each_problem_says_only_what_is_true_and_starts_the_server(dirs, tmp_path):
    """The image's start-singleuser with its course-merge (pointed at this checkout's
    course_merge.py) and the real jupyterhub-singleuser (asked for --help)."""
    course, home = dirs
    cm.merge(course, home, today="d0")
    unmergeable_entries(course, home)
    (course / "0-new.ipynb").write_text("new")  # merged before a.ipynb, which cannot be
    start = Path(cm.__file__).parent
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = (start / "course-merge").read_text().replace("/usr/local/lib/dlcourse/course_merge.py", cm.__file__)
    assert wrapper != (start / "course-merge").read_text()
    (bin_dir / "course-merge").write_text(wrapper)
    (bin_dir / "course-merge").chmod(0o755)
    path = f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}"  # the test environment's bin
    env = {**os.environ, "PATH": path, "COURSE_SOURCE": str(course), "COURSE_HOME": str(home)}
    out = subprocess.run(
        ["sh", str(start / "start-singleuser"), "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "A Jupyter Application" in out.stdout  # jupyterhub-singleuser ran, with the hook's arguments
    assert "[course-merge] New: 0-new.ipynb" in out.stdout and (home / "0-new.ipynb").read_text() == "new"
    for name in ("0-link.ipynb", "0-pipe.ipynb", "a.ipynb"):
        assert f"[course-merge] Not merged: {name}: " in out.stderr
    assert "3 course entries could not be merged (above); every other one was merged" in out.stderr
    assert "not changed" not in out.stderr + out.stdout
    assert "exit status 1: not everything was merged" in out.stderr


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_course_files_are_0644_and_new_folders_0755_whatever_the_umask(dirs):
    course, home = dirs
    old = os.umask(0o077)
    try:
        cm.merge(course, home, today="d0")
        assert mode(home) == mode(home.parent) == 0o755  # both made by the merge
        for name in ("a.ipynb", "b.ipynb", cm.START_PAGE, cm.STATE, cm.NOTES):
            assert mode(home / name) == 0o644, name
        (home / "a.ipynb").write_text("my work")
        (course / "a.ipynb").write_text("a v2")
        (course / "b.ipynb").write_text("b v2")
        cm.merge(course, home, today="d1")
        assert mode(home / "a.course-update-d1.ipynb") == mode(home / "b.ipynb") == 0o644
        cm.restore(course, home, "a.ipynb", now="t")
        assert mode(home / "a.ipynb") == 0o644
        private = home.parent / "private"
        private.mkdir(mode=0o700)
        cm.merge(course, private)
        assert mode(private) == 0o700  # a folder the student made keeps its mode
    finally:
        os.umask(old)


def test_the_merge_command_prints_changes_and_problems_and_fails_on_a_problem(dirs, capsys):
    course, home = dirs
    assert cm.merge_main(["--course", str(course), "--home", str(home)]) == 0
    os.mkfifo(course / "0-pipe.ipynb")
    (course / "b.ipynb").write_text("b v2")
    with within(10):
        assert cm.merge_main(["--course", str(course), "--home", str(home)]) == 1
    out = capsys.readouterr()
    assert "[course-merge] Updated: b.ipynb" in out.out
    assert "[course-merge] Not merged: 0-pipe.ipynb: " in out.err and "1 course entry could not be merged" in out.err


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
            assert cm.merge(course, home, today=f"d{step}").problems == []
            after = contents(home)
            lost = before - after
            # Only course-delivered bytes the student never touched may be replaced.
            assert all(b.startswith(b"n") for b in lost), f"student bytes lost: {lost}"
            for n in deleted:
                assert not (home / n).exists(), f"{n} came back after the student deleted it"
            for n in names:
                if (course / n).exists() and (home / n).exists() and not (home / n).read_bytes().startswith(b"student"):
                    assert (home / n).read_bytes() == (course / n).read_bytes(), f"{n} not updated"
