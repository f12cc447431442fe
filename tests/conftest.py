from pathlib import Path

import pytest

# make test-images runs the Docker tests on two pytest-xdist workers: the classroom modules on one
# (each brings up its own hub, one after the other; they mostly wait on containers and the hub),
# everything that runs notebooks in the images (their smoke runs, the exercise proofs) on the
# other. Each group stays on one worker, so the session and module fixtures (a classroom, the
# smoke report, the proofs) run once. Not three workers: two hubs with their students beside two
# smoke runs loaded the two cores to 8, and notebooks that take 20 s ran past their 60 s budget.
# xdist's own --dist loadgroup cannot do this under pytest 9 (it renames item._nodeid, which
# pytest 9 no longer reads), so the grouping is a scheduler of our own on xdist's documented hook.
CLASSROOMS = {  # module -> its classroom's compose project, port and tag of the course images
    "tests/test_classroom.py": ("dlcourse-test", 18000, "e2e"),
    "tests/test_classroom_work.py": ("dlcourse-work", 18300, "e2e-work"),
}


def worker_group(nodeid):
    """The worker group of a test: "classroom" for the classroom modules, "images" for the rest."""
    return "classroom" if nodeid.split("::")[0] in CLASSROOMS else "images"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return worker_group(nodeid)

    return Groups(config, log)


@pytest.fixture(scope="module")
def room(request, tmp_path_factory):
    """The module's classroom (CLASSROOMS), up for the module's tests."""
    from tests.classroom_support import open_classroom

    module = Path(request.module.__file__).relative_to(request.config.rootpath).as_posix()
    project, port, tag = CLASSROOMS[module]
    yield from open_classroom(tmp_path_factory.mktemp("classroom"), project, port, tag)


@pytest.fixture(scope="module")
def codes(room):
    return room.pending_codes()


@pytest.fixture(scope="module")
def ada(room, codes):
    """ada, enrolled: logged in with her code, password chosen."""
    from tests.classroom_support import enrolled

    return enrolled(room, "ada", codes["ada"])


@pytest.fixture(scope="module")
def teacher(room, codes):
    from tests.classroom_support import enrolled

    return enrolled(room, "teacher", codes["teacher"])


@pytest.fixture(scope="session")
def images():
    from dlcourse.manifest import load_images

    return load_images()


@pytest.fixture(scope="session")
def course(images):
    from dlcourse.manifest import load_course

    return load_course(images=images)
