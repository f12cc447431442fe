"""The README's layout table matches the tree, and every image has its own tests."""

import re
import subprocess

import pytest

from dlcourse.manifest import ROOT, load_images

# Files every repository has, which a newcomer does not need explained.
SELF_EXPLAINING = {"README.md", ".gitignore", ".dockerignore"}


def layout_paths() -> list[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    return [
        p for row in table.splitlines() if row.startswith("| `") for p in re.findall(r"`([^`]+)`", row.split("|")[1])
    ]


def tracked_top_level() -> set[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout:
        pytest.skip("not a git checkout: the tracked files are unknown")
    return {line.split("/")[0] + ("/" if "/" in line else "") for line in out.stdout.splitlines()}


def test_every_path_in_the_layout_table_exists():
    not_committed = {"deploy/kubernetes/"}  # written by `make k8s-values`, the table says so
    missing = [p for p in layout_paths() if p not in not_committed and not (ROOT / p).exists()]
    assert not missing, f"README.md's layout table names paths that do not exist: {missing}"


def test_every_top_level_entry_is_in_the_layout_table():
    listed = {p.rstrip("/").split("/")[0] for p in layout_paths()}
    unlisted = sorted(e for e in tracked_top_level() if e.rstrip("/") not in listed and e not in SELF_EXPLAINING)
    assert not unlisted, f"add these to README.md's layout table: {unlisted}"


def test_every_image_has_a_test_folder_and_every_test_folder_an_image():
    folders = {p.name for p in (ROOT / "tests" / "images").iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert folders == set(load_images().images), "tests/images/<folder>/ and images.toml's [image.<folder>] must match"


def test_each_image_folder_is_named_after_its_environment():
    for folder, image in load_images().images.items():
        assert folder == image.environment, f"images/{folder}/ builds the environment {image.environment!r}"


def test_the_changelog_describes_the_current_image_tag():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    tag = load_images().tag
    assert re.search(rf"^## {re.escape(tag)}$", changelog, re.M), f"CHANGELOG.md has no '## {tag}' section"
