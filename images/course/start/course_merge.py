"""Merge the course shipped in the image into a student's ~/course, losing nothing.

Runs at every server start (start-singleuser), under Docker and Kubernetes alike.
Rules, per course file (the notebooks and the generated START-HERE.md):

- new in the course, absent at home            -> copied in
- unchanged by the student, changed in course  -> updated to the new version
- changed by the student, changed in course    -> the student's file is never
  touched; the new version is saved beside it as
  "<name>.course-update-<date>.ipynb" and COURSE-UPDATES.md says so, with a link
  to nbdime's rendered diff of the two and how to take the new version
- deleted by the student                       -> stays deleted (course-restore
  brings it back on request)

What the student last received is remembered in ~/course/.course-state.json
(file -> sha256). Writes are atomic (temp file + rename) and never replace a file
whose content the state does not vouch for. Files are written with mode 0644 and
the folders the merge creates get 0755, whatever the umask: the modes the course
has in the image, the ones Jupyter gives a student's own files.

An entry the merge cannot handle (unreadable, not a regular file: a folder, a
FIFO, a dangling link, in the course or at home) is left as it is and reported,
and the merge goes on with the others; the report says what was and was not done.

Usage: course-merge [--course /opt/course] [--home ~/course]
       course-restore NAME   fresh copy of a notebook; a changed copy is kept as
                             "<name>.mine-<timestamp>.ipynb"
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import hashlib
import json
import os
import stat
import sys
import tempfile
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

STATE = ".course-state.json"
NOTES = "COURSE-UPDATES.md"
START_PAGE = "START-HERE.md"
DEFAULT_COURSE = Path(os.environ.get("COURSE_SOURCE", "/opt/course"))
DEFAULT_HOME = Path(os.environ.get("COURSE_HOME", Path.home() / "course"))
FILE_MODE, FOLDER_MODE = 0o644, 0o755


@dataclass
class Report:
    changes: list[str] = field(default_factory=list)  # what the merge did, for the student
    problems: list[str] = field(default_factory=list)  # each entry it could not handle, and what that means


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def why(err: Exception) -> str:
    return err.strerror if isinstance(err, OSError) and err.strerror else str(err)


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file (or of a link to one). Anything else raises OSError,
    at once: a FIFO is opened without blocking and never read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise OSError(errno.EISDIR, "a folder", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    finally:
        os.close(fd)


def make_folder(path: Path) -> None:
    """PATH and its missing parents, each new one with FOLDER_MODE."""
    if path.is_dir():
        return
    make_folder(path.parent)
    path.mkdir(exist_ok=True)
    path.chmod(FOLDER_MODE)


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchmod(fh.fileno(), FILE_MODE)  # mkstemp makes 0600
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


def course_files(course_dir: Path, problems: list[str] | None = None) -> dict[str, bytes]:
    """name -> bytes of each course file. One that cannot be read (or the start page, when
    the manifest cannot be read) is left out and described in PROBLEMS."""
    problems = [] if problems is None else problems
    files = {}
    for path in sorted(course_dir.glob("*.ipynb")):
        try:
            files[path.name] = read_regular(path)
        except OSError as err:
            problems.append(
                f"Not merged: {path.name}: the course's copy could not be read ({why(err)}); "
                f"your {path.name}, if you have one, was left as it was"
            )
    try:
        page = start_page(course_dir)
    except (OSError, ValueError, KeyError, TypeError) as err:
        problems.append(
            f"Not merged: {START_PAGE}: the course's manifest (course.toml) could not be read "
            f"({why(err)}); your {START_PAGE}, if you have one, was left as it was"
        )
    else:
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


class NotMerged(Exception):
    """One course file could not be merged; the message says what that left as it was."""


def write_or_say(path: Path, data: bytes, what_stays: str) -> None:
    try:
        atomic_write(path, data)
    except OSError as err:
        raise NotMerged(f"the course's version could not be written ({why(err)}); {what_stays}") from err


def diff_link(base: Path, remote: Path, root: Path) -> str:
    """A Markdown link to nbdime's diff of two notebooks in this server (its /nbdime/difftool
    page; paths relative to the server's root folder ROOT). JupyterHub gives the server its URL
    prefix (/user/<name>/) in JUPYTERHUB_SERVICE_PREFIX, under Docker and Kubernetes alike."""
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/").rstrip("/") + "/"
    query = urllib.parse.urlencode({"base": os.path.relpath(base, root), "remote": os.path.relpath(remote, root)})
    return f"[see what changed]({prefix}nbdime/difftool?{query})"


def merge_one(target: Path, data: bytes, known: str | None, today: str) -> tuple[str | None, str | None]:
    """One course file into TARGET: (what was done for the student or None, the hash now
    delivered or None). Raises NotMerged when TARGET cannot be read or written; TARGET is
    then as it was (writes are atomic)."""
    name, new = target.name, sha256(data)
    if not os.path.lexists(target):
        if known is None:  # new notebook for this student
            write_or_say(target, data, "nothing was added")
            return f"New: {name}", new
        return None, known  # deleted by the student: respected
    try:
        current = sha256(read_regular(target))
    except OSError as err:
        raise NotMerged(
            f"your {name} could not be read ({why(err)}), so it was left as it was "
            "and the course's version was not delivered"
        ) from err
    if current == new:
        return None, new
    if known == current:  # untouched by the student: update
        write_or_say(target, data, f"your {name} was left as it was")
        return f"Updated: {name}", new
    if known != new:  # student's own version: keep it, add the new one beside
        beside = free_name(target, f"course-update-{today}")
        write_or_say(beside, data, f"your {name} was left as it was")
        root = target.parent.parent  # the server's root folder: ~/course is in the home
        return (
            f"Your {name} has your changes, so it was kept; the course's new version is {beside.name}: "
            f"{diff_link(target, beside, root)}. To work on the new version instead, run "
            f"`course-restore {name}` in a Terminal (yours is then kept as {target.stem}.mine-<time>{target.suffix})",
            new,
        )
    return None, known


def merge(course_dir: Path, home: Path, today: str | None = None) -> Report:
    """Merge, entry by entry; the changes are also appended to COURSE-UPDATES.md, with
    the entries that could not be merged."""
    today = today or dt.date.today().isoformat()
    report = Report()
    make_folder(home)
    delivered = load_state(home)
    for name, data in course_files(course_dir, report.problems).items():
        try:
            change, now = merge_one(home / name, data, delivered.get(name), today)
        except NotMerged as err:
            report.problems.append(f"Not merged: {name}: {err}")
            continue
        if now is not None:
            delivered[name] = now
        if change:
            report.changes.append(change)
    try:
        save_state(home, delivered)
    except OSError as err:
        report.problems.append(
            f"Not saved: {STATE} ({why(err)}): the next start does not know what this one delivered, "
            "so it may save a course update beside a notebook again"
        )
    lines = report.changes + report.problems
    if lines:
        notes = home / NOTES
        try:
            old = read_regular(notes) if os.path.lexists(notes) else b"# Course updates\n"
            atomic_write(notes, old + f"\n## {today}\n".encode() + "".join(f"- {m}\n" for m in lines).encode())
        except OSError as err:
            report.problems.append(f"Not written: {NOTES} ({why(err)}): the messages above are not in it")
    return report


def restore(course_dir: Path, home: Path, name: str, now: str | None = None) -> str:
    """Put a fresh copy of course file NAME in place; the student's changed copy is kept aside."""
    problems: list[str] = []
    files = course_files(course_dir, problems)
    if name not in files:
        for problem in problems:
            if problem.startswith(f"Not merged: {name}: "):
                raise SystemExit(f"error: {problem.removeprefix('Not merged: ')}")
        raise SystemExit(f"error: {name!r} is not a course file; course files: {', '.join(files)}")
    make_folder(home)
    target, data = home / name, files[name]
    message = f"Restored a fresh copy of {name}"
    if os.path.lexists(target) and not same_bytes(target, data):
        kept = free_name(target, f"mine-{now or dt.datetime.now().strftime('%Y%m%d-%H%M%S')}")
        os.replace(target, kept)
        message += f"; your version is now {kept.name}"
    atomic_write(target, data)
    delivered = load_state(home)
    delivered[name] = sha256(data)
    save_state(home, delivered)
    return message


def same_bytes(path: Path, data: bytes) -> bool:
    try:
        return read_regular(path) == data
    except OSError:
        return False  # a folder, a FIFO, a dangling link, unreadable: not the course's file


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
    report = merge(opts.course, opts.home)
    for message in report.changes:
        print(f"[course-merge] {message}", flush=True)
    for problem in report.problems:
        print(f"[course-merge] {problem}", file=sys.stderr, flush=True)
    if report.problems:
        n = len(report.problems)
        print(
            f"[course-merge] {n} course {'entry' if n == 1 else 'entries'} could not be merged (above); "
            "every other one was merged",
            file=sys.stderr,
            flush=True,
        )
        return 1
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
