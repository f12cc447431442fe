"""What a server gets at start: limits by environment and role, isolation, GPUs by policy."""

import asyncio
from types import SimpleNamespace

import pytest
from tornado import web

from dlcourse import spawn_hooks
from dlcourse.settings import load_settings


class FakeContainers:
    """The part of docker-py's client the pool reads: running containers and their labels."""

    def __init__(self):
        self.running = []

    def list(self, filters):
        return [SimpleNamespace(labels=labels) for labels in self.running]


def settings(tmp_path, text):
    path = tmp_path / "classroom.toml"
    path.write_text(text)
    return load_settings(path)


def spawner(name, admin=False, **options):
    return SimpleNamespace(
        user=SimpleNamespace(name=name, admin=admin),
        user_options=options,
        mem_limit=None,
        cpu_limit=None,
        extra_host_config={},
        extra_create_kwargs={},
    )


def hooks_for(s, containers=None):
    containers = containers or FakeContainers()
    return spawn_hooks.SpawnHooks(s, "room", client_factory=lambda: SimpleNamespace(containers=containers))


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
        containers.running = [a.extra_create_kwargs["labels"], b.extra_create_kwargs["labels"]]
        with pytest.raises(web.HTTPError) as err:
            await h.pre_spawn(c)
        assert err.value.status_code == 503 and "without a GPU" in err.value.log_message
        cpu = spawner("cy", gpu=False)
        await h.pre_spawn(cpu)  # a CPU server starts fine meanwhile
        assert "device_requests" not in cpu.extra_host_config
        await h.post_stop(a)
        await h.pre_spawn(c)
        assert c.extra_host_config["device_requests"][0]["DeviceIDs"] == ["0"]

    asyncio.run(scenario())


def test_hub_restart_rebuilds_gpu_assignments_from_running_containers(tmp_path):
    s = settings(tmp_path, '[gpu]\npolicy = "exclusive"\ndevices = ["0", "1"]')
    containers = FakeContainers()
    containers.running = [{"dlcourse.user": "ada", "dlcourse.gpu": "1", "dlcourse.classroom": "room"}]
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
