"""Tests on the built course images, grouped by image the docker-stacks way.

A test module in tests/images/<folder>/ runs on the image built from
images/<folder>/ and on every image built on it (images.toml's `parent`): the
foundations tests run on all four images, the PyTorch tests on the PyTorch image
(and on any image that one day builds on it). Every test here needs Docker and
the built images (`make images`; `make test` builds them).
"""

import subprocess
from pathlib import Path

import pytest

from dlcourse.manifest import load_images

IMAGES = load_images()
HERE = Path(__file__).parent


def images_inheriting(folder: str) -> list[str]:
    """The images whose tests include those of tests/images/<folder>/."""
    return [f for f in IMAGES.build_order() if folder in IMAGES.lineage(f)]


def pytest_generate_tests(metafunc):
    if "image" in metafunc.fixturenames:
        owner = Path(metafunc.module.__file__).parent
        if owner.parent != HERE:
            raise pytest.UsageError(f"{metafunc.module.__file__}: an image test belongs in tests/images/<image>/")
        metafunc.parametrize("image", images_inheriting(owner.name))


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.docker)


class Container:
    """Runs commands in a fresh container of one course image, offline."""

    def __init__(self, folder: str):
        self.folder, self.ref = folder, IMAGES.ref(folder)

    def sh(self, script: str, *docker_args: str, env: dict[str, str] | None = None) -> str:
        env_args = [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
        out = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", *env_args, *docker_args, self.ref, "bash", "-c", script],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, f"in {self.ref}: {script!r} failed:\n{out.stderr}"
        return out.stdout.strip()

    def python(self, code: str, env: dict[str, str] | None = None) -> str:
        return self.sh(f"python - <<'PY'\n{code}\nPY", env=env)


@pytest.fixture
def container(image) -> Container:
    return Container(image)
