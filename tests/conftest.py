import pytest

# make test-images runs the Docker tests on two pytest-xdist workers: the classroom end to end on
# one (it mostly waits on containers and the hub), everything that runs notebooks in the images
# (their smoke runs, the exercise proofs) on the other. Each group stays on one worker, so the
# session fixtures (the classroom, the smoke report, the proofs) run once. xdist's own
# --dist loadgroup cannot do this under pytest 9 (it renames item._nodeid, which pytest 9 no
# longer reads), so the grouping is a scheduler of our own on xdist's documented hook.
CLASSROOM_TESTS = "tests/test_classroom.py"


def worker_group(nodeid):
    """The worker group of a test: the classroom's module, or everything else."""
    return "classroom" if nodeid.split("::")[0] == CLASSROOM_TESTS else "images"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class TwoGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return worker_group(nodeid)

    return TwoGroups(config, log)


@pytest.fixture(scope="session")
def images():
    from dlcourse.manifest import load_images

    return load_images()


@pytest.fixture(scope="session")
def course(images):
    from dlcourse.manifest import load_course

    return load_course(images=images)
