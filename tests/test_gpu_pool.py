"""The exclusive GPU pool: no GPU here, so the allocation logic is tested hard."""

import asyncio
import random
from types import SimpleNamespace

import pytest

from dlcourse.gpu_pool import GPUPool, NoGPUFree, device_ids


def run(coro):
    return asyncio.run(coro)


def test_each_server_gets_its_own_slot_and_gives_it_back():
    async def scenario():
        pool = GPUPool(["0", "1"])
        a, b = await pool.acquire("ada"), await pool.acquire("bob")
        assert {a, b} == {"0", "1"}
        with pytest.raises(NoGPUFree, match="All 2 GPUs"):
            await pool.acquire("carol")
        await pool.release("ada")
        assert await pool.acquire("carol") == a

    run(scenario())


def test_acquire_is_idempotent_for_the_same_student():
    async def scenario():
        pool = GPUPool(["0", "1"])
        assert await pool.acquire("ada") == await pool.acquire("ada")
        assert pool.free() == ["1"]

    run(scenario())


def test_slots_may_be_gpu_sets_or_mig_instances():
    assert device_ids("0,1") == ["0", "1"]
    assert device_ids("MIG-4f3c2a1b-aaaa-bbbb-cccc-0123456789ab") == ["MIG-4f3c2a1b-aaaa-bbbb-cccc-0123456789ab"]


def test_concurrent_starts_never_share_a_slot():
    async def scenario():
        pool = GPUPool([str(i) for i in range(4)])

        async def start(name):
            await asyncio.sleep(random.random() / 100)
            try:
                return name, await pool.acquire(name)
            except NoGPUFree:
                return name, None

        results = await asyncio.gather(*(start(f"s{i}") for i in range(30)))
        got = [slot for _, slot in results if slot]
        assert len(got) == 4 and len(set(got)) == 4
        assert sum(1 for _, slot in results if slot is None) == 26

    for seed in range(20):
        random.seed(seed)
        run(scenario())


def test_the_start_rush_never_shares_a_slot_before_the_containers_exist():
    """30 students start at once; no container exists yet (Docker is still creating
    them), so ALIVE finds nobody: every slot handed out is a pending start and stays
    its owner's."""

    async def scenario():
        pool = GPUPool([str(i) for i in range(4)], pending_grace=360)
        asked = []

        async def nobody_yet():
            asked.append(1)
            await asyncio.sleep(0)
            return set()

        async def start(name):
            await asyncio.sleep(random.random() / 100)
            try:
                return name, await pool.acquire(name, alive=nobody_yet)
            except NoGPUFree:
                return name, None

        results = await asyncio.gather(*(start(f"s{i}") for i in range(30)))
        got = [slot for _, slot in results if slot]
        assert asked, "the pool never looked for dead servers"
        assert len(got) == 4 and len(set(got)) == 4, f"a slot went to two students: {results}"
        assert {slot: name for name, slot in results if slot} == pool.owners

    for seed in range(20):
        random.seed(seed)
        run(scenario())


def test_a_pending_start_keeps_its_slot_until_its_start_has_timed_out():
    async def scenario():
        now = [1000.0]
        pool = GPUPool(["0"], pending_grace=360, clock=lambda: now[0])
        assert await pool.acquire("ada") == "0"

        async def no_container():
            return set()

        now[0] += 359
        with pytest.raises(NoGPUFree):
            await pool.acquire("bob", alive=no_container)  # ada's container may still be on its way
        now[0] += 2
        assert await pool.acquire("bob", alive=no_container) == "0"  # ada's start is over: no container, dead
        assert pool.pending("0") and not pool.pending("1")

    run(scenario())


def test_random_interleavings_of_starts_and_stops_keep_the_books_straight():
    async def scenario(seed):
        rng = random.Random(seed)
        pool, holding = GPUPool(["0", "1", "2"]), {}

        async def student(name):
            for _ in range(10):
                await asyncio.sleep(rng.random() / 200)
                if name in holding:
                    await pool.release(name)
                    holding.pop(name)
                else:
                    try:
                        holding[name] = await pool.acquire(name)
                    except NoGPUFree:
                        assert len(pool.free()) == 0
                slots = list(holding.values())
                assert len(slots) == len(set(slots)), "two servers share a GPU"

        await asyncio.gather(*(student(f"s{i}") for i in range(8)))
        assert {v: k for k, v in holding.items()} == pool.owners

    for seed in range(30):
        run(scenario(seed))


def test_hub_restart_rebuilds_the_pool_from_running_containers():
    async def scenario():
        pool = GPUPool(["0", "1", "2"])
        pool.rebuild([("ada", "1"), ("bob", "7")])  # bob's slot left the configuration
        assert pool.owners == {"1": "ada"}
        assert not pool.pending("1")  # a rebuilt slot has its container: no grace
        assert await pool.acquire("ada") == "1"  # ada keeps hers
        assert await pool.acquire("carol") == "0"

    run(scenario())


def test_a_server_that_died_gives_its_gpu_back_when_the_pool_is_full():
    async def scenario():
        pool = GPUPool(["0"])
        await pool.acquire("ada")

        async def alive():
            return set()  # ada's container is gone

        assert await pool.acquire("bob", alive=alive) == "0"

        async def all_alive():
            return {"bob"}

        with pytest.raises(NoGPUFree):
            await pool.acquire("carol", alive=all_alive)

    run(scenario())


@pytest.mark.docker
def test_real_containers_that_exist_but_do_not_run_keep_their_gpus(tmp_path, images):
    """The real SpawnHooks reading a real Docker engine: containers of a test classroom,
    created from the foundations image and never started (as in the start rush, between
    Docker's create and start), hold their slots against a crowd of concurrent starts; a
    slot whose container exited or was removed is reclaimed."""
    import uuid

    import docker
    from tornado import web

    from dlcourse.auth import RosterGate
    from dlcourse.settings import load_settings
    from dlcourse.spawn_hooks import SpawnHooks

    client = docker.from_env()
    room = f"dlcourse-test-gpu-{uuid.uuid4().hex[:10]}"
    (tmp_path / "classroom.toml").write_text(
        '[hub]\nstart_timeout = 60\n[gpu]\npolicy = "exclusive"\ndevices = ["0", "1", "2"]\n'
    )
    (tmp_path / "roster.csv").write_text("username,role,section\n")  # nobody on it: every start a student's
    authenticator = RosterGate(roster_path=str(tmp_path / "roster.csv"))
    now = [0.0]
    hooks = SpawnHooks(load_settings(tmp_path / "classroom.toml"), room, clock=lambda: now[0])

    def create(user, slot, command=None):
        labels = {"dlcourse.user": user, "dlcourse.gpu": slot, "dlcourse.classroom": room}
        return client.containers.create(images.ref("foundations"), command, name=f"{room}-{user}", labels=labels)

    def holders():
        """slot -> users that hold it: by a container of the room that did not exit, or by the pool."""
        held = {}
        for c in client.containers.list(all=True, filters={"label": f"dlcourse.classroom={room}"}):
            if c.status != "exited":
                held.setdefault(c.labels["dlcourse.gpu"], set()).add(c.labels["dlcourse.user"])
        for slot, user in hooks.pool.owners.items():
            held.setdefault(slot, set()).add(user)
        return held

    async def rush(names):
        """NAMES start at once with "Use a GPU": {name: slot} of those who got one."""

        async def start(name):
            sp = SimpleNamespace(
                user=SimpleNamespace(name=name, admin=False),
                authenticator=authenticator,
                user_options={"gpu": True},
                extra_create_kwargs={},
            )
            try:
                await hooks.pre_spawn(sp)
            except web.HTTPError as err:
                assert err.status_code == 503, err
                return name, None
            return name, sp.extra_create_kwargs["labels"]["dlcourse.gpu"]

        won = {name: slot for name, slot in await asyncio.gather(*(start(n) for n in names)) if slot}
        assert all(len(users) == 1 for users in holders().values()), f"a slot has two holders: {holders()}"
        return won

    async def scenario():
        ada, bob = create("ada", "0"), create("bob", "1")  # created, not started
        hooks.rebuild()  # a hub restart in the middle of the rush
        assert hooks.pool.owners == {"0": "ada", "1": "bob"}

        won = await rush([f"s{i}" for i in range(12)])
        assert list(won.values()) == ["2"], f"only slot 2 was free: {won}"
        now[0] = 10_000  # long past the start timeout: from now on only containers hold slots
        [winner] = won
        create(winner, "2")  # the winner's container, created, not started
        assert await rush([f"t{i}" for i in range(12)]) == {}, "a slot of a created container was handed out"

        ada.remove(force=True)  # ada's container is really gone
        won = await rush([f"u{i}" for i in range(12)])
        assert list(won.values()) == ["0"], f"ada's slot was not reclaimed once: {won}"
        [winner] = won
        create(winner, "0")
        now[0] = 20_000

        bob.remove(force=True)
        bob = create("bob", "1", command="true")
        bob.start()
        assert bob.wait(timeout=60)["StatusCode"] == 0  # exited: its processes, and its GPU use, are gone
        won = await rush([f"v{i}" for i in range(12)])
        assert list(won.values()) == ["1"], f"the exited container's slot was not reclaimed once: {won}"

    try:
        run(scenario())
    finally:
        for c in client.containers.list(all=True, filters={"label": f"dlcourse.classroom={room}"}):
            c.remove(force=True)
