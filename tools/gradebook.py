"""The class's gradebook: nbgrader's, in the grading volume. Runs in a container of the
foundations image (nbgrader is in every course image), started by tools/grade.py; it never
runs a student's code (that happens in the sandbox, tools/grade_sandbox.py).

The grading volume holds nbgrader's course folder and what the progress page reads:

    course/source/<nb>/<nb>.ipynb          each notebook's source (reference solutions, every check)
    course/gradebook.db                    nbgrader's gradebook: assignments, students, grades
    course/submitted/<student>/<nb>/       the snapshot graded last (and its timestamp.txt)
    course/sanitized/<student>/<nb>/       nbgrader's sanitize step: locked cells and checks from the source
    course/executed/<student>/<nb>/        what the sandbox ran
    course/autograded/<student>/<nb>/      nbgrader's grading of that run (its SaveAutoGrades)
    course/feedback/<student>/<nb>/        nbgrader's feedback (HTML)
    snapshots/<stamp>/<student>/<nb>.ipynb each collection, read-only, with manifest.json (sha256 of each file)
    grades.json, grades.csv                every student's points per notebook (the progress page, make grades)

Each notebook is one nbgrader assignment named after the notebook (its file name without .ipynb).
Steps (python3 gradebook.py STEP): prepare (snapshot, generate_assignment, sanitize), record
(grade what the sandboxes ran, feedback, grades.json/csv), export (grades.csv again), deliver
(feedback into the students' homes, as uid 1000, never over a file of theirs).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import stat
import sys

GRADING = "/grading"  # the grading volume
COURSE = f"{GRADING}/course"
SOURCES = "/course-source"  # notebooks/ of the checkout, read-only
HOMES = "/homes"  # each student's home volume at /homes/<student>: read-only, except for deliver
RUN = "/run/grading"  # this run's exchange with the host: plan.json in, sanitized/ out, executed/ in
FEEDBACK_MARK = "<!-- dlcourse feedback -->"  # the first line of every feedback file this writes
CSV_FIELDS = ["student", "section", "notebook", "status", "points", "max_points", "graded_at", "snapshot_sha256"]


def stem(notebook: str) -> str:
    return notebook[: -len(".ipynb")]


def read_json(path: str, default=None):
    if default is not None and not os.path.exists(path):
        return default
    with open(path) as fh:
        return json.load(fh)


def sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def nbgrader_api(submitted: str = "submitted", autograded: str = "autograded", sanitize=None, grade=None):
    """nbgrader's API on the course folder; `submitted`/`autograded` name the two folders
    autograde reads and writes, `sanitize`/`grade` its two lists of preprocessors."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = COURSE
    c.CourseDirectory.course_id = "dlcourse"
    c.CourseDirectory.db_url = f"sqlite:///{COURSE}/gradebook.db"
    c.CourseDirectory.submitted_directory = submitted
    c.CourseDirectory.autograded_directory = autograded
    c.Exchange.root = f"{COURSE}/exchange"  # unused: nothing goes through nbgrader's exchange
    if sanitize is not None:
        c.Autograde.sanitize_preprocessors = sanitize
    if grade is not None:
        c.Autograde.autograde_preprocessors = grade
    return NbGraderAPI(config=c)


def fail(step: str, result: dict) -> None:
    if not result["success"]:
        raise SystemExit(f"nbgrader {step} failed: {(result.get('error') or result.get('log') or '')[-1500:]}")


def prepare(plan: dict) -> None:
    """Snapshot every planned student's notebooks, bring the sources up to date in the
    gradebook, and sanitize each snapshot for the sandbox (RUN/sanitized/<student>/<nb>)."""
    # nbgrader's autograde with its own sanitize step (ClearOutput, OverwriteCells, ...) and no
    # grading step: the notebook the sandbox will run, checks and locked cells from the source
    api = nbgrader_api(submitted="submitted", autograded="sanitized", grade=[])
    hashes_file = f"{COURSE}/source-sha256.json"
    known = read_json(hashes_file, {})
    for notebook in plan["notebooks"]:
        target = f"{COURSE}/source/{stem(notebook)}/{notebook}"
        digest = sha256(f"{SOURCES}/{notebook}")
        if known.get(notebook) != digest or not os.path.exists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(f"{SOURCES}/{notebook}", target)
            fail(f"generate_assignment {stem(notebook)}", api.generate_assignment(stem(notebook), force=True))
            known[notebook] = digest
    with open(hashes_file, "w") as fh:
        json.dump(known, fh, indent=1)
    stamp = plan["stamp"]
    snapshot_dir = f"{GRADING}/snapshots/{stamp}"
    manifest = {"stamp": stamp, "files": {}}
    unreadable: dict[str, str] = {}
    not_started: list[str] = []
    for student in plan["students"]:
        for notebook in plan["notebooks"]:
            found = f"{HOMES}/{student}/course/{notebook}"
            if not os.path.isfile(found) or os.path.islink(found):
                continue
            if untouched(found, f"{SOURCES}/student/{notebook}"):
                not_started.append(f"{student}/{notebook}")
            kept = f"{snapshot_dir}/{student}/{notebook}"
            os.makedirs(os.path.dirname(kept), exist_ok=True)
            os.chmod(os.path.dirname(kept), 0o755)
            shutil.copyfile(found, kept)
            os.chmod(kept, 0o444)
            os.chmod(os.path.dirname(kept), 0o555)
            manifest["files"][f"{student}/{notebook}"] = sha256(kept)
            submitted = f"{COURSE}/submitted/{student}/{stem(notebook)}"
            shutil.rmtree(submitted, ignore_errors=True)
            os.makedirs(submitted)
            shutil.copyfile(kept, f"{submitted}/{notebook}")
            with open(f"{submitted}/timestamp.txt", "w") as fh:
                fh.write(plan["collected_at"])
            if not_started and not_started[-1] == f"{student}/{notebook}":
                continue  # nothing to run: no answer was written
            shutil.rmtree(f"{COURSE}/sanitized/{student}/{stem(notebook)}", ignore_errors=True)
            result = api.autograde(stem(notebook), student, force=True, create=True)  # sanitize only: grade=[]
            out = f"{COURSE}/sanitized/{student}/{stem(notebook)}/{notebook}"
            if not result["success"] or not os.path.exists(out):
                why = (result.get("error") or result.get("log") or "").strip().splitlines()[-1:] or [""]
                unreadable[f"{student}/{notebook}"] = f"nbgrader could not read it: {why[0][:300]}"
                print(f"   {student}/{notebook}: {unreadable[f'{student}/{notebook}']}")
                continue
            os.makedirs(f"{RUN}/sanitized/{student}", exist_ok=True)
            shutil.copyfile(out, f"{RUN}/sanitized/{student}/{notebook}")
    os.makedirs(snapshot_dir, exist_ok=True)
    with open(f"{snapshot_dir}/manifest.json", "w") as fh:
        json.dump(manifest, fh, indent=1)
    os.chmod(snapshot_dir, 0o555)
    with open(f"{RUN}/manifest.json", "w") as fh:
        json.dump(manifest, fh, indent=1)
    with open(f"{RUN}/unreadable.json", "w") as fh:
        json.dump({"unreadable": unreadable, "not_started": not_started}, fh, indent=1)
    print(f"   collected {len(manifest['files'])} notebooks of {len(plan['students'])} students")


def untouched(path: str, student_version: str) -> bool:
    """Whether every answer cell of the notebook at PATH is still the student version's stub."""
    try:
        with open(path) as fh, open(student_version) as sv:
            mine, shipped = json.load(fh), json.load(sv)
    except (OSError, ValueError):
        return False  # nbgrader says what is wrong with it

    def answers(nb: dict) -> dict:
        cells = [c for c in nb.get("cells", []) if isinstance(c, dict)]
        meta = [(c.get("metadata", {}).get("nbgrader", {}), c.get("source", "")) for c in cells]
        return {m["grade_id"]: "".join(src) for m, src in meta if m.get("solution") and "grade_id" in m}

    stubs = answers(shipped)
    return bool(stubs) and answers(mine) == stubs


def stopped_copy(sanitized: str, reason: str) -> dict:
    """The sanitized notebook with every check failed for REASON, the way nbgrader records a
    cell that timed out (its Execute.error_on_timeout): a run stopped from outside scores 0."""
    import nbformat

    nb = nbformat.read(sanitized, as_version=nbformat.NO_CONVERT)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.outputs = [nbformat.v4.new_output("error", ename="Stopped", evalue=reason, traceback=[reason])]
    return nb


def record(plan: dict) -> None:
    """Grade what the sandboxes ran with nbgrader (its SaveAutoGrades, from the gradebook's
    checks and points), write its feedback, and update grades.json and grades.csv."""
    import nbformat
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    # nbgrader's autograde without its ClearOutput and Execute: the run happened in the sandbox
    sanitize = [DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
    grade = [
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    api = nbgrader_api(submitted="executed", autograded="autograded", sanitize=sanitize, grade=grade)
    grades = load_grades()
    manifest = read_json(f"{RUN}/manifest.json")
    stopped = read_json(f"{RUN}/stopped.json", {})
    skipped = read_json(f"{RUN}/unreadable.json", {"unreadable": {}, "not_started": []})
    unreadable, not_started = skipped["unreadable"], set(skipped["not_started"])
    graded_at = plan["collected_at"]
    for key, digest in sorted(manifest["files"].items()):
        student, notebook = key.split("/", 1)
        ran = f"{RUN}/executed/{student}/{notebook}"
        sanitized = f"{RUN}/sanitized/{student}/{notebook}"
        if key in unreadable or key in not_started:  # a broken file, or no answer written: no points
            status, reason = ("unreadable", unreadable[key]) if key in unreadable else ("not started", "")
            entry = {"status": status, "points": 0.0, "max_points": max_points_of([notebook])[notebook]}
            entry |= {"graded_at": graded_at, "snapshot_sha256": digest, "reason": reason}
            grades["students"].setdefault(student, {})[notebook] = entry
            print(f"   {key}: 0 ({reason or status})", flush=True)
            continue
        if not os.path.exists(sanitized):
            continue
        executed = f"{COURSE}/executed/{student}/{stem(notebook)}"
        shutil.rmtree(executed, ignore_errors=True)
        os.makedirs(executed)
        reason = stopped.get(key)
        if reason is None and not os.path.exists(ran):
            reason = "the sandbox gave back no notebook"
        if reason is None:
            try:
                nb = nbformat.read(ran, as_version=nbformat.NO_CONVERT)
            except Exception as err:  # what came back is the student's run: any damage is theirs
                reason = f"the run gave back no readable notebook ({type(err).__name__})"
        if reason is not None:
            nb = stopped_copy(sanitized, reason)
        nbformat.write(nb, f"{executed}/{notebook}")
        shutil.copyfile(f"{COURSE}/submitted/{student}/{stem(notebook)}/timestamp.txt", f"{executed}/timestamp.txt")
        fail(f"autograde {key}", api.autograde(stem(notebook), student, force=True, create=True))
        fail(f"generate_feedback {key}", api.generate_feedback(stem(notebook), student, force=True))
        with Gradebook(f"sqlite:///{COURSE}/gradebook.db", "dlcourse") as gb:
            scored = gb.find_submission_notebook(stem(notebook), stem(notebook), student)
            points, max_points = float(scored.score), float(scored.max_score)
        entry = {
            "status": "stopped" if reason else "graded",
            "points": points,
            "max_points": max_points,
            "graded_at": graded_at,
            "snapshot_sha256": digest,
            "reason": reason or "",
        }
        grades["students"].setdefault(student, {})[notebook] = entry
        html = f"{COURSE}/feedback/{student}/{stem(notebook)}/{stem(notebook)}.html"
        if os.path.exists(html):
            os.makedirs(f"{RUN}/feedback/{student}", exist_ok=True)
            with open(html) as src, open(f"{RUN}/feedback/{student}/{stem(notebook)}.html", "w") as dst:
                dst.write(FEEDBACK_MARK + "\n" + src.read())
        print(f"   {key}: {points:g} of {max_points:g}" + (f" ({reason})" if reason else ""), flush=True)
    grades["sections"] = plan["sections"]
    grades["max_points"] = {**grades.get("max_points", {}), **max_points_of(plan["notebooks"])}
    grades["updated_at"] = graded_at
    save_grades(grades)


def max_points_of(notebooks: list[str]) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{COURSE}/gradebook.db", "dlcourse") as gb:
        return {nb: float(gb.find_notebook(stem(nb), stem(nb)).max_score) for nb in notebooks}


def load_grades() -> dict:
    return read_json(f"{GRADING}/grades.json", {"students": {}, "sections": {}, "max_points": {}})


def grades_csv(grades: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for student, notebooks in sorted(grades["students"].items()):
        for notebook, entry in sorted(notebooks.items()):
            row = {k: entry.get(k, "") for k in CSV_FIELDS}
            writer.writerow(
                {**row, "student": student, "notebook": notebook, "section": grades["sections"].get(student, "")}
            )
    return out.getvalue()


def save_grades(grades: dict) -> None:
    for name, text in (("grades.json", json.dumps(grades, indent=1)), ("grades.csv", grades_csv(grades))):
        with open(f"{GRADING}/{name}.new", "w") as fh:
            fh.write(text)
        os.replace(f"{GRADING}/{name}.new", f"{GRADING}/{name}")  # the progress page never reads half a file
    shutil.copyfile(f"{GRADING}/grades.csv", f"{RUN}/grades.csv")


def deliver() -> None:
    """Each feedback file into its student's ~/feedback/<nb>.html, as the student (uid 1000).
    Never over a file of theirs: an existing file is replaced only when it is one this wrote
    (it starts with FEEDBACK_MARK); ~/feedback must be a real folder (not a link), and every
    file is opened relative to it without following links, so no path leads elsewhere."""
    written, kept = 0, []
    for student in sorted(os.listdir(f"{RUN}/feedback")) if os.path.isdir(f"{RUN}/feedback") else []:
        home = f"{HOMES}/{student}"
        try:
            folder = f"{home}/feedback"
            if not os.path.lexists(folder):
                os.mkdir(folder, 0o755)
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                kept.append(f"{student}: ~/feedback is not a folder")
                continue
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as err:
            kept.append(f"{student}: {err.strerror}")
            continue
        try:
            for name in sorted(os.listdir(f"{RUN}/feedback/{student}")):
                with open(f"{RUN}/feedback/{student}/{name}", "rb") as fh:
                    data = fh.read()
                if not ours_or_absent(fd, name):
                    kept.append(f"{student}: ~/feedback/{name} is their own file: not replaced")
                    continue
                tmp = f".{name}.new"
                try:
                    os.unlink(tmp, dir_fd=fd)
                except FileNotFoundError:
                    pass
                out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=fd)
                with os.fdopen(out, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
                written += 1
        finally:
            os.close(fd)
    print(f"   feedback written: {written} files")
    for line in kept:
        print(f"   left alone: {line}")


def ours_or_absent(folder_fd: int, name: str) -> bool:
    try:
        info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return True
    if not stat.S_ISREG(info.st_mode):
        return False
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder_fd)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(len(FEEDBACK_MARK)).decode(errors="replace") == FEEDBACK_MARK


def main(argv: list[str]) -> int:
    step = argv[0] if argv else ""
    if step == "export":
        save_grades(load_grades())
        return 0
    if step == "deliver":
        deliver()
        return 0
    steps = {"prepare": prepare, "record": record}
    if step not in steps:
        print(f"usage: gradebook.py prepare|record|export|deliver (got {step!r})", file=sys.stderr)
        return 2
    with open(f"{RUN}/plan.json") as fh:
        steps[step](json.load(fh))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
