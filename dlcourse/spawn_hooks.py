"""What each server gets when it starts and gives back when it stops: its limits
(by environment and role), its GPU (by the classroom's policy), its labels."""

from __future__ import annotations

import asyncio
import time

import docker

from dlcourse.gpu_pool import (
    HOLDING_STATES,
    LABEL_CLASSROOM,
    LABEL_GPU,
    LABEL_USER,
    GPUPool,
    NoGPUFree,
    device_ids,
)
from dlcourse.settings import limits_for
from dlcourse.volumes import server_volumes

ISOLATION = {"cap_drop": ["ALL"], "security_opt": ["no-new-privileges"], "privileged": False}


def all_gpus() -> list:
    return [docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])]


def some_gpus(slot: str) -> list:
    return [docker.types.DeviceRequest(device_ids=device_ids(slot), capabilities=[["gpu"]])]


class SpawnHooks:
    def __init__(self, settings: dict, project: str, client_factory=docker.from_env, clock=time.monotonic):
        self.settings, self.project, self.client_factory = settings, project, client_factory
        policy = settings["gpu"]["policy"]
        self.pool = None
        if policy == "exclusive":
            # A start may take the hub's start timeout to create its container (JupyterHub
            # gives up after it and stops the server, which gives the slot back); until
            # then its slot counts as held with no container. A minute more for the stop.
            grace = settings["hub"]["start_timeout"] + 60
            self.pool = GPUPool(settings["gpu"]["devices"], pending_grace=grace, clock=clock)

    def _gpu_containers(self) -> list[tuple[str, str]]:
        """(username, GPU slot) of this classroom's GPU containers in any state that holds
        a GPU (created, restarting, running, paused), from their labels."""
        client = self.client_factory()
        containers = client.containers.list(
            all=True,
            filters={"label": [LABEL_GPU, f"{LABEL_CLASSROOM}={self.project}"], "status": list(HOLDING_STATES)},
        )
        return [(c.labels[LABEL_USER], c.labels[LABEL_GPU]) for c in containers]

    def rebuild(self) -> None:
        """At hub start: the pool is what this classroom's GPU containers hold."""
        if self.pool is not None:
            self.pool.rebuild(self._gpu_containers())

    async def _alive(self) -> set[str]:
        """Usernames that have a GPU container holding its slot."""
        return {user for user, _ in await asyncio.to_thread(self._gpu_containers)}

    async def pre_spawn(self, spawner) -> None:
        environment = spawner.user_options.get("image") or self.settings["environments"]["default"]
        role = getattr(spawner.authenticator.roster().get(spawner.user.name), "role", "student")  # roster row
        limits = limits_for(self.settings, environment, role)
        spawner.volumes = server_volumes(self.project, role)  # ~/shared writable for instructors only
        spawner.mem_limit = limits["memory"]
        spawner.cpu_limit = float(limits["cpus"])
        host = {**ISOLATION, "pids_limit": limits["pids"], "shm_size": limits["shm_size"].lower()}
        labels = {
            LABEL_USER: spawner.user.name,
            "dlcourse.classroom": self.project,
            "dlcourse.environment": environment,
        }
        if self.settings["gpu"]["policy"] == "shared":
            host["device_requests"] = all_gpus()
        elif self.pool is not None and spawner.user_options.get("gpu"):
            try:
                slot = await self.pool.acquire(spawner.user.name, alive=self._alive)
            except NoGPUFree as err:
                from tornado import web

                raise web.HTTPError(503, str(err)) from None
            host["device_requests"] = some_gpus(slot)
            labels[LABEL_GPU] = slot
        spawner.extra_host_config = host
        spawner.extra_create_kwargs = {"user": "1000:1000", "labels": labels}

    async def post_stop(self, spawner) -> None:
        """The slot goes back, unless a container of this user can still use it: a start
        that timed out may leave one that Docker creates or starts after JupyterHub gave
        up (JupyterHub then stops only servers that run). That slot stays held until the
        container is gone (the next start removes it; see GPUPool.acquire)."""
        if self.pool is None or self.pool.holding(spawner.user.name) is None:
            return
        if spawner.user.name not in await self._alive():
            await self.pool.release(spawner.user.name)
