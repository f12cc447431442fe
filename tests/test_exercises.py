"""Every exercise check checks (tools/exercises.py), for every notebook in its own image:
the reference passes, the untouched stub and every wrong answer of tests/exercises/ fail,
the student version runs to the end with each check saying "not done yet", and nbgrader
autograde gives the source full points and the untouched student version zero."""

import pytest

from dlcourse.manifest import load_course
from tools import exercises

pytestmark = pytest.mark.docker
FILES = [nb.file for nb in load_course().notebooks]


@pytest.fixture(scope="session")
def proofs() -> dict[str, dict]:
    report = exercises.run_all(FILES)
    print("\n" + exercises.markdown(report))
    return {entry["notebook"]: entry for entry in report}


@pytest.mark.parametrize("file", FILES)
def test_every_check_of_the_notebook_can_fail_and_grades_right(file, proofs):
    problems = exercises.problems(proofs[file])
    assert not problems, "\n".join(problems)
