"""Runs inside a course image: proves that one notebook's exercise checks check.

Standard library plus the image's jupyter_client and nbgrader, SMOKE=True:

1. The source notebook, top to bottom. Every lesson cell must run; every check
   must pass with the reference answer. Right after an exercise's checks, in
   the same kernel (so each wrong answer sees the state the student's answer
   would): the student version's stub and then each wrong answer of the corpus
   replace the answer, the checks run again and must fail, and the reference
   answer is put back.
2. nbgrader itself: `generate_assignment` from the source, then `autograde` of
   two submissions, the source (full points expected) and the untouched student
   version (zero expected). nbgrader runs a submission top to bottom with errors
   allowed: the untouched one must reach the end, and its only errors must be
   the checks, each failing with its "Exercise N is not done yet" sentence.

The notebooks of one image are proved in one process (--plan: a list of
notebooks), so nbgrader is imported and its gradebook created once. The
source's run under nbgrader is also the notebook's smoke run in its own image:
its wall-clock time and anything it wrote to stderr are reported.

Writes a JSON report per notebook and one line of progress per exercise to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import tempfile
import time

CELL_TIMEOUT = 300
NOT_DONE = "is not done yet"


def nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def code_cells(path: str) -> list[dict]:
    with open(path) as fh:
        return [c for c in json.load(fh)["cells"] if c["cell_type"] == "code"]


class Kernel:
    def __init__(self, cwd: str):
        from jupyter_client.manager import start_new_kernel  # the image's; the host imports only the helpers above

        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=cwd)

    def run(self, code: str) -> dict:
        """Execute CODE; {"status": "ok"} or {"status": "error", "ename", "evalue"}."""
        start = time.monotonic()
        try:
            reply = self.client.execute_interactive(
                code, timeout=CELL_TIMEOUT, store_history=False, allow_stdin=False, output_hook=lambda msg: None
            )
        except (TimeoutError, queue.Empty):
            return {"status": "error", "ename": "Timeout", "evalue": f"cell ran past {CELL_TIMEOUT} s"}
        content = reply["content"]
        result = {"status": content["status"], "seconds": round(time.monotonic() - start, 2)}
        if content["status"] == "error":
            result.update(ename=content.get("ename", ""), evalue=str(content.get("evalue", ""))[:400])
        return result

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def run_cell(kernel: Kernel, cell: dict) -> dict:
    result = kernel.run(source_of(cell))
    if "parameters" in cell.get("metadata", {}).get("tags", []) and result["status"] == "ok":
        result = kernel.run("SMOKE = True")  # what papermill's injected parameters cell does
    return result


def exercise_groups(cells: list[dict]) -> dict[int, list[int]]:
    """Answer cell index -> the indices of its check cells (the grade cells up to the next answer).
    The one definition of an exercise's cells: tools/student.py and the notebook tests use it too."""
    answers = [i for i, c in enumerate(cells) if nbgrader(c).get("solution")]
    groups = {}
    for k, a in enumerate(answers):
        end = answers[k + 1] if k + 1 < len(answers) else len(cells)
        groups[a] = [i for i in range(a + 1, end) if nbgrader(cells[i]).get("grade")]
    return groups


def failing_checks(kernel: Kernel, answer_code: str, checks: list[dict]) -> dict:
    """Put ANSWER_CODE in the answer's place and run the checks: did one fail, and how."""
    defined = kernel.run(answer_code)
    if defined["status"] == "error":
        return {"caught": False, "problem": f"the answer itself fails: {defined['ename']}: {defined['evalue']}"}
    for check in checks:
        result = kernel.run(source_of(check))
        if result["status"] == "error":
            return {"caught": True, "error": f"{result['ename']}: {result['evalue']}"}
    return {"caught": False}


def prove_source(source: str, student: str, corpus: dict, cwd: str) -> dict:
    cells = code_cells(source)
    stubs = {nbgrader(c)["grade_id"]: source_of(c) for c in code_cells(student) if nbgrader(c).get("solution")}
    groups = exercise_groups(cells)
    last_check = {checks[-1]: answer for answer, checks in groups.items() if checks}
    report: dict = {"lesson_errors": [], "exercises": []}
    kernel = Kernel(cwd)
    try:
        for i, cell in enumerate(cells):
            result = run_cell(kernel, cell)
            meta = nbgrader(cell)
            if result["status"] == "error" and not meta.get("grade"):
                where = meta.get("grade_id") or f"code cell {i + 1}"
                report["lesson_errors"].append(f"{where}: {result['ename']}: {result['evalue']}")
            if i not in last_check:
                continue
            answer = cells[last_check[i]]
            grade_id = nbgrader(answer)["grade_id"]
            checks = [cells[j] for j in groups[last_check[i]]]
            reference = failing_checks(kernel, source_of(answer), checks)
            entry = {
                "answer": grade_id,
                "checks": [nbgrader(c)["grade_id"] for c in checks],
                "points": sum(nbgrader(c).get("points", 0) for c in checks),
                "reference": "FAILED: " + reference.get("error", reference.get("problem", ""))
                if reference["caught"] or reference.get("problem")
                else "passed",
            }
            entry["stub"] = failing_checks(kernel, stubs.get(grade_id, ""), checks) if grade_id in stubs else {}
            entry["wrong"], begun = [], time.monotonic()
            for why, code in corpus.get(grade_id, []):
                entry["wrong"].append({"why": why, **failing_checks(kernel, code, checks)})
            entry["wrong_seconds"] = round(time.monotonic() - begun, 1)
            kernel.run(source_of(answer))  # the reference again, for what follows
            report["exercises"].append(entry)
            caught = sum(w["caught"] for w in entry["wrong"])
            print(
                f"   {grade_id}: reference {entry['reference']}, wrong answers caught {caught}/{len(entry['wrong'])}",
                flush=True,
            )
    finally:
        kernel.close()
    return report


def with_smoke(path: str, target: str) -> None:
    """A copy of notebook PATH whose parameters cell says SMOKE = True (the grader's small run)."""
    with open(path) as fh:
        nb = json.load(fh)
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = source_of(cell) + "\nSMOKE = True\n"
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as fh:
        json.dump(nb, fh)


class Grader:
    """nbgrader's API on one course folder: each notebook becomes an assignment with two
    submissions, the source (full points expected) and the untouched student version (zero)."""

    def __init__(self):
        from nbgrader.apps import NbGraderAPI
        from traitlets.config import Config

        self.root = tempfile.mkdtemp(prefix="nbgrader-")
        config = Config()
        config.CourseDirectory.root = self.root
        config.CourseDirectory.course_id = "dlcourse"
        config.CourseDirectory.db_url = f"sqlite:///{self.root}/gradebook.db"
        config.Exchange.root = os.path.join(self.root, "exchange")  # unused: nothing is released or collected here
        config.Execute.timeout = CELL_TIMEOUT
        self.config = config
        self.api = NbGraderAPI(config=config)

    def grade(self, name: str, source: str, student: str) -> dict:
        from nbgrader.api import Gradebook
        from smoke_runner import stderr_lines  # mounted beside this file (tools/exercises.py): one definition

        root = self.root
        with_smoke(source, os.path.join(root, "source", name, "notebook.ipynb"))
        with_smoke(source, os.path.join(root, "submitted", "reference", name, "notebook.ipynb"))
        with_smoke(student, os.path.join(root, "submitted", "untouched", name, "notebook.ipynb"))
        seconds = {}
        steps = [("generate_assignment", lambda: self.api.generate_assignment(name, force=True))]
        steps += [(f"autograde {who}", lambda who=who: self.api.autograde(name, who, force=True)) for who in WHO]
        for step, run in steps:
            begun = time.monotonic()
            result = run()
            seconds[step] = round(time.monotonic() - begun, 1)
            if not result["success"]:
                return {"error": f"nbgrader {step} failed: {(result.get('error') or result.get('log', ''))[-800:]}"}
        with Gradebook(self.config.CourseDirectory.db_url) as gb:
            scores = {who: gb.find_submission_notebook("notebook", name, who) for who in WHO}
            report = {who: {"score": nb.score, "max_score": nb.max_score} for who, nb in scores.items()}
        graded = {who: os.path.join(root, "autograded", who, name, "notebook.ipynb") for who in WHO}
        report["untouched_run"] = executed_cells(graded["untouched"])
        report["reference_run"] = {
            "seconds": seconds["autograde reference"],
            "stderr": stderr_lines(graded["reference"])[:20],
        }
        return report


WHO = ("reference", "untouched")


def executed_cells(path: str) -> dict:
    """What nbgrader's run of a notebook left: how many code cells ran, and each error."""
    cells = code_cells(path)
    errors = [
        {
            "cell": i + 1,
            "grade_id": nbgrader(c).get("grade_id", ""),
            "grade": bool(nbgrader(c).get("grade")),
            "error": f"{o.get('ename')}: {o.get('evalue')}",
        }
        for i, c in enumerate(cells)
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    checks = [nbgrader(c)["grade_id"] for c in cells if nbgrader(c).get("grade")]
    executed = sum(1 for c in cells if c.get("execution_count"))
    return {"code_cells": len(cells), "executed": executed, "errors": errors, "checks": checks}


def prove(item: dict, grader: Grader | None) -> dict:
    """One notebook of the plan: the kernel proof, then nbgrader's grading."""
    with open(item["corpus"]) as fh:
        corpus = json.load(fh)
    start = time.monotonic()
    report = {"source": prove_source(item["source"], item["student"], corpus, tempfile.mkdtemp(prefix="ex-"))}
    report["source_seconds"] = round(time.monotonic() - start, 1)
    if grader is None:
        report["autograde"] = {"error": "nbgrader is not in this image yet: rebuild the images (make images)"}
    else:
        report["autograde"] = grader.grade(item["name"], item["source"], item["student"])
    report["student"] = report["autograde"].pop("untouched_run", None)
    report["reference_run"] = report["autograde"].pop("reference_run", None)
    report["seconds"] = round(time.monotonic() - start, 1)
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", required=True, help="JSON: [{name, source, student, corpus, out}, ...]")
    opts = parser.parse_args()
    with open(opts.plan) as fh:
        plan = json.load(fh)
    import importlib.util

    grader = Grader() if importlib.util.find_spec("nbgrader") else None
    for item in plan:
        print(f"   {item['name']}:", flush=True)
        report = prove(item, grader)
        with open(item["out"], "w") as fh:
            json.dump(report, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
