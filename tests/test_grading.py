"""Grading's pieces that need no Docker: the [grading] settings, the gradebook's CSV, a stopped
run's record, feedback delivery into a home (never over a student's file, never through a link),
and the progress page's rule on who sees what. make grade itself, end to end with real
sandboxes and nbgrader, is in test_classroom_work.py."""

import json

import pytest
from tornado.httpclient import HTTPClientError

from dlcourse import progress
from dlcourse.manifest import NOTEBOOKS, ROOT, ConfigError
from dlcourse.settings import load_settings
from tools import gradebook

NB = "numpy_foundations_for_deep_learning.ipynb"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('memory = "2x"', "'grading.memory' = '2x'"),
        ('disk = "1M"', "'grading.disk' = '1M'; allowed: a size of at least 64M"),
        ("parallel = 0", "'grading.parallel' = 0; allowed: 1 to 64"),
        ("cpu_weight = 4096", "'grading.cpu_weight' = 4096; allowed: 2 to 1024"),
        ("notebook_timeout = 60\ncell_timeout = 120", "'grading.cell_timeout' = 120 is longer than"),
        ('pids = "many"', "'grading.pids' = 'many'; allowed: a whole number"),
    ],
)
def test_wrong_grading_settings_are_refused_with_key_value_and_what_is_allowed(tmp_path, toml, message):
    path = tmp_path / "classroom.toml"
    path.write_text(f"[grading]\n{toml}\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(path)


def test_grading_sizes_are_normalised_for_docker(tmp_path):
    path = tmp_path / "classroom.toml"
    path.write_text('[grading]\nmemory = "1.5g"\ndisk = "256mb"\n')
    grading = load_settings(path)["grading"]
    assert (grading["memory"], grading["disk"]) == ("1.5G", "256M")  # what docker run reads alike


def test_the_csv_has_one_row_per_student_and_notebook():
    grades = {
        "students": {
            "bob": {
                NB: {"status": "stopped", "points": 0.0, "max_points": 7.0, "graded_at": "t", "snapshot_sha256": "b"}
            },
            "ada": {
                NB: {"status": "graded", "points": 7.0, "max_points": 7.0, "graded_at": "t", "snapshot_sha256": "a"}
            },
        },
        "sections": {"ada": "a", "bob": ""},
    }
    lines = gradebook.grades_csv(grades).splitlines()
    assert lines[0] == ",".join(gradebook.CSV_FIELDS)
    assert lines[1:] == [f"ada,a,{NB},graded,7.0,7.0,t,a", f"bob,,{NB},stopped,0.0,7.0,t,b"]


def test_a_stopped_run_fails_every_check_and_nothing_else(tmp_path):
    sanitized = tmp_path / NB
    sanitized.write_text((NOTEBOOKS / "student" / NB).read_text())
    nb = gradebook.stopped_copy(str(sanitized), "stopped at its 75 s limit")
    checks = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    others = [c for c in nb.cells if c.cell_type == "code" and c not in checks]
    assert checks and all(c.outputs[0]["ename"] == "Stopped" for c in checks)
    assert all(not c.outputs for c in others)
    assert "75 s limit" in checks[0].outputs[0]["evalue"]


@pytest.fixture
def homes(tmp_path, monkeypatch):
    run, homes = tmp_path / "run", tmp_path / "homes"
    monkeypatch.setattr(gradebook, "RUN", str(run))
    monkeypatch.setattr(gradebook, "HOMES", str(homes))
    for student in ("ada", "bob", "eve", "fay"):
        (run / "feedback" / student).mkdir(parents=True)
        (run / "feedback" / student / "nb.html").write_text(f"{gradebook.FEEDBACK_MARK}\nfeedback for {student}\n")
        (homes / student).mkdir(parents=True)
    (homes / "bob" / "feedback").mkdir()
    (homes / "bob" / "feedback" / "nb.html").write_text("bob's own notes\n")  # his file: kept
    (homes / "eve" / "elsewhere").mkdir()
    (homes / "eve" / "feedback").symlink_to(homes / "eve" / "elsewhere")  # a link: never followed
    (homes / "fay" / "feedback").mkdir()
    (homes / "fay" / "feedback" / "nb.html").write_text(f"{gradebook.FEEDBACK_MARK}\nlast week's\n")  # ours: replaced
    return homes


def test_feedback_goes_home_but_never_over_a_students_file_or_through_a_link(homes, capsys):
    gradebook.deliver()
    out = capsys.readouterr().out
    assert (homes / "ada" / "feedback" / "nb.html").read_text().endswith("feedback for ada\n")
    assert (homes / "bob" / "feedback" / "nb.html").read_text() == "bob's own notes\n"
    assert list((homes / "eve" / "elsewhere").iterdir()) == []
    assert (homes / "fay" / "feedback" / "nb.html").read_text().endswith("feedback for fay\n")
    assert "feedback written: 2 files" in out
    assert "bob: ~/feedback/nb.html is their own file" in out and "eve: ~/feedback is not a folder" in out


def test_a_link_in_place_of_the_feedback_file_is_not_followed(homes):
    target = homes / "ada" / "thesis.txt"
    target.write_text("my thesis\n")
    (homes / "ada" / "feedback").mkdir()
    (homes / "ada" / "feedback" / "nb.html").symlink_to(target)
    gradebook.deliver()
    assert target.read_text() == "my thesis\n"
    assert (homes / "ada" / "feedback" / "nb.html").is_symlink()


# --- the progress page: who sees what (the hub's OAuth itself is tested end to end)


@pytest.fixture
def room(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    for name, source in (("images.toml", ROOT / "images"), ("course.toml", NOTEBOOKS)):
        (config / name).write_text((source / name).read_text())
    (config / "classroom.toml").write_text("")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "username,role,section\nteach,instructor,\nboss,admin,\nada,student,a\nbob,student,b\ncy,student,b\n"
    )
    grades = tmp_path / "grades.json"
    entry = {
        "status": "graded",
        "points": 5.0,
        "max_points": 7.0,
        "graded_at": "t",
        "reason": "",
        "snapshot_sha256": "x",
    }
    grades.write_text(
        json.dumps(
            {
                "students": {"ada": {NB: entry}, "bob": {NB: {**entry, "points": 7.0}}},
                "sections": {},
                "max_points": {NB: 7.0},
                "updated_at": "2026-12-02T09:00:00+00:00",
            }
        )
    )
    return progress.Classroom(grades, roster, config)


def test_rows_cover_every_student_and_notebook_with_not_started(room):
    data = progress.rows(room, sort="total")
    assert [r["student"] for r in data["rows"]] == ["bob", "ada", "cy"]  # most points first
    assert data["rows"][2]["notebooks"][NB] == {"status": "not started", "max_points": 7.0}
    assert data["sections"] == ["a", "b"]
    assert [r["student"] for r in progress.rows(room, section="b")["rows"]] == ["bob", "cy"]


def test_the_heatmap_has_a_cell_per_student_and_notebook_coloured_by_points(room):
    data = progress.rows(room)
    svg = progress.heatmap(data)
    assert svg.count("<rect") == 3 * len(data["notebooks"])
    assert progress.colour(1.0) != progress.colour(0.0) != progress.colour(None) == "#e0e0e0"
    assert "ada, " in svg and "5 of 7" in svg


@pytest.fixture
def app(room, monkeypatch):
    """The real tornado application; only who is logged in comes from the test, not the hub."""
    who = {"name": "ada"}
    monkeypatch.setattr(progress.Handler, "get_current_user", lambda self: dict(who))
    return progress.make_app(room, "/services/progress/"), who


async def fetch(app_and_who, path: str, name: str):
    from tornado.httpclient import AsyncHTTPClient
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port

    app, who = app_and_who
    who["name"] = name
    sock, port = bind_unused_port()
    server = HTTPServer(app)
    server.add_sockets([sock])
    try:
        return await AsyncHTTPClient().fetch(f"http://127.0.0.1:{port}{path}", raise_error=True)
    finally:
        server.stop()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["teach", "boss"])
async def test_teaching_roles_see_the_class(app, name):
    r = await fetch(app, "/services/progress/", name)
    body = r.body.decode()
    assert "Class progress" in body and ">ada<" in body and ">bob<" in body and ">cy<" in body
    assert "<svg" in body and "make grade" in body
    data = json.loads((await fetch(app, "/services/progress/api/grades?student=bob", name)).body)
    assert [row["student"] for row in data["rows"]] == ["bob"]


@pytest.mark.asyncio
async def test_a_student_sees_their_row_only_and_403_for_anothers(app):
    body = (await fetch(app, "/services/progress/", "ada")).body.decode()
    assert "Your progress" in body and ">ada<" in body and ">bob<" not in body and "<svg" not in body
    assert "/user/ada/files/feedback/numpy_foundations_for_deep_learning.html" in body
    for path in ("/services/progress/student/bob", "/services/progress/api/grades?student=bob"):
        with pytest.raises(HTTPClientError) as err:
            await fetch(app, path, "ada")
        assert err.value.code == 403
    assert (await fetch(app, "/services/progress/student/ada", "ada")).code == 200


@pytest.mark.asyncio
async def test_someone_off_the_roster_sees_nothing_of_anyone(app):
    body = (await fetch(app, "/services/progress/", "stranger")).body.decode()
    assert ">ada<" not in body and ">bob<" not in body


def test_a_notebook_with_no_answer_written_is_not_started(tmp_path):
    student = str(NOTEBOOKS / "student" / NB)
    assert gradebook.untouched(student, student)
    assert not gradebook.untouched(str(NOTEBOOKS / NB), student)  # the reference answers are written
    broken = tmp_path / NB
    broken.write_text("{ not a notebook")
    assert not gradebook.untouched(str(broken), student)  # nbgrader then says what is wrong with it
