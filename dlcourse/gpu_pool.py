"""GPU assignment for the `exclusive` policy: each server gets its own slot (one
GPU, a set of GPUs, or a MIG instance) from a configured pool, and no slot is
ever given to two servers.

A slot is held from the moment a start takes it (the pre-spawn hook, before the
container exists) until the server's post-stop hook gives it back. When none is
free the start fails at once with a message that says so (the student can start
without a GPU). The pool is rebuilt at hub start from this classroom's containers
in any state that can run (or is about to run) code on a GPU: created,
restarting, running, paused. When the pool looks full, a slot is reclaimed only
from an owner that has no such container at all AND whose slot was not handed
out by this hub process within the last `pending_grace` seconds (a start that is
still creating its container). So a server that died without a clean stop gives
its GPU back, and one that is still starting never loses it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable

LABEL_USER = "dlcourse.user"
LABEL_GPU = "dlcourse.gpu"
LABEL_CLASSROOM = "dlcourse.classroom"
# Docker states in which a container holds its GPU (or is about to): every state
# but exited, dead and removing, whose processes are gone.
HOLDING_STATES = ("created", "restarting", "running", "paused")


class NoGPUFree(Exception):
    pass


class GPUPool:
    def __init__(self, slots: list[str], pending_grace: float = 0.0, clock: Callable[[], float] = time.monotonic):
        """slots: one entry per server, e.g. ["0", "1"], ["0,1", "2,3"] or MIG UUIDs.
        pending_grace: seconds after handing out a slot during which it counts as held
        even with no container (the start is still on its way: the hub's start timeout)."""
        self.slots = list(slots)
        self.owners: dict[str, str] = {}  # slot -> username
        self.granted: dict[str, float] = {}  # slot -> clock() when this process handed it out
        self.pending_grace = pending_grace
        self.clock = clock
        self._lock = asyncio.Lock()

    def holding(self, owner: str) -> str | None:
        return next((slot for slot, who in self.owners.items() if who == owner), None)

    def free(self) -> list[str]:
        return [slot for slot in self.slots if slot not in self.owners]

    def pending(self, slot: str) -> bool:
        """Handed out by this process so recently that its container may not exist yet."""
        granted = self.granted.get(slot)
        return granted is not None and self.clock() - granted < self.pending_grace

    def rebuild(self, containers: Iterable[tuple[str, str]]) -> None:
        """containers: (username, slot) of each GPU container of this classroom, read
        from their labels. Slots no longer in the pool (the configuration changed) are
        ignored. Nothing is pending after a rebuild: every holder has its container."""
        self.owners = {}
        for user, slot in containers:
            if slot in self.slots:
                self.owners.setdefault(slot, user)
        self.granted = {}

    async def acquire(self, owner: str, alive: Callable[[], Awaitable[set[str]]] | None = None) -> str:
        """A slot for OWNER (the one it already holds, if any). ALIVE returns the
        usernames that have a GPU container in a holding state; when the pool is full,
        slots of other owners are reclaimed (see the module's docstring)."""
        async with self._lock:
            held = self.holding(owner)
            if held:
                return held
            if not self.free() and alive is not None:
                living = await alive()
                for slot, who in list(self.owners.items()):
                    if who not in living and not self.pending(slot):
                        del self.owners[slot]
                        self.granted.pop(slot, None)
            free = self.free()
            if not free:
                raise NoGPUFree(
                    f"All {len(self.slots)} GPUs of this classroom are in use. Start your server "
                    "without a GPU (untick 'Use a GPU'): every notebook also runs on the CPU. "
                    "Or try again when a classmate stops theirs."
                )
            self.owners[free[0]] = owner
            self.granted[free[0]] = self.clock()
            return free[0]

    async def release(self, owner: str) -> None:
        async with self._lock:
            for slot in [slot for slot, who in self.owners.items() if who == owner]:
                del self.owners[slot]
                self.granted.pop(slot, None)


def device_ids(slot: str) -> list[str]:
    return [part.strip() for part in slot.split(",") if part.strip()]
