"""The classroom end to end: a real hub (its own compose project, port and
network), real student containers, logins through the login form, code run in
kernels over websockets. Torn down at the end, also when a test fails."""

import copy
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pytest
import requests
import websocket

from dlcourse.manifest import NOTEBOOKS, load_course, load_images
from dlcourse.settings import CLASSROOM_TOML, DEFAULTS
from tests.hubclient import KernelDied, Student
from tools.docker_cli import build_client, build_env
from tools.stack import Classroom

pytestmark = pytest.mark.docker
IMAGES = load_images()
LOAD_STUDENTS = ["load1", "load2", "load3"]  # `make loadtest N=30` runs the same at full size
TAG = "e2e"  # the test classroom runs its own tag of the course images
PASSWORD = "a-long-passphrase-42"
FRAMEWORK_CHECK = {
    "foundations": "import numpy, sklearn; print(numpy.__version__)",
    "pytorch": "import torch; print(torch.__version__)",
    "tensorflow": "import tensorflow as tf; print(tf.__version__)",
    "jax": "import jax, flax, optax; print(jax.__version__)",
}


def tag_images(tag):
    for folder in IMAGES.images:
        subprocess.run(["docker", "tag", IMAGES.ref(folder), f"{IMAGES.images[folder].name}:{tag}"], check=True)


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    roster = tmp_path_factory.mktemp("roster") / "roster.csv"
    roster.write_text(
        "username,role,section\nteacher,instructor,\nada,student,a\nbob,student,b\ncarol,student,b\ndora,student,a\n"
        + "".join(f"{name},student,load\n" for name in LOAD_STUDENTS)
    )
    settings = roster.parent / "classroom.toml"
    settings.write_text(
        '[limits]\nmemory = "2G"\npids = 512\n'
        # make grade's test: short limits, and the CPU share of a student's (the test is not about priority)
        "[grading]\nnotebook_timeout = 90\ncell_timeout = 15\nparallel = 2\ncpus = 2.0\ncpu_weight = 1024\n"
    )
    room = Classroom(
        project="dlcourse-test",
        port=18000,
        roster=roster,
        image_tag=TAG,
        settings_path=settings,
        checkout=roster.parent,
    )  # its own checkout folder: make grade's grades/ never lands in the real one
    room.down(volumes=True)  # leftovers of an interrupted run
    tag_images(TAG)
    room.up()
    yield room
    room.down(volumes=True)
    for folder in IMAGES.images:
        subprocess.run(["docker", "rmi", f"{IMAGES.images[folder].name}:{TAG}"], capture_output=True)


@pytest.fixture(scope="module")
def codes(room):
    return room.pending_codes()


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
    assert set(codes) == {"teacher", "ada", "bob", "carol", "dora", *LOAD_STUDENTS}


def test_someone_off_the_roster_cannot_sign_up_or_log_in(room, codes):
    """Sign-up is off on the real hub: NativeAuthenticator answers 404 to the page and to the
    form (with sign-up on, both answer 200 and the form creates an account waiting for
    approval), and the login page offers no sign-up link."""
    mallory = Student(room.url, "mallory")
    assert not mallory.login(codes["ada"])
    page = mallory.session.get(f"{room.url}/hub/signup", timeout=30)
    assert page.status_code == 404 and "Not Found" in page.text, f"the sign-up page is open ({page.status_code})"
    for name in ("mallory", "ada"):  # someone new, and someone taking a roster name
        r = mallory.session.post(
            f"{room.url}/hub/signup",
            data={
                "username": name,
                "signup_password": PASSWORD,
                "signup_password_confirmation": PASSWORD,
                "_xsrf": mallory.xsrf(),
            },
            allow_redirects=False,
            timeout=30,
        )
        assert r.status_code == 404, f"sign-up as {name} answered {r.status_code}: {r.text[:300]}"
    assert "signup" not in mallory.session.get(f"{room.url}/hub/login", timeout=30).text
    assert not mallory.login(PASSWORD), "sign-up let someone off the roster in"


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
    assert r.status_code == 403, f"a server started on the enrolment code: {r.status_code} {r.text[:300]}"
    assert "enrolment code" in r.json()["message"] and "/hub/change-password" in r.json()["message"], r.text
    # NativeAuthenticator's change-password page refuses a short password on the page (200), saying why
    minimum = DEFAULTS["auth"]["minimum_password_length"]
    r = bob.change_password(codes["bob"], "short")
    assert r.status_code == 200 and "alert-danger" in r.text, r.text[:300]
    assert f"at least {minimum} characters" in r.text and "changed successfully" not in r.text, r.text[:300]
    assert not Student(room.url, "bob").login("short"), "a too-short password was accepted"
    assert Student(room.url, "bob").login(codes["bob"]), "a refused change replaced the enrolment code"


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


# The test-only kernel culling of images/course/start/jupyter_server_config.py: "IDLE,INTERVAL".
CULL_IDLE, CULL_INTERVAL = 8, 2


def kernels(student):
    r = requests.get(
        f"{student.base}/user/{student.name}/api/kernels",
        headers={"Authorization": f"token {student.token()}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text[:300]
    return {k["id"]: k for k in r.json()}


def new_kernel(student):
    r = requests.post(
        f"{student.base}/user/{student.name}/api/kernels",
        json={"name": "python3"},
        headers={"Authorization": f"token {student.token()}"},
        timeout=60,
    )
    assert r.status_code == 201, r.text[:300]
    return r.json()["id"]


def test_an_idle_kernel_nobody_is_connected_to_is_culled_and_a_connected_one_is_kept(room, ada):
    """A real server and real kernels, culled by the server's own kernel manager. The short
    timeout comes from an image layer only this test builds (the classroom's settings refuse
    it); the production path is checked too: the server got [culling] kernel_idle_timeout."""
    ref = f"{IMAGES.images['foundations'].name}:{TAG}"
    inspect = ["docker", "image", "inspect", "-f", "{{.Id}}", ref]
    before = subprocess.run(inspect, capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(
        [*build_client(), "build", "-q", "-t", ref, "-"],
        input=f"FROM {ref}\nENV DLCOURSE_TESTS_ONLY_KERNEL_CULL={CULL_IDLE},{CULL_INTERVAL}\n",
        text=True,
        env=build_env(),
        check=True,
        capture_output=True,
    )
    ws = None
    try:
        ada.start("foundations")
        assert ada.run("import os; print(os.environ['KERNEL_CULL_IDLE_TIMEOUT'])").strip() == "1800"
        idle = new_kernel(ada)  # started, then left alone: no websocket, no code
        t_idle = time.monotonic()
        kept = new_kernel(ada)  # a notebook tab left open: its websocket stays connected
        ws = websocket.create_connection(
            f"{ada.base.replace('http', 'ws', 1)}/user/ada/api/kernels/{kept}/channels",
            header=[f"Authorization: token {ada.token()}"],
            timeout=30,
        )
        ws.settimeout(1)  # below: wait at most a second for a message, then look at the kernels
        t_kept = time.monotonic()
        culled_after = None
        while time.monotonic() - t_kept < CULL_IDLE + 3 * CULL_INTERVAL + 2:
            try:
                ws.recv()  # answers the server's pings; sends nothing to the kernel
            except websocket.WebSocketTimeoutException:
                pass
            listed = kernels(ada)
            assert kept in listed, f"the connected kernel was culled after {time.monotonic() - t_kept:.1f} s"
            if culled_after is None and idle not in listed:
                culled_after = time.monotonic() - t_idle
            if culled_after is None:
                assert time.monotonic() - t_idle < CULL_IDLE + CULL_INTERVAL + 3, "the idle kernel was not culled"
        assert culled_after is not None, "the idle kernel was not culled"
        assert culled_after >= CULL_IDLE - 1, f"the idle kernel went after {culled_after:.1f} s, before its timeout"
        assert kernels(ada)[kept]["connections"] == 1
        print(f"idle kernel culled after {culled_after:.1f} s (timeout {CULL_IDLE} s, interval {CULL_INTERVAL} s)")
    finally:
        if ws is not None:
            ws.close()
        ada.stop()
        subprocess.run(["docker", "tag", before, ref], check=True)


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


def ship_course_update(files: list[str], text: str) -> None:
    """A new course release in the test classroom's foundations image: a markdown cell TEXT
    added at the top of each of FILES in /opt/course (what the next server start merges)."""
    ref = f"{IMAGES.images['foundations'].name}:{TAG}"
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


def test_a_course_update_reaches_students_without_overwriting_their_edits(room, ada):
    first, second = [nb.file for nb in load_course(images=IMAGES).notebooks[:2]]
    ada.start("foundations")
    ada.run(f"p = '/home/jovyan/course/{first}'; open(p, 'a').write(' ')")  # the student edits one notebook
    mine = ada.run(
        f"import hashlib; print(hashlib.sha256(open('/home/jovyan/course/{first}','rb').read()).hexdigest())"
    )
    ada.stop()
    ship_course_update([first, second], "Updated")
    ada.start("foundations")
    try:
        assert (
            ada.run(
                f"import hashlib; print(hashlib.sha256(open('/home/jovyan/course/{first}','rb').read()).hexdigest())"
            )
            == mine
        )
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


ISOLATION_PROBE = r"""
import json, os, socket, urllib.request
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
system = ("/proc", "/dev", "/sys", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf")
mounts = {line.split()[4]: line.split()[5].split(",")[0] for line in open("/proc/self/mountinfo")
          if line.split()[4] != "/" and not line.split()[4].startswith(system)}  # path: ro or rw
def reachable(port, host="hub"):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return True
    except OSError:
        return False
def hub_api(path):
    req = urllib.request.Request(os.environ["JUPYTERHUB_API_URL"] + path,
                                 headers={"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]})
    try:
        return urllib.request.urlopen(req, timeout=5).status
    except urllib.error.HTTPError as err:
        return err.code
print(json.dumps({"uid": os.getuid(), "nonewprivs": status["NoNewPrivs"].strip(), "capeff": status["CapEff"].strip(),
                  "docker_socket": os.path.exists("/var/run/docker.sock"), "mounts": mounts,
                  "proxy_api": any(reachable(8001, host) for host in ("hub", "proxy", "proxy-api")), "hub_api_own": hub_api("/user"), "hub_api_users": hub_api("/users")}))
"""


def test_a_student_container_is_isolated(ada):
    import json

    ada.start("foundations")
    try:
        probe = json.loads(ada.run(ISOLATION_PROBE))
        inspect = json.loads(
            subprocess.run(
                ["docker", "inspect", "dlcourse-test-ada"], capture_output=True, text=True, check=True
            ).stdout
        )[0]["HostConfig"]
    finally:
        ada.stop()
    assert probe["uid"] == 1000
    assert probe["nonewprivs"] == "1", "no-new-privileges is not set"
    assert int(probe["capeff"], 16) == 0, f"capabilities left: {probe['capeff']}"
    assert probe["docker_socket"] is False, "the Docker socket reached a student"
    assert probe["mounts"] == {"/home/jovyan": "rw", "/home/jovyan/shared": "ro"}, (
        f"host mounts other than the home volume and the class's read-only ~/shared: {probe['mounts']}"
    )
    assert probe["proxy_api"] is False, "the proxy's API is reachable from a student container"
    assert probe["hub_api_own"] == 200 and probe["hub_api_users"] == 403, probe
    assert inspect["PidsLimit"] == 512 and inspect["Memory"] == 2 * 1024**3, "limits from classroom.toml not applied"
    assert inspect["Privileged"] is False and inspect["CapDrop"] == ["ALL"]


CONNECTS = """
import socket, sys
def connects(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return True
    except OSError:
        return False
print(" ".join(str(connects(host, int(port))) for host, port in (arg.split(":") for arg in sys.argv[1:])))
"""


def connects_from(container: str, *targets: str) -> list[bool]:
    """Whether `container` opens a TCP connection to each host:port (3 s each, this machine only)."""
    out = subprocess.run(
        ["docker", "exec", container, "python3", "-c", CONNECTS, *targets], capture_output=True, text=True, check=True
    ).stdout.split()
    return [word == "True" for word in out]


def address(container: str, network: str) -> str:
    fmt = "{{(index .NetworkSettings.Networks " + f'"{network}"' + ").IPAddress}}"
    return subprocess.run(["docker", "inspect", "-f", fmt, container], capture_output=True, text=True).stdout.strip()


def test_a_student_reaches_the_hub_and_nothing_of_another_student(room, ada, codes):
    bob = Student(room.url, "bob")
    assert bob.login(codes["bob"]) or bob.login(PASSWORD)
    bob.change_password(codes["bob"], PASSWORD)
    ada.start("foundations")
    bob.start("foundations")
    try:
        hub, proxy = (room.compose("ps", "-q", name, capture=True).stdout.strip() for name in ("hub", "proxy"))
        bobs = address("dlcourse-test-bob", room.network)
        proxys = address(proxy, room.network)
        assert bobs and proxys, "no address on the classroom network"
        # the same ports answer the hub and the proxy: what stops ada below is the network, not a closed port
        assert connects_from(hub, f"{bobs}:8888") == [True], "the hub cannot reach a student's server"
        assert connects_from(proxy, f"{bobs}:8888") == [True], "the proxy cannot reach a student's server"
        ada_to = connects_from("dlcourse-test-ada", f"{bobs}:8888", f"{proxys}:8000", "hub:8081")
        assert ada_to == [False, False, True], f"ada -> bob's server, the proxy, the hub's API: {ada_to}"
        assert ada.run("print(1 + 1)").strip() == "2", "ada's own server stopped working"
    finally:
        ada.stop()
        bob.stop()


def test_the_firewall_blocks_the_metadata_address_and_restores_flushed_rules(room):
    """Checked by reading the rules, never by sending traffic to the metadata address."""
    show = room.compose("exec", "-T", "firewall", "python3", "-m", "dlcourse.firewall", "show", capture=True)
    rules = show.stdout.splitlines()
    metadata = [i for i, rule in enumerate(rules) if "-d 169.254.169.254/32" in rule and rule.endswith("-j DROP")]
    accepts = [i for i, rule in enumerate(rules) if rule.endswith("-j ACCEPT")]
    assert metadata and accepts and metadata[0] < accepts[0], f"no metadata DROP before the ACCEPTs: {rules}"
    chain = rules[0].split()[1]
    env = room.env()
    jump = ["-C", "DOCKER-USER", "-i", env["CLASSROOM_BRIDGE"], "-j", chain]
    assert room.compose("exec", "-T", "firewall", "iptables", "-w", *jump, check=False).returncode == 0
    room.compose("exec", "-T", "firewall", "iptables", "-w", "-F", chain)  # as a Docker restart would
    deadline = time.monotonic() + 20
    while room.compose("exec", "-T", "firewall", "python3", "-m", "dlcourse.firewall", "check", check=False).returncode:
        assert time.monotonic() < deadline, "the flushed rules were not applied again within 20 s"
        time.sleep(1)


def test_running_out_of_memory_loses_the_kernel_not_the_server_or_the_hub(room, ada):
    ada.start("foundations")
    try:
        with pytest.raises(KernelDied):
            ada.run("hog = b'x' * (3 * 1024 ** 3)", timeout=120)
        assert ada.server_get("/api/status").status_code == 200, "the server died with the kernel"
        assert room.ready(), "the hub stopped answering"
        assert ada.run("print(1 + 1)").strip() == "2"
    finally:
        ada.stop()


def test_hub_restart_keeps_logins_work_and_open_connections(room, ada):
    """make roster restarts the hub; the proxy is its own service, so an open kernel
    connection (a notebook in a browser tab) goes on working on the same websocket."""
    ada.start("foundations")
    try:
        with ada.kernel() as execute:
            execute("state = 'before the restart'")
            room.restart_hub()
            assert execute("print(state)").strip() == "before the restart", "the open connection did not survive"
        assert ada.api("GET", "/users/ada").status_code == 200, "the student's login did not survive a hub restart"
    finally:
        ada.stop()


def test_metrics_need_a_token_with_read_metrics(room, teacher):
    import requests

    assert requests.get(f"{room.url}/hub/metrics", timeout=30).status_code == 403
    r = requests.get(f"{room.url}/hub/metrics", headers={"Authorization": f"token {teacher.token()}"}, timeout=30)
    assert r.status_code == 200 and "jupyterhub_" in r.text


# Inside the hub container: find the culler's process, and ask the hub with the culler's own token
# (from that process's environment) what the token may do.
CULLER_PROBE = """
import glob, json, urllib.request
for path in glob.glob("/proc/[0-9]*/cmdline"):
    cmdline = open(path).read().split("\\0")
    if "jupyterhub_idle_culler" in cmdline:
        env = dict(v.split("=", 1) for v in open(path[:-7] + "environ").read().split("\\0") if "=" in v)
        token = {"Authorization": "token " + env["JUPYTERHUB_API_TOKEN"]}
        me = json.load(urllib.request.urlopen(urllib.request.Request(env["JUPYTERHUB_API_URL"] + "/user", headers=token)))
        print(json.dumps({"cmdline": cmdline, "me": me}))
"""


def test_idle_culler_runs_as_a_service_with_only_its_scopes(room, teacher):
    import json

    [line] = room.hub_exec("python3", "-c", CULLER_PROBE).splitlines()  # the culler is running, once
    culler = json.loads(line)
    assert "--timeout=3600" in culler["cmdline"], culler["cmdline"]
    assert (culler["me"]["kind"], culler["me"]["name"]) == ("service", "idle-culler"), culler["me"]
    # its token's scopes, expanded by the hub: find idle servers and stop them, nothing else
    assert set(culler["me"]["scopes"]) == {
        "list:users",
        "read:users:name",
        "read:users:activity",
        "read:servers",
        "delete:servers",
    }, culler["me"]["scopes"]


def container_of(room, name):
    return subprocess.run(
        ["docker", "inspect", "-f", "{{.Id}} {{.State.Status}} {{.HostConfig.Memory}}", f"{room.project}-{name}"],
        capture_output=True,
        text=True,
    ).stdout.split()


def replace_file(path, text):
    """As an editor saves: a new file in the old one's place (a new inode)."""
    tmp = path.with_suffix(".new")
    tmp.write_text(text)
    tmp.replace(path)


def test_make_up_applies_a_changed_setting_and_running_servers_keep_running(room, ada):
    ada.start("foundations")
    ada.run("open('/tmp/still-here', 'w').write('42')")  # /tmp lives as long as the container
    before, hub_before = container_of(room, "ada"), room.hub_config_hash()
    original = room.settings_path.read_text()
    replace_file(room.settings_path, original.replace('memory = "2G"', 'memory = "1536M"'))
    try:
        assert room.up() is True, "make up did not restart the hub with the changed settings"
        assert room.hub_config_hash() != hub_before
        assert 'memory = "1536M"' in room.hub_exec("cat", "/srv/classroom/classroom.toml")
        assert container_of(room, "ada") == before, "a running server was restarted or stopped"
        assert ada.run("print(open('/tmp/still-here').read())").strip() == "42", "the running server was replaced"
        ada.stop()
        ada.start("foundations")
        assert container_of(room, "ada")[2] == str(1536 * 2**20), "a new server did not get the new limit"
        assert room.up() is False, "make up restarted the hub although nothing changed"
    finally:
        ada.stop()
        replace_file(room.settings_path, original)
        room.up()


def backup_while_ada_works(room, ada, dest):
    """make backup while ada runs cells: (the archive, every state the hub and the proxy containers
    were seen in, ada's cells as (output, seconds)). Nobody may be frozen: no pause, answers keep coming."""
    containers = [room.compose("ps", "-q", service, capture=True).stdout.strip() for service in ("hub", "proxy")]
    states, cells, done = set(), [], threading.Event()

    def watch():
        while not done.is_set():
            out = subprocess.run(["docker", "inspect", "-f", "{{.State.Status}}", *containers], capture_output=True)
            states.update(out.stdout.decode().split())
            time.sleep(0.1)

    def work():
        while not done.is_set():
            t0 = time.monotonic()
            cells.append((ada.run("print(1 + 1)").strip(), round(time.monotonic() - t0, 1)))

    threads = [threading.Thread(target=watch), threading.Thread(target=work)]
    for thread in threads:
        thread.start()
    try:
        archive = room.backup(dest)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    return archive, states, cells


def test_backup_and_restore_into_a_fresh_checkout(room, ada, tmp_path):
    ada.start("foundations")
    ada.run("open('/home/jovyan/thesis.txt', 'w').write('chapter one')")
    ada.run("import os; open('/home/jovyan/draft.bin', 'wb').write(os.urandom(96 * 2**20))")  # a tar that takes a while
    in_grading = ["docker", "run", "--rm", "--network", "none", "--user", "0", "-v", f"{room.grading_volume}:/g"]
    subprocess.run([*in_grading, IMAGES.ref("foundations"), "sh", "-c", "echo gradebook > /g/kept"], check=True)
    (tmp_path / "handout.txt").write_text("read me first")
    room.share(tmp_path / "handout.txt")  # the class's ~/shared is in the backup too
    archive, states, cells = backup_while_ada_works(room, ada, tmp_path / "backups")
    assert archive.stat().st_mode & 0o077 == 0, "the backup holds password hashes: mode 600"
    assert states == {"running"}, f"the hub or the proxy was {sorted(states - {'running'})} during the backup"
    assert cells and all(out == "2" and seconds < 10 for out, seconds in cells), (
        f"ada's cells during the backup: {cells}"
    )
    ada.stop()
    room.down(volumes=True)  # the machine is gone: no hub state, no homes, no roster, no settings
    assert room.volumes() == []
    fresh = tmp_path / "fresh-clone"
    (fresh / "hub").mkdir(parents=True)
    shutil.copyfile(CLASSROOM_TOML, fresh / "hub" / "classroom.toml")  # a clone ships the defaults
    new = Classroom(project=room.project, port=room.port, image_tag=TAG, checkout=fresh)
    restored = new.restore(archive)
    assert "dlcourse-test-home-ada" in restored and room.grading_volume in restored and room.shared_volume in restored
    kept = subprocess.run([*in_grading, IMAGES.ref("foundations"), "cat", "/g/kept"], capture_output=True, text=True)
    assert kept.stdout == "gradebook\n", "the grading volume did not come back"
    assert (fresh / "hub" / "classroom.toml").read_text() == room.settings_path.read_text()
    assert (fresh / "hub" / "roster.csv").read_text() == room.roster.read_text()
    with pytest.raises(SystemExit, match="overwrite"):
        new.restore(archive)  # never over existing data
    new.up()
    try:
        back = Student(new.url, "ada")
        assert back.login(PASSWORD), "ada's password did not come back with the hub state"
        back.start("foundations")
        try:
            assert back.run("print(open('/home/jovyan/thesis.txt').read())").strip() == "chapter one"
            assert back.run("print(open('/home/jovyan/shared/handout.txt').read())").strip() == "read me first"
        finally:
            back.stop()
    finally:
        room.up()  # the module's classroom again, with its own files (the same content)


def test_a_restore_overwrites_no_file_of_the_instructors(room, tmp_path):
    archive = room.backup(tmp_path / "backups")
    fresh = tmp_path / "edited-clone"
    (fresh / "hub").mkdir(parents=True)
    edited = 'roster = "hub/roster.csv"\n[limits]\nmemory = "3G"\n'
    (fresh / "hub" / "classroom.toml").write_text(f"[hub]\n{edited}")
    (fresh / "hub" / "roster.csv").write_text("username,role\nsomeone,instructor\n")
    other = Classroom(project="dlcourse-restore-test", port=18001, checkout=fresh)
    with pytest.raises(SystemExit, match=r"classroom\.toml"):
        other.restore(archive)
    (fresh / "hub" / "classroom.toml").write_text("")  # only the defaults: replaced; the roster still clashes
    with pytest.raises(SystemExit, match=r"roster\.csv"):
        other.restore(archive)
    assert (fresh / "hub" / "classroom.toml").read_text() == "", "a refused restore changed a file"
    assert other.volumes() == [], "a refused restore created volumes"


def run_all_checks_the_students_own_answers(room, page, xsrf):
    """Run All in JupyterLab on a course notebook's student version whose first exercise the student
    answered: it reaches the end (the checks' `raises-exception` tag), their answer is the one checked
    (nothing replaces it), and each unanswered exercise's check says it is not done yet."""
    import re

    from playwright.sync_api import expect

    from dlcourse.manifest import NOTEBOOKS
    from tools.student import STUDENT

    name = "numpy_foundations_for_deep_learning.ipynb"
    nb = nbformat.read(STUDENT / name, as_version=4)
    source = nbformat.read(NOTEBOOKS / name, as_version=4)
    reference = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells if "nbgrader" in c.metadata}
    for cell in nb.cells:  # the student answers exercise 1 (with the reference answer, markers removed)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex1-answer":
            cell.source = "\n".join(
                line
                for line in reference["ex1-answer"].splitlines()
                if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
            )
    url = f"{room.url}/user/dora/api/contents/run-all.ipynb"
    r = page.request.put(url, data={"type": "notebook", "content": nb}, headers={"X-XSRFToken": xsrf})
    assert r.status in (200, 201), r.text()
    # a workspace of its own (reset): the notebook is the only one open, so Run All cannot act on the
    # scratch notebook that the default workspace restores (it did, once: nothing here ran)
    page.goto(f"{room.url}/user/dora/lab/workspaces/run-all/tree/run-all.ipynb?reset")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)", has_text="NumPy foundations for deep learning")
    expect(notebook).to_be_visible(timeout=120_000)
    expect(page.locator(".jp-StatusBar-Widget", has_text="run-all.ipynb").first).to_be_visible(timeout=120_000)
    expect(page.locator(".jp-StatusBar-Widget", has_text="Idle").first).to_be_visible(timeout=120_000)
    notebook.locator(".jp-InputPrompt").first.click()  # the notebook has the focus: Run All acts on it
    page.keyboard.press("Escape")
    expect(page.locator(".lm-TabBar-tab.jp-mod-current", has_text="run-all.ipynb").first).to_be_visible()
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has_text=re.compile(r"^Run All Cells")).first.click()
    expect(notebook.locator(".jp-InputPrompt", has_text=re.compile(r"\[[\d*]+\]")).first).to_be_visible(timeout=60_000)
    last = notebook.locator(".jp-CodeCell").last.locator(".jp-InputPrompt")
    expect(last).to_have_text(re.compile(r"\[\d+\]"), timeout=240_000)
    page.keyboard.press("Control+s")
    page.wait_for_timeout(2000)
    saved = nbformat.from_dict(page.request.get(url, headers={"X-XSRFToken": xsrf}).json()["content"])
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "Run All stopped before the end"
    errors = {
        c.metadata.get("nbgrader", {}).get("grade_id"): o for c in code for o in c.outputs if o.output_type == "error"
    }
    checks = [c.metadata["nbgrader"]["grade_id"] for c in code if c.metadata.get("nbgrader", {}).get("grade")]
    assert "ex1-check" not in errors, (
        f"the student's own answer to exercise 1 was not accepted: {errors.get('ex1-check')}"
    )
    ex1 = next(c for c in code if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1-check")
    assert "Exercise 1: correct" in "".join(o.get("text", "") for o in ex1.outputs)
    assert sorted(errors) == sorted(c for c in checks if c != "ex1-check"), f"errors outside the checks: {errors}"
    assert all("is not done yet" in o.evalue for o in errors.values())


SHOTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"  # screenshots of the browser tests


def browser_login(page, room, name: str, password: str) -> None:
    """Log NAME in through the hub's login form in the browser PAGE."""
    page.goto(f"{room.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")


def chromium(pw):
    """Headless Chromium (Debian's, or $CHROMIUM), talking to this machine only."""
    import os

    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
    args += ["--disable-component-update", "--disable-sync"]
    return pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), headless=True, args=args)


def test_a_student_uses_the_classroom_in_a_real_browser(room, codes):
    """Headless Chromium (Debian's) through Playwright: log in, meet the start form,
    open JupyterLab with the course folder, run a cell. Screenshots: build/test-artifacts/."""
    from playwright.sync_api import expect, sync_playwright

    shots = SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.set_default_timeout(120_000)
        browser_login(page, room, "dora", codes["dora"])
        page.goto(f"{room.url}/hub/change-password")
        page.fill("#old_password_input", codes["dora"])
        page.fill("#new_password_input", PASSWORD)
        page.fill("#new_password_confirmation_input", PASSWORD)
        page.click("#signup_submit")
        expect(page.locator("body")).to_contain_text("success", ignore_case=True)

        page.goto(f"{room.url}/hub/spawn")
        for env in IMAGES.environments:  # the start form offers every environment
            expect(page.locator(f'input[name="image"][value="{env}"]')).to_have_count(1)
        page.screenshot(path=str(shots / "browser-1-start-form.png"))
        page.check('input[name="image"][value="foundations"]')
        page.click('form input[type="submit"], form button[type="submit"]')
        page.wait_for_url("**/user/dora/lab/**", timeout=180_000)
        expect(page.locator(".jp-DirListing-content")).to_contain_text("course", timeout=120_000)
        # the start page (default_url) opens rendered, not as Markdown source in an editor
        expect(page.locator(".jp-MainAreaWidget .jp-RenderedMarkdown h1").first).to_be_visible(timeout=60_000)
        expect(page.locator(".jp-MainAreaWidget .jp-FileEditor")).to_have_count(0)

        cookies = {c["name"]: c["value"] for c in page.context.cookies() if c["path"].startswith("/user/dora")}
        notebook = {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": "c1",
                    "metadata": {},
                    "outputs": [],
                    "source": "print(6 * 7)",
                }
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        r = page.request.put(
            f"{room.url}/user/dora/api/contents/scratch.ipynb",
            data={"type": "notebook", "content": notebook},
            headers={"X-XSRFToken": cookies["_xsrf"]},
        )
        assert r.status in (200, 201), r.text()
        page.goto(f"{room.url}/user/dora/lab/tree/scratch.ipynb")
        try:
            # wait until the notebook's kernel is up ("Idle" in the status bar), then run the cell
            expect(page.locator(".jp-StatusBar-Widget", has_text="Idle").first).to_be_visible(timeout=120_000)
            page.locator(".jp-Cell .cm-content").first.click()
            page.keyboard.press("Shift+Enter")
            expect(page.locator(".jp-OutputArea-output").first).to_contain_text("42", timeout=120_000)
        finally:
            page.screenshot(path=str(shots / "browser-2-jupyterlab-cell.png"))
        try:
            run_all_checks_the_students_own_answers(room, page, cookies["_xsrf"])
        finally:
            page.screenshot(path=str(shots / "browser-3-run-all.png"))
            browser.close()
    stopper = Student(room.url, "dora")
    assert stopper.login(PASSWORD)
    stopper.stop()


ANNOUNCEMENT = "Today we meet in room 101"


def post_announcement(room, who: Student, text: str) -> requests.Response:
    """POST to the announcements service as WHO, after the OAuth round trip through the hub
    (which sets the service's xsrf cookie, the token the form carries)."""
    base = f"{room.url}/services/announcements/"
    assert who.session.get(base, timeout=60).status_code == 200
    xsrf = next(c.value for c in who.session.cookies if c.name == "_xsrf" and c.path.startswith("/services/"))
    return who.session.post(
        f"{base}update", data={"announcement": text, "_xsrf": xsrf}, allow_redirects=False, timeout=60
    )


def test_inside_the_classroom_a_student_sees_the_meter_the_announcement_the_shared_folder_and_a_diff(
    room, ada, teacher, tmp_path
):
    """In Chromium, as ada: the instructor's announcement on the hub's pages, the memory meter with
    her limit in JupyterLab's status bar, ~/shared with the instructor's files and no way to write
    there, and the link in COURSE-UPDATES.md opening nbdime's diff with the updated cell. The
    instructor writes ~/shared from their own server; make share puts a file there. Screenshots:
    build/test-artifacts/classroom-*.png (and *-failure.png)."""
    import re

    from playwright.sync_api import expect, sync_playwright

    from dlcourse.settings import size_bytes

    # the instructor posts, a student may not; make share and the instructor's own server fill ~/shared
    r = post_announcement(room, teacher, ANNOUNCEMENT)
    assert r.status_code == 302, r.text[:300]
    r = post_announcement(room, ada, "Free pizza")
    assert r.status_code == 403, r.text[:300]  # the same request as the instructor's, but a student's
    latest = ada.session.get(f"{room.url}/services/announcements/latest", timeout=60).json()
    assert latest["announcement"] == ANNOUNCEMENT and latest["user"] == "teacher"
    (tmp_path / "welcome.md").write_text("# Welcome to the lab\n")
    assert room.share(tmp_path / "welcome.md") == "welcome.md"
    (tmp_path / "welcome.md").write_text("# Changed\n")
    with pytest.raises(SystemExit, match="exists already"):
        room.share(tmp_path / "welcome.md")  # kept unless REPLACE=1
    teacher.start("foundations")
    try:
        teacher.run("open('/home/jovyan/shared/from-teacher.txt', 'w').write('slides for week 1')")
    finally:
        teacher.stop()
    # a course update beside a notebook ada changed: COURSE-UPDATES.md links to the diff
    nb = load_course(images=IMAGES).notebooks[2].file
    ada.start("foundations")  # the course is merged into her home at the start; then she edits a notebook
    try:
        ada.run(f"open('/home/jovyan/course/{nb}', 'a').write(' ')")
    finally:
        ada.stop()
    ship_course_update([nb], "New in this release")

    SHOTS.mkdir(parents=True, exist_ok=True)
    limit_mb = size_bytes(room.settings["limits"]["memory"]) / 2**20
    with sync_playwright() as pw:
        browser = chromium(pw)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(120_000)
        step = "login"
        try:
            browser_login(page, room, "ada", PASSWORD)
            page.wait_for_url("**/hub/**")
            step = "announcement"
            for where in ("home", "spawn"):  # the hub's home page and the start form
                page.goto(f"{room.url}/hub/{where}")
                expect(page.locator(".announcement")).to_contain_text(ANNOUNCEMENT)
            page.screenshot(path=str(SHOTS / "classroom-1-announcement.png"))
            page.check('input[name="image"][value="foundations"]')
            page.click('form input[type="submit"], form button[type="submit"]')
            page.wait_for_url("**/user/ada/lab/**", timeout=180_000)
            step = "memory meter"
            meter = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"Mem: "))
            expect(meter.first).to_contain_text(re.compile(rf"/ {limit_mb:.2f} MB"), timeout=60_000)
            page.screenshot(path=str(SHOTS / "classroom-2-meter.png"))
            step = "shared folder"
            page.goto(f"{room.url}/user/ada/lab/tree/shared")
            listing = page.locator(".jp-DirListing-content")
            expect(listing).to_contain_text("welcome.md")
            expect(listing).to_contain_text("from-teacher.txt")
            xsrf = next(
                c["value"] for c in context.cookies() if c["name"] == "_xsrf" and c["path"].startswith("/user/ada")
            )
            names = lambda: sorted(  # noqa: E731
                e["name"]
                for e in page.request.get(
                    f"{room.url}/user/ada/api/contents/shared", headers={"X-XSRFToken": xsrf}
                ).json()["content"]
            )
            before = names()
            assert {"from-teacher.txt", "welcome.md"} <= set(before), before
            page.locator('.jp-ToolbarButtonComponent[data-command="filebrowser:create-new-directory"]').click()
            expect(page.locator(".jp-Dialog")).to_contain_text(re.compile("Read-only file system|Permission denied"))
            page.screenshot(path=str(SHOTS / "classroom-3-shared-read-only.png"))
            page.keyboard.press("Escape")
            assert names() == before, "a student's write reached ~/shared"
            assert "EROFS" in ada.run(
                "import errno\ntry:\n    open('/home/jovyan/shared/welcome.md', 'w')\n"
                "except OSError as e:\n    print(errno.errorcode[e.errno])"
            )
            step = "course update diff"
            page.goto(f"{room.url}/user/ada/lab/tree/course/COURSE-UPDATES.md")
            link = page.locator(".jp-RenderedMarkdown a", has_text="see what changed").last
            with context.expect_page() as opened:
                link.click()
            diff = opened.value
            expect(diff.locator("body")).to_contain_text("New in this release", timeout=60_000)
            expect(diff.locator(".jp-Diff-added, .jp-Cellrow-added, .jp-Diff-addedchunk").first).to_be_visible()
            diff.screenshot(path=str(SHOTS / "classroom-4-diff.png"), full_page=True)
            step = "no GPU panels without a GPU"
            config = page.request.get(f"{room.url}/user/ada/lab").text()
            data = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', config, re.S).group(1))
            assert "jupyterlab-nvdashboard" in data["disabledExtensions"]  # the names JupyterLab leaves out
        except Exception:
            page.screenshot(path=str(SHOTS / f"classroom-failure-{step.replace(' ', '-')}.png"), full_page=True)
            raise
        finally:
            browser.close()
            ada.stop()


def test_a_few_students_arrive_at_once(room, codes):
    from tests import loadtest

    report = loadtest.run(room, LOAD_STUDENTS, codes, "foundations")
    print(loadtest.markdown(report))
    assert report["ready"] == len(LOAD_STUDENTS), report["failures"]
    assert report["p95_s"] < 120


GRADED = "numpy_foundations_for_deep_learning.ipynb"  # a foundations notebook: 4 exercises, 7 points
NEVER_ENDS = (  # not even nbgrader's interrupt at the cell timeout stops it (and it idles: the other tests run)
    "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(1)\n"
)


def class_of_five() -> dict[str, nbformat.NotebookNode]:
    """What five students have in ~/course: the reference answers, nothing changed, a wrong
    answer to exercise 1, a wrong answer whose check was rewritten to `pass`, a notebook that
    never ends. Each in smoke mode, as a student may set it."""
    from dlcourse.manifest import NOTEBOOKS
    from tools.exercises import wrong_answers

    source = nbformat.read(NOTEBOOKS / GRADED, as_version=4)
    student = nbformat.read(NOTEBOOKS / "student" / GRADED, as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }

    def version(answer=None, ex1=None, check=None, first=None):
        nb = nbformat.from_dict(copy.deepcopy(student))
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if "parameters" in cell.metadata.get("tags", []):
                cell.source += "\nSMOKE = True\n"
            if meta.get("solution") and answer:
                cell.source = ex1 if (ex1 and meta["grade_id"] == "ex1-answer") else answers[meta["grade_id"]]
            if meta.get("grade_id") == "ex1-check" and check is not None:
                cell.source = check
        if first:
            nb.cells.insert(1, nbformat.v4.new_code_cell(first))
        return nb

    [(_, wrong)] = wrong_answers(GRADED)["ex1-answer"][:1]
    return {
        "ada": version(answer=True),
        "bob": version(),
        "carol": version(answer=True, ex1=wrong),
        "dora": version(answer=True, ex1=wrong, check="pass"),
        "load1": version(answer=True, first=NEVER_ENDS),
    }


def home_put(room, student: str, files: dict[str, str]) -> None:
    """Write FILES (path in the home -> text) into a student's home volume, as uid 1000."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        script = []
        for i, (path, text) in enumerate(files.items()):
            Path(tmp, str(i)).write_text(text)
            script.append(f"mkdir -p \"$(dirname '/h/{path}')\" && cp /in/{i} '/h/{path}'")
        subprocess.run(
            ["docker", "run", "--rm", "--network", "none", "--user", "0", "-v", f"{room.project}-home-{student}:/h",
             "-v", f"{tmp}:/in:ro", IMAGES.ref("foundations"), "sh", "-c",
             " && ".join(script) + " && chown -R 1000:100 /h"],
            check=True, capture_output=True,
        )  # fmt: skip


def home_read(room, student: str, path: str) -> str | None:
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "-v", f"{room.project}-home-{student}:/h:ro",
         IMAGES.ref("foundations"), "cat", f"/h/{path}"],
        capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout if done.returncode == 0 else None


@pytest.fixture(scope="module")
def graded(room):
    """make grade on a class of five (and a broken file); carol has a file of her own where her feedback goes."""
    from tools.grade import Grading

    for student, nb in class_of_five().items():
        home_put(room, student, {f"course/{GRADED}": nbformat.writes(nb)})
    home_put(room, "carol", {"feedback/numpy_foundations_for_deep_learning.html": "carol's own notes\n"})
    home_put(room, "load2", {f"course/{GRADED}": "{ a notebook broken by hand"})
    home_put(room, "load3", {f"course/{GRADED}": (NOTEBOOKS / "student" / GRADED).read_text()})  # as shipped
    begun = time.monotonic()
    report = Grading(room, [GRADED]).run()
    report["wall"] = time.monotonic() - begun
    return report


def test_make_grade_scores_each_student_with_the_sources_checks(room, graded):
    import csv

    rows = {r["student"]: r for r in csv.DictReader(Path(graded["csv"]).read_text().splitlines())}
    points = {name: (rows[name]["status"], float(rows[name]["points"])) for name in rows}
    # ex1 is worth 2 of 7: a wrong answer loses them, also when its check was rewritten to `pass`
    assert points == {
        "ada": ("graded", 7.0),
        "bob": ("not started", 0.0),  # no answer written: nothing to run
        "carol": ("graded", 5.0),
        "dora": ("graded", 5.0),
        "load1": ("stopped", 0.0),
        "load2": ("unreadable", 0.0),
        "load3": ("not started", 0.0),  # the course as shipped
    }, points
    assert {r["max_points"] for r in rows.values()} == {"7.0"}
    assert rows["ada"]["section"] == "a" and rows["bob"]["section"] == "b" and rows["load1"]["section"] == "load"
    assert all(len(r["snapshot_sha256"]) == 64 and r["notebook"] == GRADED for r in rows.values())


def test_a_notebook_that_never_ends_is_stopped_at_its_limit_and_the_others_are_graded(graded):
    assert set(graded["stopped"]) == {f"load1/{GRADED}"}, graded["stopped"]
    reason = graded["stopped"][f"load1/{GRADED}"]
    assert "15 s limit and did not stop" in reason or "90 s limit" in reason, reason  # whichever limit came first
    assert 15 <= graded["seconds"][f"load1/{GRADED}"] < 120
    assert graded["wall"] < 400, f"grading five notebooks took {graded['wall']:.0f} s"


def test_feedback_lands_in_the_homes_and_no_file_of_a_students_is_replaced(room, graded):
    ada = home_read(room, "ada", "feedback/numpy_foundations_for_deep_learning.html")
    assert ada and ada.startswith("<!-- dlcourse feedback -->") and "7.0" in ada and "<html" in ada
    assert home_read(room, "carol", "feedback/numpy_foundations_for_deep_learning.html") == "carol's own notes\n"
    dora = home_read(room, "dora", "feedback/numpy_foundations_for_deep_learning.html")
    assert dora and "5.0" in dora and "7.0" in dora
    assert home_read(room, "carol", f"course/{GRADED}") is not None, "a student's notebook went missing"


def test_make_grades_writes_the_same_csv_again(room, graded):
    from tools.grade import Grading

    before = Path(graded["csv"]).read_text()
    Path(graded["csv"]).unlink()
    assert Grading(room, [GRADED]).export().read_text() == before


def test_the_progress_page_shows_an_instructor_the_class_in_a_real_browser(room, teacher, graded):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.set_default_timeout(60_000)
        try:
            browser_login(page, room, "teacher", PASSWORD)
            page.wait_for_url("**/hub/**")
            page.goto(f"{room.url}/services/progress/")  # through the hub's OAuth: no other password
            expect(page.locator("h1")).to_have_text("Class progress")
            rows = page.locator("#progress tbody tr")
            expect(rows).to_have_count(len(["ada", "bob", "carol", "dora", *LOAD_STUDENTS]))
            column = [nb.file for nb in load_course().notebooks].index(GRADED) + 3  # student, section, then notebooks
            ada = page.locator("#progress tbody tr", has=page.locator("td.student", has_text="ada"))
            expect(ada.locator(f"td:nth-child({column})")).to_have_text("7 / 7")
            load3 = page.locator("#progress tbody tr", has=page.locator("td.student", has_text="load3"))
            expect(load3.locator(f"td:nth-child({column})")).to_have_text("not started")
            expect(page.locator("svg.heatmap rect")).to_have_count(7 * len(load_course().notebooks))
            page.goto(f"{room.url}/services/progress/?section=b")
            expect(rows).to_have_count(2)  # bob and carol
            page.screenshot(path=str(SHOTS / "progress-class.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(SHOTS / "progress-class-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def test_a_student_sees_only_their_own_row_and_not_anothers(room, ada, graded):
    own = ada.session.get(f"{room.url}/services/progress/", timeout=60)
    assert own.status_code == 200 and "Your progress" in own.text, own.text[:300]
    assert ">ada<" in own.text and ">bob<" not in own.text and "7 / 7" in own.text
    assert "feedback/numpy_foundations_for_deep_learning.html" in own.text
    assert ada.session.get(f"{room.url}/services/progress/student/bob", timeout=60).status_code == 403
    data = ada.session.get(f"{room.url}/services/progress/api/grades", timeout=60).json()
    assert [r["student"] for r in data["rows"]] == ["ada"]
    assert ada.session.get(f"{room.url}/services/progress/api/grades?student=bob", timeout=60).status_code == 403


def test_a_student_checks_a_notebook_with_nbgraders_validate_in_their_own_server(room, ada, graded):
    """The Validate button's server side (nbgrader's validate_assignment), in ada's own container."""
    import requests

    home_put(room, "ada", {"course/my-try.ipynb": nbformat.writes(class_of_five()["carol"])})
    ada.start("foundations")
    try:

        def validate(path):
            r = requests.post(
                f"{room.url}/user/ada/assignments/validate",
                data={"path": path},
                headers={"Authorization": f"token {ada.token()}"},
                timeout=300,
            )
            assert r.status_code == 200, r.text[:300]
            return r.json()

        good, wrong = validate(f"course/{GRADED}"), validate("course/my-try.ipynb")
    finally:
        ada.stop()
    assert good["success"] and not good["value"].get("failed") and not good["value"].get("changed"), good
    failed = wrong["value"].get("failed") or []
    assert wrong["success"] and len(failed) == 1 and "Exercise 1" not in str(good), wrong
    assert "exercise(1" in failed[0]["source"] or "ex1" in str(failed[0]), failed[0]


def test_https_when_the_instructor_gives_a_certificate_and_key(tmp_path):
    import requests

    tls, roster, settings = tmp_path / "tls", tmp_path / "roster.csv", tmp_path / "classroom.toml"
    tls.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(tls / "key.pem"),
            "-out",
            str(tls / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    roster.write_text("teacher,instructor\n")
    settings.write_text('[hub]\nhttps_cert = "cert.pem"\nhttps_key = "key.pem"\n')
    room = Classroom(project="dlcourse-tls", port=18443, roster=roster, settings_path=settings, tls_dir=tls)
    room.down(volumes=True)
    try:
        room.up()
        assert room.url.startswith("https://")
        r = requests.get(f"{room.url}/hub/api/", verify=str(tls / "cert.pem"), timeout=30)
        assert r.status_code == 200 and "version" in r.json()
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://localhost:{room.port}/hub/api/", timeout=10)
    finally:
        room.down(volumes=True)


def test_the_hub_never_starts_half_configured(tmp_path):
    roster, settings = tmp_path / "roster.csv", tmp_path / "classroom.toml"
    roster.write_text("teacher,instructor\n")
    settings.write_text(
        '[auth]\ntype = "github"\nclient_id = "abc"\noauth_callback_url = "http://localhost:18200/hub/oauth_callback"\n'
    )
    room = Classroom(project="dlcourse-half", port=18200, roster=roster, settings_path=settings)
    room.down(volumes=True)
    full_env = room.env
    room.env = lambda: {k: v for k, v in full_env().items() if k != "OAUTH_CLIENT_SECRET"}  # no secret given
    try:
        with pytest.raises(SystemExit, match="exited at start"):
            room.up(timeout=60)
        logs = room.compose("logs", "hub", capture=True, check=False).stdout
        assert "OAUTH_CLIENT_SECRET" in logs and not room.ready()
    finally:
        room.down(volumes=True)
