"""How long make grade takes, and how much a working student slows meanwhile (a benchmark,
not a test): N students with the reference answers in full mode, graded with the classroom's
[grading] settings, while a "student" container with the default CPU share runs a CPU-bound
loop whose rate is measured before and during the grading.

Usage: python -m tests.grading_bench N [NOTEBOOK ...]      (this machine only; cleans up after)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from dlcourse.manifest import NOTEBOOKS, load_course, load_images
from tools.grade import Grading
from tools.stack import Classroom

PROJECT = "dlcourse-bench"
RATE = """
import time
def rate(seconds):
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000)); n += 1
    return n / seconds
while True:
    print(round(rate(5)), flush=True)
"""


def reference(notebook: str) -> str:
    """The student version with the reference answers written in, as a student who did it all."""
    source = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    student = nbformat.read(NOTEBOOKS / "student" / notebook, as_version=4)
    for cell in student.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return nbformat.writes(student)


def main(argv: list[str]) -> int:
    n = int(argv[0])
    notebooks = argv[1:] or [nb.file for nb in load_course().notebooks]
    image = load_images().ref("foundations")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = [f"s{i:02d}" for i in range(n)]
        (folder / "roster.csv").write_text(
            "username,role\nteacher,instructor\n" + "".join(f"{s},student\n" for s in names)
        )
        (folder / "in").mkdir()
        for nb in notebooks:
            (folder / "in" / nb).write_text(reference(nb))
        for s in names:
            volume = f"{PROJECT}-home-{s}"
            subprocess.run(["docker", "volume", "create", volume], check=True, capture_output=True)
            copy = "mkdir -p /h/course && cp /in/*.ipynb /h/course/ && chown -R 1000:100 /h"
            subprocess.run(
                ["docker", "run", "--rm", "--network", "none", "--user", "0", "-v", f"{volume}:/h", "-v", f"{folder / 'in'}:/in:ro", image, "sh", "-c", copy],
                check=True, capture_output=True,
            )  # fmt: skip
        room = Classroom(project=PROJECT, roster=folder / "roster.csv", checkout=folder)
        worker = subprocess.Popen(
            ["docker", "run", "--rm", "--name", f"{PROJECT}-student", "--network", "none", image, "python3", "-c", RATE],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        readings: list[tuple[float, float]] = []

        def read() -> None:
            for line in worker.stdout:
                readings.append((time.monotonic(), float(line)))

        threading.Thread(target=read, daemon=True).start()
        try:
            time.sleep(11)
            before = readings[-1][1]
            begun = time.monotonic()
            report = Grading(room, notebooks).run()
            wall = time.monotonic() - begun
            rates = [r for t, r in readings if begun + 5 <= t <= begun + wall]
            during = sum(rates) / max(1, len(rates))
        finally:
            subprocess.run(["docker", "rm", "-f", f"{PROJECT}-student"], capture_output=True)
            room.down(volumes=True)
        per = sorted(report["seconds"].values())
        print(
            f"graded {report['graded']} notebooks of {n} students in {wall:.0f} s ({wall / max(1, report['graded']):.1f} s each)"
        )
        print(f"sandbox run p50 {per[len(per) // 2]:.1f} s, max {per[-1]:.1f} s; stopped: {len(report['stopped'])}")
        print(f"a working student's CPU loop: {before:.0f}/s before, {during:.0f}/s during ({during / before:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
