"""What a server gets at start: limits by environment and role, isolation, GPUs by policy."""

import asyncio
import builtins
import json
from types import SimpleNamespace

import pytest
from tornado import web

from dlcourse import spawn_hooks
from dlcourse.settings import load_settings


class FakeContainers:
    """The part of docker-py's client the pool reads, `containers.list`, with the Docker
    engine's filter rules (checked against a real engine in test_gpu_pool.py):
    every `label` filter must match, `status` matches any of its values, and without
    `all` or a `status` filter only running containers are listed."""

    def __init__(self):
        self.containers = []  # (labels, state)

    def add(self, labels, state="running"):
        self.containers.append((dict(labels), state))

    def remove(self, user):
        self.containers = [(labels, state) for labels, state in self.containers if labels["dlcourse.user"] != user]

    def list(self, all=False, filters=None):
        filters = dict(filters or {})
        unknown = set(filters) - {"label", "status"}
        assert not unknown, f"filter the fake does not model: {unknown}"

        def labelled(labels, rule):
            key, _, value = rule.partition("=")
            return key in labels and (not _ or labels[key] == value)

        found = []
        for labels, state in self.containers:
            if not all and "status" not in filters and state != "running":
                continue
            if "status" in filters and state not in filters["status"]:
                continue
            if not builtins.all(labelled(labels, rule) for rule in filters.get("label", [])):
                continue
            found.append(SimpleNamespace(labels=labels, status=state))
        return found


def settings(tmp_path, text):
    path = tmp_path / "classroom.toml"
    path.write_text(text)
    return load_settings(path)


ROSTER = []  # the real roster authenticator the pre-spawn hook reads roles from (fixture below)


@pytest.fixture(scope="module", autouse=True)
def roster(tmp_path_factory):
    """t is an instructor on the roster; every other name here is not on it (a student)."""
    from dlcourse.auth import RosterGate

    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    path.write_text("username,role,section\nt,instructor,\n")
    ROSTER[:] = [RosterGate(roster_path=str(path))]


def spawner(name, admin=False, **options):
    return SimpleNamespace(
        user=SimpleNamespace(name=name, admin=admin),
        authenticator=ROSTER[0],
        user_options=options,
        mem_limit=None,
        cpu_limit=None,
        extra_host_config={},
        extra_create_kwargs={},
    )


def hooks_for(s, containers=None, clock=None):
    containers = containers or FakeContainers()
    extra = {"clock": clock} if clock else {}
    return spawn_hooks.SpawnHooks(s, "room", client_factory=lambda: SimpleNamespace(containers=containers), **extra)


def test_limits_by_environment_then_role_and_isolation_always(tmp_path):
    s = settings(
        tmp_path,
        '[limits]\nmemory = "2G"\nenvironment = {pytorch = {memory = "6G", shm_size = "2G"}}\n'
        "role = {instructor = {cpus = 4}}\n",
    )
    h = hooks_for(s)
    sp = spawner("ada", image="pytorch")
    asyncio.run(h.pre_spawn(sp))
    assert sp.mem_limit == "6G" and sp.cpu_limit == 2.0
    assert sp.extra_host_config["shm_size"] == "2g" and sp.extra_host_config["cap_drop"] == ["ALL"]
    assert sp.extra_host_config["security_opt"] == ["no-new-privileges"]
    assert sp.extra_create_kwargs["user"] == "1000:1000"
    assert "device_requests" not in sp.extra_host_config
    teacher = spawner("t", admin=True, image="foundations")
    asyncio.run(h.pre_spawn(teacher))
    assert teacher.mem_limit == "2G" and teacher.cpu_limit == 4.0


def test_shared_policy_gives_every_server_every_gpu(tmp_path):
    sp = spawner("ada", image="jax")
    asyncio.run(hooks_for(settings(tmp_path, '[gpu]\npolicy = "shared"')).pre_spawn(sp))
    [request] = sp.extra_host_config["device_requests"]
    assert request["Count"] == -1 and request["Capabilities"] == [["gpu"]]


def test_exclusive_policy_assigns_labels_releases_and_refuses_at_once(tmp_path):
    s = settings(tmp_path, '[gpu]\npolicy = "exclusive"\ndevices = ["0", "1,2"]')
    containers = FakeContainers()
    h = hooks_for(s, containers)

    async def scenario():
        a, b, c = spawner("ada", gpu=True), spawner("bob", gpu=True), spawner("cy", gpu=True)
        await h.pre_spawn(a)
        await h.pre_spawn(b)
        assert a.extra_host_config["device_requests"][0]["DeviceIDs"] == ["0"]
        assert b.extra_host_config["device_requests"][0]["DeviceIDs"] == ["1", "2"]
        assert b.extra_create_kwargs["labels"]["dlcourse.gpu"] == "1,2"
        containers.add(a.extra_create_kwargs["labels"])
        containers.add(b.extra_create_kwargs["labels"])
        with pytest.raises(web.HTTPError) as err:
            await h.pre_spawn(c)
        assert err.value.status_code == 503 and "without a GPU" in err.value.log_message
        cpu = spawner("cy", gpu=False)
        await h.pre_spawn(cpu)  # a CPU server starts fine meanwhile
        assert "device_requests" not in cpu.extra_host_config
        containers.remove("ada")  # DockerSpawner.stop removes the container, then post_stop runs
        await h.post_stop(a)
        await h.pre_spawn(c)
        assert c.extra_host_config["device_requests"][0]["DeviceIDs"] == ["0"]

    asyncio.run(scenario())


def test_hub_restart_rebuilds_gpu_assignments_from_running_containers(tmp_path):
    s = settings(tmp_path, '[gpu]\npolicy = "exclusive"\ndevices = ["0", "1"]')
    containers = FakeContainers()
    containers.add({"dlcourse.user": "ada", "dlcourse.gpu": "1", "dlcourse.classroom": "room"})
    h = hooks_for(s, containers)
    h.rebuild()
    sp = spawner("bob", gpu=True)
    asyncio.run(h.pre_spawn(sp))
    assert sp.extra_host_config["device_requests"][0]["DeviceIDs"] == ["0"]


def test_exclusive_policy_config_is_validated(tmp_path):
    from dlcourse.settings import ConfigError

    with pytest.raises(ConfigError, match=r"gpu\.devices"):
        settings(tmp_path, '[gpu]\npolicy = "exclusive"')
    with pytest.raises(ConfigError, match=r"\['1'\]"):
        settings(tmp_path, '[gpu]\npolicy = "exclusive"\ndevices = ["0,1", "1"]')
    with pytest.raises(ConfigError, match=r"limits\.environment\.rstats"):
        settings(tmp_path, '[limits]\nenvironment = {rstats = {memory = "1G"}}')


def exclusive(tmp_path, devices, start_timeout=300):
    return settings(
        tmp_path,
        f'[hub]\nstart_timeout = {start_timeout}\n[gpu]\npolicy = "exclusive"\ndevices = {json.dumps(devices)}',
    )


def gpu_of(sp):
    return sp.extra_create_kwargs["labels"]["dlcourse.gpu"]


def test_a_start_whose_container_is_not_running_yet_keeps_its_gpu(tmp_path):
    """The start rush: ada's and bob's containers are not there yet, then created but not
    started; cy must be refused all along, and get a slot only once one is really free."""
    now = [0.0]
    containers = FakeContainers()
    h = hooks_for(exclusive(tmp_path, ["0", "1"], start_timeout=120), containers, clock=lambda: now[0])

    async def refused(name):
        with pytest.raises(web.HTTPError) as err:
            await h.pre_spawn(spawner(name, gpu=True))
        assert err.value.status_code == 503

    async def scenario():
        a, b = spawner("ada", gpu=True), spawner("bob", gpu=True)
        await asyncio.gather(h.pre_spawn(a), h.pre_spawn(b))
        assert {gpu_of(a), gpu_of(b)} == {"0", "1"}
        await refused("cy")  # no container yet: both starts are pending
        containers.add(a.extra_create_kwargs["labels"], state="created")
        containers.add(b.extra_create_kwargs["labels"], state="created")
        now[0] = 10_000  # long past any start timeout: only the containers hold the slots now
        await refused("cy")
        containers.remove("ada")  # ada's container is really gone (no clean stop)
        cy = spawner("cy", gpu=True)
        await h.pre_spawn(cy)
        assert gpu_of(cy) == gpu_of(a)

    asyncio.run(scenario())


def test_hub_restart_reads_gpu_containers_in_every_state_that_holds_a_gpu(tmp_path):
    containers = FakeContainers()
    room = {"dlcourse.classroom": "room"}
    for user, slot, state in [("ada", "0", "created"), ("bob", "1", "paused"), ("cy", "2", "restarting")]:
        containers.add({**room, "dlcourse.user": user, "dlcourse.gpu": slot}, state=state)
    containers.add({**room, "dlcourse.user": "dan", "dlcourse.gpu": "3"}, state="exited")  # its processes are gone
    containers.add({"dlcourse.classroom": "other", "dlcourse.user": "eve", "dlcourse.gpu": "4"})  # another classroom
    h = hooks_for(exclusive(tmp_path, ["0", "1", "2", "3", "4"]), containers)
    h.rebuild()
    assert h.pool.owners == {"0": "ada", "1": "bob", "2": "cy"}

    async def scenario():
        fred, gina = spawner("fred", gpu=True), spawner("gina", gpu=True)
        await h.pre_spawn(fred)
        await h.pre_spawn(gina)
        assert (gpu_of(fred), gpu_of(gina)) == ("3", "4")

    asyncio.run(scenario())


def test_a_stop_keeps_the_gpu_while_the_users_container_is_still_there(tmp_path):
    """A start that timed out can leave a container that Docker creates or starts after
    JupyterHub gave up; JupyterHub stops only servers that run, so post_stop finds it."""
    now = [0.0]
    containers = FakeContainers()
    h = hooks_for(exclusive(tmp_path, ["0"]), containers, clock=lambda: now[0])

    async def scenario():
        a = spawner("ada", gpu=True)
        await h.pre_spawn(a)
        containers.add(a.extra_create_kwargs["labels"], state="created")
        await h.post_stop(a)
        now[0] = 10_000
        with pytest.raises(web.HTTPError):
            await h.pre_spawn(spawner("bob", gpu=True))
        containers.remove("ada")
        bob = spawner("bob", gpu=True)
        await h.pre_spawn(bob)
        assert gpu_of(bob) == "0"
        await h.post_stop(bob)  # no container left: the slot goes back at once
        assert h.pool.free() == ["0"]

    asyncio.run(scenario())
