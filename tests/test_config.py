"""The configuration files load, and a wrong value is named with what is allowed."""

import re

import pytest

from dlcourse.manifest import ROOT, ConfigError, load_course, load_images


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_images_build_parents_first(images):
    order = images.build_order()
    for folder in order:
        parent = images.images[folder].parent
        assert not parent or order.index(parent) < order.index(folder)
    assert set(images.environments) == {"foundations", "pytorch", "tensorflow", "jax"}


def test_every_image_folder_has_dockerfile_requirements_and_lock(images):
    for folder in images.images:
        for name in ("Dockerfile", "requirements.in", "requirements.lock"):
            assert (ROOT / "images" / folder / name).is_file(), f"images/{folder}/{name} is missing"


def test_wrong_environment_names_key_value_and_allowed(tmp_path, images):
    text = (ROOT / "notebooks" / "course.toml").read_text()
    bad = write(
        tmp_path, "course.toml", re.sub(r'environment = "foundations"', 'environment = "pytroch"', text, count=1)
    )
    with pytest.raises(ConfigError) as err:
        load_course(bad, images=images)
    message = str(err.value)
    assert "environment" in message and "pytroch" in message and "pytorch" in message and "foundations" in message


def test_unknown_video_and_bad_budget_are_rejected(tmp_path, images):
    text = (ROOT / "notebooks" / "course.toml").read_text()
    with pytest.raises(ConfigError, match="Calculus"):
        load_course(
            write(
                tmp_path, "a.toml", text.replace('videos = ["Numpy and Linear Algebra"]', 'videos = ["Calculsu"]', 1)
            ),
            images=images,
        )
    with pytest.raises(ConfigError, match="smoke_budget"):
        load_course(write(tmp_path, "b.toml", text.replace("smoke_budget = 60", "smoke_budget = 0", 1)), images=images)


def test_unknown_parent_image_is_rejected(tmp_path):
    text = (ROOT / "images" / "images.toml").read_text().replace('parent = "foundations"', 'parent = "fundations"', 1)
    with pytest.raises(ConfigError, match="fundations"):
        load_images(write(tmp_path, "images.toml", text))


def test_config_cli_reports_errors_without_traceback(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "tools.check", "nonsense"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "usage" in out.stderr
