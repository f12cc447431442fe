"""The classroom end to end, the class arriving: enrolment and logins, every environment,
kernels culled, work that survives, course updates, isolation between students and from the
network, the hub's restarts, metrics and services, a few students at once. A real hub (its own
compose project, port and network: tests/conftest.py), real student containers, logins through
the login form, code run in kernels over websockets. Torn down at the end, also when a test fails.
The class's work (grading, backups, the browser) is tests/test_classroom_work.py."""

import subprocess
import time

import pytest
import requests
import websocket

from dlcourse.manifest import load_course
from dlcourse.settings import DEFAULTS
from tests.classroom_support import IMAGES, LOAD_STUDENTS, PASSWORD, ship_course_update
from tests.hubclient import KernelDied, Student
from tools.docker_cli import build_client, build_env

pytestmark = pytest.mark.docker


FRAMEWORK_CHECK = {
    "foundations": "import numpy, sklearn; print(numpy.__version__)",
    "pytorch": "import torch; print(torch.__version__)",
    "tensorflow": "import tensorflow as tf; print(tf.__version__)",
    "jax": "import jax, flax, optax; print(jax.__version__)",
}


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
CULL_SLACK = 15  # seconds a loaded machine may add before the culler's pass comes round (seen: 13 s at load 11)


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
    ref = f"{IMAGES.images['foundations'].name}:{room.image_tag}"
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
        while time.monotonic() - t_kept < CULL_IDLE + 3 * CULL_INTERVAL + CULL_SLACK:
            try:
                ws.recv()  # answers the server's pings; sends nothing to the kernel
            except websocket.WebSocketTimeoutException:
                pass
            listed = kernels(ada)
            assert kept in listed, f"the connected kernel was culled after {time.monotonic() - t_kept:.1f} s"
            if culled_after is None and idle not in listed:
                culled_after = time.monotonic() - t_idle
            if culled_after is None:
                assert time.monotonic() - t_idle < CULL_IDLE + CULL_INTERVAL + CULL_SLACK, (
                    "the idle kernel was not culled"
                )
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
    assert f"{room.project}-ada" not in names, "a stopped server's container was kept (remove=True expected)"
    ada.start("jax")
    try:
        assert ada.run("print(open('/home/jovyan/mywork.txt').read())").strip() == "gradient descent rocks"
    finally:
        ada.stop()


def test_a_course_update_reaches_students_without_overwriting_their_edits(room, ada):
    first, second = [nb.file for nb in load_course(images=IMAGES).notebooks[:2]]
    ada.start("foundations")
    ada.run(f"p = '/home/jovyan/course/{first}'; open(p, 'a').write(' ')")  # the student edits one notebook
    mine = ada.run(
        f"import hashlib; print(hashlib.sha256(open('/home/jovyan/course/{first}','rb').read()).hexdigest())"
    )
    ada.stop()
    ship_course_update(room, [first, second], "Updated")
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


def test_a_student_container_is_isolated(room, ada):
    import json

    ada.start("foundations")
    try:
        probe = json.loads(ada.run(ISOLATION_PROBE))
        inspect = json.loads(
            subprocess.run(
                ["docker", "inspect", f"{room.project}-ada"], capture_output=True, text=True, check=True
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
        bobs = address(f"{room.project}-bob", room.network)
        proxys = address(proxy, room.network)
        assert bobs and proxys, "no address on the classroom network"
        # the same ports answer the hub and the proxy: what stops ada below is the network, not a closed port
        assert connects_from(hub, f"{bobs}:8888") == [True], "the hub cannot reach a student's server"
        assert connects_from(proxy, f"{bobs}:8888") == [True], "the proxy cannot reach a student's server"
        ada_to = connects_from(f"{room.project}-ada", f"{bobs}:8888", f"{proxys}:8000", "hub:8081")
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


def test_a_few_students_arrive_at_once(room, codes):
    from tests import loadtest

    report = loadtest.run(room, LOAD_STUDENTS, codes, "foundations")
    print(loadtest.markdown(report))
    assert report["ready"] == len(LOAD_STUDENTS), report["failures"]
    assert report["p95_s"] < 120
