"""Generate the student version of every notebook from its source, with nbgrader's preprocessors.

notebooks/<file>.ipynb is the source (reference solutions, all tests);
notebooks/student/<file>.ipynb is what students get (the images ship it, the
Colab badges open it). The steps are those of `nbgrader generate_assignment`,
without its database: LockCells, ClearSolutions (the solution becomes a stub
that raises NotImplementedError), ClearOutput, ComputeChecksums,
ClearHiddenTests, ClearMarkScheme, CheckCellMetadata. One step is ours and
comes first: after each exercise's check, a collapsed Markdown cell (tag
`reveal-solution`) with the reference solution, for self-study; being Markdown,
it can never overwrite the student's code. The classroom's images leave those
cells out when hub/classroom.toml says `[course] solutions = "hidden"`.

Usage: python -m tools.student [--check]     (make student; needs the test environment's nbgrader)
"""

from __future__ import annotations

import sys

import nbformat
from nbformat.notebooknode import NotebookNode
from traitlets.config import Config

from dlcourse.manifest import NOTEBOOKS, load_course
from tools.cli import cli
from tools.exercise_runner import exercise_groups, nbgrader

STUDENT = NOTEBOOKS / "student"
STUB = 'raise NotImplementedError("Exercise not done yet: replace this line with your answer.")'
REVEAL_TAG = "reveal-solution"


def reveal_cell(answer: NotebookNode) -> NotebookNode:
    """A collapsed Markdown cell holding the answer cell's reference solution."""
    grade_id = nbgrader(answer)["grade_id"]
    code = "\n".join(
        line for line in answer.source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    )
    text = (
        "<details>\n<summary>Reference solution (open it once you have tried: it does not change your code)"
        f"</summary>\n\n```python\n{code}\n```\n\n</details>"
    )
    cell = nbformat.v4.new_markdown_cell(text, metadata={"tags": [REVEAL_TAG]})
    cell.id = f"{grade_id}-reveal"[:64]
    return cell


def add_reveal_cells(nb: NotebookNode) -> NotebookNode:
    """After each exercise's last check cell, the reference solution of its answer cell."""
    reveal_after = {
        checks[-1]: reveal_cell(nb.cells[answer]) for answer, checks in exercise_groups(nb.cells).items() if checks
    }
    cells = []
    for i, cell in enumerate(nb.cells):
        cells.append(cell)
        if i in reveal_after:
            cells.append(reveal_after[i])
    nb.cells = cells
    return nb


def generate(source: NotebookNode) -> NotebookNode:
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    config = Config()
    config.ClearSolutions.code_stub = {"python": f"# YOUR CODE HERE\n{STUB}"}
    nb = add_reveal_cells(nbformat.from_dict(source))
    resources: dict = {}
    steps = [LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums]
    steps += [ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata]
    for step in steps:
        nb, resources = step(config=config).preprocess(nb, resources)
    return nb


def render(nb: NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    STUDENT.mkdir(exist_ok=True)
    stale = []
    for notebook in load_course().notebooks:
        text = render(generate(nbformat.read(notebook.path, as_version=4)))
        target = STUDENT / notebook.file
        if target.exists() and target.read_text() == text:
            continue
        stale.append(notebook.file)
        if not check:
            target.write_text(text)
            print(f"==> wrote {target.relative_to(NOTEBOOKS.parent)}")
    if check and stale:
        print(f"stale student versions (run `make student`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    cli(main)
