from pathlib import Path

import pytest

# make test-images runs the Docker tests on two pytest-xdist workers (--dist loadgroup): the
# classroom end to end on one (it mostly waits on containers and the hub), everything that runs
# notebooks in the images (their smoke runs, the exercise proofs) on the other. A group stays on
# one worker, so the session fixtures that run notebooks (the smoke report, the proofs) run once.
CLASSROOM_TESTS = Path(__file__).parent / "test_classroom.py"


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("docker") or "images" in Path(item.fspath).parts:
            group = "classroom" if Path(item.fspath) == CLASSROOM_TESTS else "images"
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def images():
    from dlcourse.manifest import load_images

    return load_images()


@pytest.fixture(scope="session")
def course(images):
    from dlcourse.manifest import load_course

    return load_course(images=images)
