"""The exclusive GPU pool: no GPU here, so the allocation logic is tested hard."""

import asyncio
import random

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
        pool.rebuild({"ada": "1", "bob": "7"})  # bob's slot left the configuration
        assert pool.owners == {"1": "ada"}
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
