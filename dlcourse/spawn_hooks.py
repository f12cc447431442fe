"""What each server gets when it starts and gives back when it stops: its limits
(by environment and role), its GPU (by the classroom's policy), its labels."""

from __future__ import annotations

import asyncio

import docker

from dlcourse.gpu_pool import LABEL_GPU, LABEL_USER, GPUPool, NoGPUFree, device_ids
from dlcourse.settings import limits_for

ISOLATION = {"cap_drop": ["ALL"], "security_opt": ["no-new-privileges"], "privileged": False}


def all_gpus() -> list:
    return [docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])]


def some_gpus(slot: str) -> list:
    return [docker.types.DeviceRequest(device_ids=device_ids(slot), capabilities=[["gpu"]])]


class SpawnHooks:
    def __init__(self, settings: dict, project: str, client_factory=docker.from_env):
        self.settings, self.project, self.client_factory = settings, project, client_factory
        policy = settings["gpu"]["policy"]
        self.pool = GPUPool(settings["gpu"]["devices"]) if policy == "exclusive" else None

    def _gpu_containers(self) -> dict[str, str]:
        """username -> GPU slot of this classroom's running servers (from container labels)."""
        client = self.client_factory()
        running = client.containers.list(filters={"label": [LABEL_GPU, f"dlcourse.classroom={self.project}"]})
        return {c.labels[LABEL_USER]: c.labels[LABEL_GPU] for c in running}

    def rebuild(self) -> None:
        """At hub start: the pool is what the running containers hold."""
        if self.pool is not None:
            self.pool.rebuild(self._gpu_containers())

    async def _alive(self) -> set[str]:
        return set(await asyncio.to_thread(lambda: set(self._gpu_containers())))

    async def pre_spawn(self, spawner) -> None:
        environment = spawner.user_options.get("image") or self.settings["environments"]["default"]
        role = "instructor" if spawner.user.admin else "student"
        limits = limits_for(self.settings, environment, role)
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
        if self.pool is not None:
            await self.pool.release(spawner.user.name)
