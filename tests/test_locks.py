"""Every image's stack is pinned: each requirement is in its lock, with hashes."""

import re

import pytest

from dlcourse.manifest import ROOT, load_images

IMAGES = load_images()


def requirements(folder):
    """Names (normalised) required by images/<folder>/requirements.in, following -r includes."""
    path = ROOT / "images" / folder / "requirements.in"
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            names |= requirements((path.parent / line[3:].strip()).parent.name)
            continue
        names.add(normalise(re.split(r"[\[=<>~!; ]", line)[0]))
    return names


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path):
    """Normalised name -> version of a lock file."""
    return {
        normalise(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)", path.read_text(), re.M)
    }


def lock_pins(folder):
    return pins(ROOT / "images" / folder / "requirements.lock")


HUB_LOCK = ROOT / "hub" / "requirements.lock"


@pytest.mark.parametrize("folder", list(IMAGES.images))
def test_every_requirement_is_in_the_lock(folder):
    missing = requirements(folder) - set(lock_pins(folder))
    assert not missing, f"images/{folder}/requirements.lock lacks {sorted(missing)}: run make lock"


@pytest.mark.parametrize("folder", list(IMAGES.images))
def test_every_pin_has_a_hash(folder):
    text = (ROOT / "images" / folder / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1] if text.startswith("#") else text)
    for block in blocks:
        if re.match(r"^[A-Za-z0-9_.\-]+==", block):
            assert "--hash=sha256:" in block, f"no hash for {block.splitlines()[0]} in images/{folder}"


@pytest.mark.parametrize("folder", [f for f, i in IMAGES.images.items() if i.parent])
def test_framework_lock_keeps_the_parents_versions(folder):
    parent, child = lock_pins(IMAGES.images[folder].parent), lock_pins(folder)
    changed = {name: (v, child[name]) for name, v in parent.items() if name in child and child[name] != v}
    assert not changed, f"images/{folder} changes versions of its parent's packages: {changed}"


def test_hub_and_single_user_jupyterhub_versions_are_equal():
    assert lock_pins("foundations")["jupyterhub"] == pins(HUB_LOCK)["jupyterhub"]


def test_the_test_environment_runs_the_hubs_locked_stack():
    """The in-process hub tests use the real classes at the versions the hub image ships."""
    from importlib import metadata

    hub = pins(HUB_LOCK)
    installed = {}
    for name in hub:
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed[name] = None
    differ = {name: (want, installed[name]) for name, want in hub.items() if installed[name] != want}
    assert not differ, (
        f"the test environment differs from hub/requirements.lock (want, have): {differ}; rerun make test"
    )


@pytest.mark.parametrize(
    "lock", [*sorted((ROOT / "images").glob("*/requirements.lock")), HUB_LOCK], ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_lock_holds_a_package_left_out(lock):
    from tools.lock import LEFT_OUT

    held = sorted(set(LEFT_OUT) & set(pins(lock)))
    assert not held, f"{lock.relative_to(ROOT)} holds {held}, left out on purpose (tools/lock.py LEFT_OUT)"
