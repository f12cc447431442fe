"""The classroom end to end: a real hub (its own compose project, port and
network), real student containers, logins through the login form, code run in
kernels over websockets. Torn down at the end, also when a test fails."""
import subprocess
import time

import pytest

from tests.hubclient import HubError, Student
from tools.config import load_course, load_images
from tools.docker import build_client, build_env
from tools.stack import Classroom

pytestmark = pytest.mark.docker
IMAGES = load_images()
TAG = "e2e"                       # the test classroom runs its own tag of the course images
PASSWORD = "a-long-passphrase-42"
FRAMEWORK_CHECK = {"foundations": "import numpy, sklearn; print(numpy.__version__)",
                   "pytorch": "import torch; print(torch.__version__)",
                   "tensorflow": "import tensorflow as tf; print(tf.__version__)",
                   "jax": "import jax, flax, optax; print(jax.__version__)"}


def tag_images(tag):
    for folder in IMAGES.images:
        subprocess.run(["docker", "tag", IMAGES.ref(folder), f"{IMAGES.images[folder].name}:{tag}"], check=True)


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    roster = tmp_path_factory.mktemp("roster") / "roster.csv"
    roster.write_text("username,role,section\nteacher,instructor,\nada,student,a\nbob,student,b\ncarol,student,b\n")
    room = Classroom(project="dlcourse-test", port=18000, roster=roster, image_tag=TAG)
    room.down(volumes=True)                           # leftovers of an interrupted run
    tag_images(TAG)
    room.up()
    yield room
    room.down(volumes=True)
    for folder in IMAGES.images:
        subprocess.run(["docker", "rmi", f"{IMAGES.images[folder].name}:{TAG}"], capture_output=True)


@pytest.fixture(scope="module")
def codes(room):
    lines = [l.split() for l in room.codes().splitlines() if l.strip()]
    return {parts[0]: parts[1] for parts in lines if len(parts) == 2}


@pytest.fixture(scope="module")
def ada(room, codes):
    """ada, enrolled: logged in with her code, password chosen."""
    student = Student(room.url, "ada")
    assert student.login(codes["ada"]), "ada could not log in with her enrolment code"
    r = student.change_password(codes["ada"], PASSWORD)
    assert r.status_code == 200 and "success" in r.text.lower(), r.text[:300]
    student = Student(room.url, "ada")
    assert student.login(PASSWORD)
    return student


@pytest.fixture(scope="module")
def teacher(room, codes):
    t = Student(room.url, "teacher")
    assert t.login(codes["teacher"])
    t.change_password(codes["teacher"], PASSWORD)
    t = Student(room.url, "teacher")
    assert t.login(PASSWORD)
    return t


def test_every_roster_row_has_an_enrolment_code(codes):
    assert set(codes) == {"teacher", "ada", "bob", "carol"}


def test_someone_off_the_roster_cannot_sign_up_or_log_in(room, codes):
    mallory = Student(room.url, "mallory")
    assert not mallory.login(codes["ada"])
    r = mallory.session.post(f"{room.url}/hub/signup", data={"username": "mallory", "signup_password": PASSWORD,
                             "signup_password_confirmation": PASSWORD, "_xsrf": mallory.xsrf()}, timeout=30)
    assert not mallory.login(PASSWORD), f"sign-up let someone off the roster in ({r.status_code})"


def test_wrong_password_fails_and_repeated_failures_lock_the_account(room, codes):
    carol = Student(room.url, "carol")
    assert not carol.login("not-her-code")
    for _ in range(5):
        carol.login("still-wrong")
    assert not carol.login(codes["carol"]), "the account was not locked after repeated failures"


def test_a_student_must_replace_the_enrolment_code_before_starting(room, codes):
    bob = Student(room.url, "bob")
    assert bob.login(codes["bob"])
    r = bob.api("POST", "/users/bob/server", json={"image": "foundations"})
    if r.status_code in (201, 202):
        time.sleep(2)
        r = bob.api("GET", "/users/bob")
    assert "enrolment code" in r.text or "change-password" in r.text, r.text[:300]
    assert bob.change_password(codes["bob"], "short").status_code in (200, 400)
    assert not Student(room.url, "bob").login("short"), "a too-short password was accepted"


@pytest.mark.parametrize("environment", IMAGES.environments)
def test_a_student_starts_each_environment_and_runs_code(ada, environment):
    seconds = ada.start(environment)
    try:
        assert ada.run("print(6 * 7)").strip() == "42"
        version = ada.run(FRAMEWORK_CHECK[environment]).strip()
        assert version and version[0].isdigit(), version
        listed = ada.run("import os; print(sorted(os.listdir(os.path.expanduser('~/course'))))")
        for nb in load_course(images=IMAGES).notebooks:
            assert nb.file in listed, f"{nb.file} missing from ~/course in {environment}"
        assert "START-HERE.md" in listed
        assert ada.run("import os; print(os.getuid(), os.environ['HOME'])").split() == ["1000", "/home/jovyan"]
    finally:
        ada.stop()
    print(f"{environment}: server ready in {seconds:.1f} s")


def test_work_survives_stop_start_and_container_removal(room, ada):
    ada.start("foundations")
    ada.run("open('/home/jovyan/mywork.txt', 'w').write('gradient descent rocks')")
    ada.stop()
    names = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True).stdout
    assert "dlcourse-test-ada" not in names, "a stopped server's container was kept (remove=True expected)"
    ada.start("jax")
    try:
        assert ada.run("print(open('/home/jovyan/mywork.txt').read())").strip() == "gradient descent rocks"
    finally:
        ada.stop()


def test_a_course_update_reaches_students_without_overwriting_their_edits(room, ada):
    first, second = [nb.file for nb in load_course(images=IMAGES).notebooks[:2]]
    ada.start("foundations")
    ada.run(f"p = '/home/jovyan/course/{first}'; open(p, 'a').write(' ')")   # the student edits one notebook
    mine = ada.run(f"import hashlib; print(hashlib.sha256(open('/home/jovyan/course/{first}','rb').read()).hexdigest())")
    ada.stop()
    ref = f"{IMAGES.images['base'].name}:{TAG}"
    update = (f"FROM {ref}\nUSER root\nRUN for f in {first} {second}; do "
              f"sed -i 's/\"cells\": \\[/\"cells\": [{{\"cell_type\": \"markdown\", \"id\": \"upd\", \"metadata\": {{}}, "
              f"\"source\": [\"Updated\"]}},/' /opt/course/$f; done\nUSER 1000\n")
    subprocess.run([*build_client(), "build", "-q", "-t", ref, "-"], input=update, text=True, env=build_env(),
                   check=True, capture_output=True)
    ada.start("foundations")
    try:
        assert ada.run(f"import hashlib; print(hashlib.sha256(open('/home/jovyan/course/{first}','rb').read()).hexdigest())") == mine
        assert "Updated" in ada.run(f"print(open('/home/jovyan/course/{second}').read())")
        listing = ada.run("import os; print(os.listdir('/home/jovyan/course'))")
        assert f"{first[:-6]}.course-update-" in listing, listing
        assert first in ada.run("print(open('/home/jovyan/course/COURSE-UPDATES.md').read())")
    finally:
        ada.stop()


def test_a_student_cannot_open_anothers_server_and_an_instructor_can(room, ada, teacher, codes):
    ada.start("foundations")
    try:
        bob = Student(room.url, "bob")
        assert bob.login(codes["bob"]) or bob.login(PASSWORD)
        bob.change_password(codes["bob"], PASSWORD)
        assert bob.server_get("/api/status", owner="ada").status_code in (403, 404)
        assert teacher.server_get("/api/status", owner="ada").status_code == 200
        assert ada.server_get("/api/status").status_code == 200
    finally:
        ada.stop()
