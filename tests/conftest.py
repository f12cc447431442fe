import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pytest_configure(config):
    config.addinivalue_line("markers", "docker: needs the Docker engine and the built course images (make images)")


@pytest.fixture(scope="session")
def images():
    from tools.config import load_images
    return load_images()


@pytest.fixture(scope="session")
def course(images):
    from tools.config import load_course
    return load_course(images=images)
