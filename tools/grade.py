"""Grade the class with nbgrader: `make grade [NOTEBOOK=<file>] [SECTION=<name>]`, `make grades`.

1. Collect: every roster student's current notebooks in ~/course, from their home volume
   (read-only), into a timestamped, read-only snapshot with each file's sha256. Students do
   nothing to submit.
2. Prepare (tools/gradebook.py, trusted, no student code runs): nbgrader's generate_assignment
   for each notebook's source, then nbgrader's sanitize step (the checks and locked cells back
   from the source, so a check rewritten to `pass` counts as the source's check).
3. Run each notebook in a sandbox of its own (tools/grade_sandbox.py): a container of the
   notebook's environment image, no network, nothing mounted, no secrets, only that one
   notebook on stdin, a read-only file system with a small scratch space, memory, CPU, process
   and wall-clock limits ([grading] in hub/classroom.toml) and a low CPU share, so students who
   are working stay responsive. A notebook that loops, fills its memory or its disk, deletes
   files or looks for the gradebook costs only its own points.
4. Record (trusted): nbgrader grades what each sandbox ran (SaveAutoGrades, from the
   gradebook's checks and points), writes its feedback, and updates grades.json and
   grades.csv in the grading volume; the feedback goes into each student's ~/feedback/.

`make grades` writes grades/grades.csv from the gradebook again, without grading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dlcourse.manifest import NOTEBOOKS, ROOT, load_course, load_images
from tools.cli import cli, say
from tools.grade_sandbox import CELL_STUCK, KERNEL_DIED
from tools.stack import Classroom

GRADEBOOK = ROOT / "tools" / "gradebook.py"
SANDBOX = ROOT / "tools" / "grade_sandbox.py"
GRADES_DIR = "grades"  # in the instructor's checkout: grades/grades.csv


def home_volume(project: str, student: str) -> str:
    return f"{project}-home-{student}"


def volume_exists(name: str) -> bool:
    return subprocess.run(["docker", "volume", "inspect", name], capture_output=True).returncode == 0


def image_of(environment: str, tag: str = "") -> str:
    images = load_images()
    folder = images.by_environment(environment).folder
    return f"{images.images[folder].name}:{tag}" if tag else images.ref(folder)


class Grading:
    """One `make grade` of one classroom."""

    def __init__(self, room: Classroom, notebooks: list[str] | None = None, section: str | None = None):
        self.room = room
        course = load_course()
        files = [nb.file for nb in course.notebooks]
        wanted = notebooks or files
        unknown = [f for f in wanted if f not in files]
        if unknown:
            raise SystemExit(
                f"error: NOTEBOOK={unknown[0]!r} is not in notebooks/course.toml; allowed: {', '.join(files)}"
            )
        self.notebooks = wanted
        self.environment = {nb.file: nb.environment for nb in course.notebooks}
        members = [m for m in room.members().values() if m.role == "student"]
        sections = sorted({m.section for m in members if m.section})
        if section and section not in sections:
            raise SystemExit(
                f"error: SECTION={section!r} is in no roster row; allowed: {', '.join(sections) or '(none)'}"
            )
        self.members = [m for m in members if not section or m.section == section]
        self.settings = room.settings["grading"]
        self.project = room.project

    def _trusted(self, run: Path, step: str, mounts: list[str], user: str = "0:0") -> str:
        """tools/gradebook.py STEP in a container of the foundations image (nbgrader), no network."""
        image = image_of(load_images().foundations.environment, self.room.image_tag)
        cmd = ["docker", "run", "--rm", "--network", "none", "--user", user, "--security-opt", "no-new-privileges"]
        cmd += ["-v", f"{GRADEBOOK}:/opt/gradebook.py:ro", *mounts, image, "python3", "/opt/gradebook.py", step]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"error: grading step {step!r} failed: {(done.stderr or done.stdout).strip()[-2000:]}")
        return done.stdout

    def _sandbox(self, run: Path, key: str, index: int) -> tuple[str, str | None, float]:
        """Run one sanitized notebook in its sandbox: (key, why it was stopped or None, seconds)."""
        student, notebook = key.split("/", 1)
        g = self.settings
        name = f"{self.project}-grade-{index}"
        out = run / "executed" / student / notebook
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = ["docker", "run", "-i", "--name", name, "--network", "none", "--user", "1000:100"]
        cmd += ["--read-only", "--tmpfs", f"/tmp:rw,exec,size={g['disk'].lower()},mode=1777"]
        cmd += ["--memory", g["memory"], "--memory-swap", g["memory"], "--cpus", str(g["cpus"])]
        cmd += ["--cpu-shares", str(g["cpu_weight"]), "--pids-limit", str(g["pids"])]
        cmd += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--workdir", "/tmp"]
        for var in ("HOME=/tmp", "MPLCONFIGDIR=/tmp/.mpl", "JUPYTER_RUNTIME_DIR=/tmp/.jupyter", "IPYTHONDIR=/tmp/.ipy"):
            cmd += ["-e", var]
        cmd += ["--entrypoint", "python3", image_of(self.environment[notebook], self.room.image_tag)]
        cmd += ["-c", SANDBOX.read_text(), str(g["cell_timeout"])]
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        begun = time.monotonic()
        reason = None
        with open(run / "sanitized" / student / notebook, "rb") as stdin, open(out, "wb") as stdout:
            proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
            try:
                _, err = proc.communicate(timeout=g["notebook_timeout"])
            except subprocess.TimeoutExpired:
                subprocess.run(["docker", "kill", name], capture_output=True)
                _, err = proc.communicate()
                reason = f"stopped at its {g['notebook_timeout']} s limit ([grading] notebook_timeout)"
        seconds = time.monotonic() - begun
        if reason is None and proc.returncode != 0:
            state = subprocess.run(
                ["docker", "inspect", "-f", "{{.State.OOMKilled}}", name], capture_output=True, text=True
            ).stdout.strip()
            if state == "true":
                reason = f"ran out of memory ({g['memory']}, [grading] memory)"
            elif proc.returncode == CELL_STUCK:
                reason = f"a cell ran past its {g['cell_timeout']} s limit and did not stop ([grading] cell_timeout)"
            elif proc.returncode == KERNEL_DIED:
                reason = f"its kernel died (out of memory? [grading] memory = {g['memory']})"
            else:
                tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
                reason = f"the run failed (exit {proc.returncode}): {tail[0][:300]}"
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        if reason:
            out.unlink(missing_ok=True)
        return key, reason, seconds

    def run(self) -> dict:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        stamp = now.strftime("%Y-%m-%dT%H%M%SZ")
        volume = self.room.grading_volume
        subprocess.run(["docker", "volume", "create", volume], check=True, capture_output=True)
        homes = {m.username: home_volume(self.project, m.username) for m in self.members}
        present = {s: v for s, v in homes.items() if volume_exists(v)}
        plan = {
            "stamp": stamp,
            "collected_at": now.isoformat(),
            "notebooks": self.notebooks,
            "students": sorted(present),
            "sections": {m.username: m.section for m in self.members},
        }
        with tempfile.TemporaryDirectory(prefix="dlcourse-grade-") as tmp:
            run = Path(tmp)
            os.chmod(run, 0o700)  # the students' work, on this host for the run's length only
            (run / "plan.json").write_text(json.dumps(plan))
            course = ["-v", f"{volume}:/grading", "-v", f"{NOTEBOOKS}:/course-source:ro", "-v", f"{run}:/run/grading"]
            home_mounts = [a for s, v in present.items() for a in ("-v", f"{v}:/homes/{s}:ro")]
            say(f"collecting the notebooks of {len(present)} of {len(self.members)} students ({stamp})")
            print(self._trusted(run, "prepare", course + home_mounts), end="", flush=True)
            keys = sorted(f"{p.parent.name}/{p.name}" for p in (run / "sanitized").glob("*/*.ipynb"))
            say(f"running {len(keys)} notebooks, each in its own sandbox, {self.settings['parallel']} at a time")
            stopped, times = {}, {}
            with ThreadPoolExecutor(self.settings["parallel"]) as pool:
                for n, (key, reason, seconds) in enumerate(
                    pool.map(lambda item: self._sandbox(run, *item), [(k, i) for i, k in enumerate(keys)]), 1
                ):
                    times[key] = round(seconds, 1)
                    if reason:
                        stopped[key] = reason
                    print(
                        f"   [{n}/{len(keys)}] {key}: {seconds:.1f} s" + (f", {reason}" if reason else ""), flush=True
                    )
            (run / "stopped.json").write_text(json.dumps(stopped))
            say("grading with nbgrader")
            print(self._trusted(run, "record", course), end="", flush=True)
            for student in sorted(p.name for p in (run / "feedback").glob("*")):
                mounts = ["-v", f"{run / 'feedback' / student}:/run/grading/feedback/{student}:ro"]
                mounts += ["-v", f"{present[student]}:/homes/{student}"]
                print(self._trusted(run, "deliver", mounts, user="1000:100"), end="", flush=True)
            csv_path = self.save_csv(run / "grades.csv")
        return {"stamp": stamp, "graded": len(keys), "stopped": stopped, "seconds": times, "csv": str(csv_path)}

    def save_csv(self, exported: Path) -> Path:
        target = self.room.checkout / GRADES_DIR / "grades.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exported, target)
        say(f"grades: {target}")
        return target

    def export(self) -> Path:
        volume = self.room.grading_volume
        if not volume_exists(volume):
            raise SystemExit("error: nothing is graded yet: run make grade first")
        with tempfile.TemporaryDirectory(prefix="dlcourse-grades-") as tmp:
            self._trusted(Path(tmp), "export", ["-v", f"{volume}:/grading", "-v", f"{tmp}:/run/grading"])
            return self.save_csv(Path(tmp) / "grades.csv")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["grade", "grades"])
    parser.add_argument("--notebook", default="", help="only this notebook (a file name of notebooks/)")
    parser.add_argument("--section", default="", help="only the students of this roster section")
    opts = parser.parse_args(argv)
    room = Classroom()
    grading = Grading(room, [opts.notebook] if opts.notebook else None, opts.section or None)
    if opts.step == "grades":
        grading.export()
        return 0
    lock_path = ROOT / "build" / f"{room.project}-grade.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit("error: another make grade is running for this classroom") from None
        report = grading.run()
    say(f"graded {report['graded']} notebooks; stopped: {len(report['stopped'])}")
    return 0


if __name__ == "__main__":
    cli(main)
