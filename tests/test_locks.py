"""Every image's stack is pinned: each requirement is in its lock, with hashes. So is the course
layer every image adds on top of its stack (images/course)."""

import re

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from dlcourse.manifest import ROOT, load_images

IMAGES = load_images()
HUB_IN, HUB_LOCK = ROOT / "hub" / "requirements.in", ROOT / "hub" / "requirements.lock"
COURSE = "course"  # images/course: the layer on top of every stack
LOCKED = [*IMAGES.images, COURSE]  # the folders under images/ with a lock


def requirements(folder):
    """Normalised name -> version specifier required by images/<folder>/requirements.in
    (hub/requirements.in for "hub"), following -r includes (the specifiers of a name combined)."""
    path = HUB_IN if folder == "hub" else ROOT / "images" / folder / "requirements.in"
    wanted: dict[str, SpecifierSet] = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            found = requirements((path.parent / line[3:].strip()).parent.name)
        else:
            req = Requirement(line)
            found = {normalise(req.name): req.specifier}
        for name, spec in found.items():
            wanted[name] = wanted.get(name, SpecifierSet()) & spec
    return wanted


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path):
    """Normalised name -> version of a lock file."""
    return {
        normalise(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)", path.read_text(), re.M)
    }


def lock_pins(folder):
    return pins(ROOT / "images" / folder / "requirements.lock")


@pytest.mark.parametrize("folder", LOCKED)
def test_every_requirement_is_in_the_lock(folder):
    missing = set(requirements(folder)) - set(lock_pins(folder))
    assert not missing, f"images/{folder}/requirements.lock lacks {sorted(missing)}: run make lock"


@pytest.mark.parametrize("folder", [*LOCKED, "hub"])
def test_every_locked_version_is_the_one_requirements_in_asks_for(folder):
    """A pin in requirements.in (jupyterhub==5.5.4, jupyterlab==4.5.*) is the version the lock
    installs: a lock made before the pin changed, or edited by hand, fails here."""
    locked = pins(HUB_LOCK) if folder == "hub" else lock_pins(folder)
    wrong = {
        name: (str(spec), locked[name])
        for name, spec in requirements(folder).items()
        if name in locked and not spec.contains(locked[name], prereleases=True)
    }
    assert not wrong, f"{folder}: requirements.in asks for, the lock has: {wrong}; run make lock"


def test_the_hub_lock_holds_every_hub_requirement():
    missing = set(requirements("hub")) - set(pins(HUB_LOCK))
    assert not missing, f"hub/requirements.lock lacks {sorted(missing)}: run make lock"


@pytest.mark.parametrize("folder", LOCKED)
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


@pytest.mark.parametrize("stack", list(IMAGES.images))
def test_the_course_layer_installs_no_other_version_of_a_stacks_package(stack):
    """The course layer is installed (with --no-deps) on top of every stack: a package both pin
    must be the same version, or the layer would replace what the stack was tested with."""
    course, pinned = lock_pins(COURSE), lock_pins(stack)
    changed = {name: (pinned[name], v) for name, v in course.items() if name in pinned and pinned[name] != v}
    assert not changed, f"images/course/requirements.lock changes {stack}'s versions (stack, course): {changed}"


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
