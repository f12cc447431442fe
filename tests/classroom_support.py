"""What the classroom test modules share: the test class's roster and settings, a real hub per
module (its own compose project, port, network and tag of the course images: nothing of one
module's class leaks into the next), enrolment, and a course update shipped into that tag's foundations image.
The fixtures on top of these (room, codes, ada, teacher) are in tests/conftest.py."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

from dlcourse.manifest import load_images
from tests.hubclient import Student
from tools.docker_cli import build_client, build_env
from tools.stack import Classroom

IMAGES = load_images()
LOAD_STUDENTS = ["load1", "load2", "load3"]  # `make loadtest N=30` runs the same at full size
PASSWORD = "a-long-passphrase-42"
ROSTER = (
    "username,role,section\nteacher,instructor,\nada,student,a\nbob,student,b\ncarol,student,b\ndora,student,a\n"
    + "".join(f"{name},student,load\n" for name in LOAD_STUDENTS)
)
# make grade's test: short limits, and the CPU share of a student's (the test is not about priority)
SETTINGS = (
    '[limits]\nmemory = "2G"\npids = 512\n'
    "[grading]\nnotebook_timeout = 90\ncell_timeout = 15\nparallel = 2\ncpus = 2.0\ncpu_weight = 1024\n"
)


def tag_images(tag: str) -> None:
    for folder in IMAGES.images:
        subprocess.run(["docker", "tag", IMAGES.ref(folder), f"{IMAGES.images[folder].name}:{tag}"], check=True)


def open_classroom(folder: Path, project: str, port: int, tag: str) -> Iterator[Classroom]:
    """A classroom up on PORT for the roster above, running TAG of the course images, with FOLDER
    as its checkout (make grade's grades/ never lands in the real one); torn down with its volumes
    and its tag at the end, also when a test fails."""
    roster, settings = folder / "roster.csv", folder / "classroom.toml"
    roster.write_text(ROSTER)
    settings.write_text(SETTINGS)
    room = Classroom(project=project, port=port, roster=roster, image_tag=tag, settings_path=settings, checkout=folder)
    room.down(volumes=True)  # leftovers of an interrupted run
    tag_images(tag)
    room.up()
    try:
        yield room
    finally:
        room.down(volumes=True)
        for name in IMAGES.images:
            subprocess.run(["docker", "rmi", f"{IMAGES.images[name].name}:{tag}"], capture_output=True)


def enrolled(room: Classroom, name: str, code: str) -> Student:
    """NAME, logged in with the enrolment CODE, the password changed to PASSWORD, logged in again."""
    student = Student(room.url, name)
    assert student.login(code), f"{name} could not log in with the enrolment code"
    r = student.change_password(code, PASSWORD)
    assert r.status_code == 200 and "success" in r.text.lower(), r.text[:300]
    student = Student(room.url, name)
    assert student.login(PASSWORD)
    return student


def ship_course_update(room: Classroom, files: list[str], text: str) -> None:
    """A new course release in ROOM's foundations image: a markdown cell TEXT added at the top
    of each of FILES in /opt/course (what the next server start merges)."""
    ref = f"{IMAGES.images['foundations'].name}:{room.image_tag}"
    update = (
        f"FROM {ref}\nUSER root\nRUN for f in {' '.join(files)}; do "
        f'sed -i \'s/"cells": \\[/"cells": [{{"cell_type": "markdown", "id": "upd", "metadata": {{}}, '
        f'"source": ["{text}"]}},/\' /opt/course/$f; done\nUSER 1000\n'
    )
    subprocess.run(
        [*build_client(), "build", "-q", "-t", ref, "-"],
        input=update,
        text=True,
        env=build_env(),
        check=True,
        capture_output=True,
    )
