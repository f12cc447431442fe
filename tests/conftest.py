import pytest


@pytest.fixture(scope="session")
def images():
    from dlcourse.manifest import load_images

    return load_images()


@pytest.fixture(scope="session")
def course(images):
    from dlcourse.manifest import load_course

    return load_course(images=images)
