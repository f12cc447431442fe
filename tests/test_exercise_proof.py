"""The student version (tools/student.py) and the exercise proof (tools/exercises.py), on a
small notebook with one sound and one hollow check and a lesson cell that writes to stderr:
the proof passes the first and names the second and the warning."""

import nbformat
import pytest

from dlcourse.manifest import load_images
from tools import exercises, student

HELPER = """from contextlib import contextmanager

@contextmanager
def exercise(number, task):
    try:
        yield
    except NotImplementedError:
        raise AssertionError(f"Exercise {number} is not done yet: {task} above") from None
    print(f"Exercise {number}: correct")"""


def cell(kind, source, grade_id=None, *, solution=False, grade=False, points=0, tags=()):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    metadata = {"tags": list(tags)} if tags else {}
    if grade_id:
        metadata["nbgrader"] = {
            "grade": grade,
            "solution": solution,
            "locked": not solution,
            "grade_id": grade_id,
            "schema_version": 3,
            "task": False,
        }
        if grade:
            metadata["nbgrader"]["points"] = points
    return make(source, metadata=metadata)


def notebook():
    nb = nbformat.v4.new_notebook(
        cells=[
            cell("code", "SMOKE = False", tags=["parameters"]),
            cell("code", "import numpy as np\nSIZE = 3 if SMOKE else 1000"),
            cell("code", "import sys\nprint('a warning', file=sys.stderr)"),
            cell("markdown", "## Exercises"),
            cell("code", HELPER, "exercise-helper"),
            cell(
                "code",
                "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * np.asarray(x)\n    ### END SOLUTION",
                "ex1-answer",
                solution=True,
            ),
            cell(
                "code",
                "with exercise(1, 'implement `double`'):\n    assert np.allclose(double(np.arange(SIZE)), "
                "2 * np.arange(SIZE))\n    ### BEGIN HIDDEN TESTS\n    assert double(-1.5) == -3.0\n"
                "    ### END HIDDEN TESTS",
                "ex1-check",
                grade=True,
                points=2,
                tags=["raises-exception"],
            ),
            cell(
                "code",
                "def norm(v):\n    ### BEGIN SOLUTION\n    return float(np.sqrt((np.asarray(v) ** 2).sum()))\n"
                "    ### END SOLUTION",
                "ex2-answer",
                solution=True,
            ),
            cell(
                "code",
                "with exercise(2, 'implement `norm`'):\n    assert norm([3, 4]) == 5.0",
                "ex2-check",
                grade=True,
                points=1,
                tags=["raises-exception"],
            ),
            cell("markdown", "The end."),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


CORPUS = {
    "ex1-answer": [
        ("adds instead of doubling", "def double(x):\n    return np.asarray(x) + 2"),
        ("a list, not an array", "def double(x):\n    return [2 * v for v in x]"),
        ("forgets negatives", "def double(x):\n    return 2 * np.abs(np.asarray(x))"),
    ],
    "ex2-answer": [
        ("the 1-norm", "def norm(v):\n    return float(np.abs(np.asarray(v)).sum())"),
        ("the answer typed in", "def norm(v):\n    return 5.0"),
        ("right for this one input only", "def norm(v):\n    return 5.0 if list(v) == [3, 4] else 0.0"),
    ],
}


def test_student_version_has_stubs_reveals_and_no_hidden_tests():
    nb = student.generate(notebook())
    sources = "\n".join(c.source for c in nb.cells)
    assert "return 2 * np.asarray(x)" not in "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert sources.count(student.STUB) == 2
    assert "double(-1.5)" not in sources, "hidden tests must not reach students"
    reveals = [c for c in nb.cells if student.REVEAL_TAG in c.metadata.get("tags", [])]
    assert [c.cell_type for c in reveals] == ["markdown", "markdown"]
    assert "return 2 * np.asarray(x)" in reveals[0].source
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert all(c.metadata["nbgrader"]["locked"] and "checksum" in c.metadata["nbgrader"] for c in checks)


@pytest.mark.docker
def test_a_sound_check_passes_and_a_hollow_one_is_named():
    images = load_images()
    [report] = exercises.prove([("tiny", notebook(), CORPUS)], images.ref(images.foundations.folder))
    entry = {"notebook": "tiny.ipynb", "budget": 60, **report}
    found = exercises.problems(entry)
    assert found == [
        "tiny.ipynb ex2-answer: the check accepts a wrong answer: the answer typed in",
        "tiny.ipynb ex2-answer: the check accepts a wrong answer: right for this one input only",
        "tiny.ipynb: wrote to stderr (a student sees it in red): a warning",
    ], found
    over = exercises.problems({**entry, "budget": 0})
    assert any("over its budget of 0 s" in line for line in over), over
    ex1 = report["source"]["exercises"][0]
    assert ex1["reference"] == "passed" and all(w["caught"] for w in ex1["wrong"])
    assert "Exercise 1 is not done yet: implement `double` above" in ex1["stub"]["error"]
    assert report["student"]["executed"] == report["student"]["code_cells"]
