"""GPU assignment for the `exclusive` policy: each running server gets its own
slot (one GPU, a set of GPUs, or a MIG instance) from a configured pool.

A slot is taken when a server starts with "Use a GPU" ticked and given back when
it stops or is culled. When none is free the start fails at once with a message
that says so (the student can start without a GPU). The pool is rebuilt at hub
start from the containers that are really running, and reconciled with them
when it looks full, so a server that died without a clean stop does not keep
its GPU.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

LABEL_USER = "dlcourse.user"
LABEL_GPU = "dlcourse.gpu"


class NoGPUFree(Exception):
    pass


class GPUPool:
    def __init__(self, slots: list[str]):
        """slots: one entry per server, e.g. ["0", "1"], ["0,1", "2,3"] or MIG UUIDs."""
        self.slots = list(slots)
        self.owners: dict[str, str] = {}  # slot -> username
        self._lock = asyncio.Lock()

    def holding(self, owner: str) -> str | None:
        return next((slot for slot, who in self.owners.items() if who == owner), None)

    def free(self) -> list[str]:
        return [slot for slot in self.slots if slot not in self.owners]

    def rebuild(self, running: dict[str, str]) -> None:
        """running: username -> slot, read from the labels of running containers.
        Slots no longer in the pool (the configuration changed) are ignored."""
        self.owners = {slot: user for user, slot in running.items() if slot in self.slots}

    async def acquire(self, owner: str, alive: Callable[[], Awaitable[set[str]]] | None = None) -> str:
        """A slot for OWNER (the one it already holds, if any). ALIVE returns the
        usernames whose GPU servers really run; used to reclaim slots of dead servers."""
        async with self._lock:
            held = self.holding(owner)
            if held:
                return held
            if not self.free() and alive is not None:
                living = await alive()
                self.owners = {slot: who for slot, who in self.owners.items() if who in living}
            free = self.free()
            if not free:
                raise NoGPUFree(
                    f"All {len(self.slots)} GPUs of this classroom are in use. Start your server "
                    "without a GPU (untick 'Use a GPU'): every notebook also runs on the CPU. "
                    "Or try again when a classmate stops theirs."
                )
            self.owners[free[0]] = owner
            return free[0]

    async def release(self, owner: str) -> None:
        async with self._lock:
            self.owners = {slot: who for slot, who in self.owners.items() if who != owner}


def device_ids(slot: str) -> list[str]:
    return [part.strip() for part in slot.split(",") if part.strip()]
