"""The README's course and image tables match the manifest and images.toml."""

from dlcourse.manifest import ROOT
from tools.readme import render


def test_readme_tables_are_current():
    text = (ROOT / "README.md").read_text()
    assert render(text) == text, "README.md tables are stale: run `make readme`"


def test_readme_names_every_notebook_and_the_two_commands(course):
    text = (ROOT / "README.md").read_text()
    for nb in course.notebooks:
        assert nb.file in text
    assert "make up" in text and "make test" in text
