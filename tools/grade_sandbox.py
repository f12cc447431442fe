"""Runs one student's notebook, inside the grading sandbox: nothing else is there.

The host (tools/grade.py) starts this in a container of the notebook's own environment image,
as uid 1000, with no network, a read-only file system but a small scratch space, no mounts, no
secrets, and memory, CPU, process and wall-clock limits. The notebook comes on stdin, already
sanitized by nbgrader (its locked cells and checks put back from the source); it is executed
the way `nbgrader autograde` executes (nbgrader's own Execute preprocessor: errors allowed, a
cell past its timeout interrupted) and the executed notebook goes back on stdout. The points
are not counted here: nbgrader counts them outside the sandbox (tools/gradebook.py record).

Usage: python3 grade_sandbox.py CELL_TIMEOUT < notebook.ipynb > executed.ipynb
Exit status: 0 (the executed notebook is on stdout), CELL_STUCK (a cell ran past its timeout and
did not stop when interrupted), KERNEL_DIED (the kernel died, often out of memory). Any run that
does not finish counts 0: a half-run notebook is never graded (its unrun checks have no errors).
"""

from __future__ import annotations

import os
import sys

WORK = "/tmp/work"  # the scratch space: the notebook's working directory
CELL_STUCK, KERNEL_DIED = 3, 4  # exit statuses; tools/grade.py says what each means


def main(argv: list[str]) -> int:
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbgrader.preprocessors import Execute

    nb = nbformat.read(sys.stdin, as_version=nbformat.NO_CONVERT)
    # The executed notebook is written to a copy of stdout the kernel does not inherit; the
    # kernel's own stdout goes nowhere, so nothing it prints can pass for the result.
    result = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.makedirs(WORK, exist_ok=True)
    executor = Execute(timeout=int(argv[0]))
    try:
        nb, _ = executor.preprocess(nb, {"metadata": {"path": WORK}})
    except CellTimeoutError:
        return CELL_STUCK
    except DeadKernelError:
        return KERNEL_DIED
    with os.fdopen(result, "w") as out:
        nbformat.write(nb, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
