"""Merge the course shipped in the image into a student's ~/course, losing nothing.

Runs at every server start (start-singleuser), under Docker and Kubernetes alike.
Rules, per course file (the notebooks and the generated START-HERE.md):

- new in the course, absent at home            -> copied in
- unchanged by the student, changed in course  -> updated to the new version
- changed by the student, changed in course    -> the student's file is never
  touched; the new version is saved beside it as
  "<name>.course-update-<date>.ipynb" and COURSE-UPDATES.md says so
- deleted by the student                       -> stays deleted (course-restore
  brings it back on request)

What the student last received is remembered in ~/course/.course-state.json
(file -> sha256). Writes are atomic (temp file + rename) and never replace a file
whose content the state does not vouch for.

Usage: course-merge [--course /opt/course] [--home ~/course]
       course-restore NAME   fresh copy of a notebook; a changed copy is kept as
                             "<name>.mine-<timestamp>.ipynb"
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import tomllib
from pathlib import Path

STATE = ".course-state.json"
NOTES = "COURSE-UPDATES.md"
START_PAGE = "START-HERE.md"
DEFAULT_COURSE = Path(os.environ.get("COURSE_SOURCE", "/opt/course"))
DEFAULT_HOME = Path(os.environ.get("COURSE_HOME", Path.home() / "course"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def free_name(path: Path, label: str) -> Path:
    """<stem>.<label><suffix>, with -2, -3... if that name is taken."""
    candidate = path.with_name(f"{path.stem}.{label}{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.{label}-{n}{path.suffix}")
        n += 1
    return candidate


def start_page(course_dir: Path) -> bytes | None:
    """START-HERE.md generated from the manifest shipped with the course."""
    manifest = course_dir / "course.toml"
    if not manifest.exists():
        return None
    data = tomllib.loads(manifest.read_text())
    parts = {p["number"]: p["title"] for p in data.get("part", [])}
    lines = [
        f"# {data['course']['title']}: start here",
        "",
        "Open the notebooks in order. Each needs an **environment**: pick it when you start",
        "your server (File > Hub Control Panel > Stop My Server, then Start My Server).",
        "Your work in this folder is yours: course updates never overwrite a notebook you",
        f"changed (the new version is saved beside it; see {NOTES}).",
        "To get a fresh copy of a notebook, open a Terminal and run `course-restore <notebook file>`.",
        "",
    ]
    for number, title in parts.items():
        notebooks = [nb for nb in data.get("notebook", []) if nb["part"] == number]
        if not notebooks:
            continue
        lines += [f"## Part {number}: {title}", "", "| Notebook | Environment | Video |", "|---|---|---|"]
        for nb in notebooks:
            videos = ", ".join(f"[{v}]({data['videos'][v]})" for v in nb.get("videos", []))
            lines.append(f"| [{nb['title']}]({nb['file']}) | {nb['environment']} | {videos} |")
        lines.append("")
    return "\n".join(lines).encode()


def course_files(course_dir: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted(course_dir.glob("*.ipynb"))}
    page = start_page(course_dir)
    if page is not None:
        files[START_PAGE] = page
    return files


def load_state(home: Path) -> dict[str, str]:
    try:
        state = json.loads((home / STATE).read_text())
        return {k: v for k, v in state.get("delivered", {}).items() if isinstance(v, str)}
    except (OSError, ValueError, AttributeError):
        return {}  # no state (first start) or a damaged one: trust nothing at home


def save_state(home: Path, delivered: dict[str, str]) -> None:
    atomic_write(home / STATE, json.dumps({"delivered": delivered}, indent=1, sort_keys=True).encode())


def merge(course_dir: Path, home: Path, today: str | None = None) -> list[str]:
    """Merge; returns the messages for the student (also appended to COURSE-UPDATES.md)."""
    today = today or dt.date.today().isoformat()
    home.mkdir(parents=True, exist_ok=True)
    delivered = load_state(home)
    messages: list[str] = []
    for name, data in course_files(course_dir).items():
        target, new = home / name, sha256(data)
        known = delivered.get(name)
        if not target.exists():
            if known is None:  # new notebook for this student
                atomic_write(target, data)
                delivered[name] = new
                messages.append(f"New: {name}")
            continue  # deleted by the student: respected
        current = sha256(target.read_bytes())
        if current == new:
            delivered[name] = new
            continue
        if known == current:  # untouched by the student: update
            atomic_write(target, data)
            delivered[name] = new
            messages.append(f"Updated: {name}")
        elif known != new:  # student's own version: keep it, add the new one beside
            beside = free_name(target, f"course-update-{today}")
            atomic_write(beside, data)
            delivered[name] = new
            messages.append(f"Your {name} has your changes, so it was kept; the course's new version is {beside.name}")
    save_state(home, delivered)
    if messages:
        notes = home / NOTES
        old = notes.read_bytes() if notes.exists() else b"# Course updates\n"
        atomic_write(notes, old + f"\n## {today}\n".encode() + "".join(f"- {m}\n" for m in messages).encode())
    return messages


def restore(course_dir: Path, home: Path, name: str, now: str | None = None) -> str:
    """Put a fresh copy of course file NAME in place; the student's changed copy is kept aside."""
    files = course_files(course_dir)
    if name not in files:
        raise SystemExit(f"error: {name!r} is not a course file; course files: {', '.join(files)}")
    home.mkdir(parents=True, exist_ok=True)
    target, data = home / name, files[name]
    message = f"Restored a fresh copy of {name}"
    if target.exists() and target.read_bytes() != data:
        kept = free_name(target, f"mine-{now or dt.datetime.now().strftime('%Y%m%d-%H%M%S')}")
        os.replace(target, kept)
        message += f"; your version is now {kept.name}"
    atomic_write(target, data)
    delivered = load_state(home)
    delivered[name] = sha256(data)
    save_state(home, delivered)
    return message


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--course", type=Path, default=DEFAULT_COURSE, help="the image's course (default: %(default)s)")
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help="the student's course folder (default: %(default)s)"
    )
    return parser


def merge_main(argv: list[str] | None = None) -> int:
    """course-merge: takes no file name (a fresh copy of one file is course-restore NAME)."""
    opts = _parser("course-merge", "Merge the image's course into ~/course without losing student work.").parse_args(
        argv
    )
    for message in merge(opts.course, opts.home):
        print(f"[course-merge] {message}", flush=True)
    return 0


def restore_main(argv: list[str] | None = None) -> int:
    """course-restore NAME: a fresh copy of one course file; the student's changed copy is kept aside."""
    parser = _parser("course-restore", "Put a fresh copy of one course file in ~/course (yours is kept aside).")
    parser.add_argument("name", help="the course file to restore, e.g. numpy_foundations_for_deep_learning.ipynb")
    opts = parser.parse_args(argv)
    print(restore(opts.course, opts.home, Path(opts.name).name))
    return 0


COMMANDS = {"merge": merge_main, "restore": restore_main}

if __name__ == "__main__":
    # The entry points: course-merge runs `course_merge.py merge`, course-restore `course_merge.py restore`.
    if sys.argv[1:2] and sys.argv[1] in COMMANDS:
        sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
    sys.exit(f"usage: {sys.argv[0]} {{{','.join(COMMANDS)}}} [options]")
