"""The classroom end to end, the class's work: make grade and the progress page, make backup and
restore, make up with a changed setting, and a student and an instructor in a real browser
(JupyterLab, Run All, the meters, announcements, ~/shared, a course update's diff). Its own hub
after tests/test_classroom.py's, on the same worker (tests/conftest.py)."""

import copy
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pytest
import requests

from dlcourse.manifest import NOTEBOOKS, load_course
from dlcourse.settings import CLASSROOM_TOML
from tests.classroom_support import IMAGES, LOAD_STUDENTS, PASSWORD, ship_course_update
from tests.hubclient import Student
from tools.stack import Classroom

pytestmark = pytest.mark.docker


def container_of(room, name):
    return subprocess.run(
        ["docker", "inspect", "-f", "{{.Id}} {{.State.Status}} {{.HostConfig.Memory}}", f"{room.project}-{name}"],
        capture_output=True,
        text=True,
    ).stdout.split()


def replace_file(path, text):
    """As an editor saves: a new file in the old one's place (a new inode)."""
    tmp = path.with_suffix(".new")
    tmp.write_text(text)
    tmp.replace(path)


def test_make_up_applies_a_changed_setting_and_running_servers_keep_running(room, ada):
    ada.start("foundations")
    ada.run("open('/tmp/still-here', 'w').write('42')")  # /tmp lives as long as the container
    before, hub_before = container_of(room, "ada"), room.hub_config_hash()
    original = room.settings_path.read_text()
    replace_file(room.settings_path, original.replace('memory = "2G"', 'memory = "1536M"'))
    try:
        assert room.up() is True, "make up did not restart the hub with the changed settings"
        assert room.hub_config_hash() != hub_before
        assert 'memory = "1536M"' in room.hub_exec("cat", "/srv/classroom/classroom.toml")
        assert container_of(room, "ada") == before, "a running server was restarted or stopped"
        assert ada.run("print(open('/tmp/still-here').read())").strip() == "42", "the running server was replaced"
        ada.stop()
        ada.start("foundations")
        assert container_of(room, "ada")[2] == str(1536 * 2**20), "a new server did not get the new limit"
        assert room.up() is False, "make up restarted the hub although nothing changed"
    finally:
        ada.stop()
        replace_file(room.settings_path, original)
        room.up()


def backup_while_ada_works(room, ada, dest):
    """make backup while ada runs cells: (the archive, every state the hub and the proxy containers
    were seen in, ada's cells as (output, seconds)). Nobody may be frozen: no pause, answers keep coming."""
    containers = [room.compose("ps", "-q", service, capture=True).stdout.strip() for service in ("hub", "proxy")]
    states, cells, done = set(), [], threading.Event()

    def watch():
        while not done.is_set():
            out = subprocess.run(["docker", "inspect", "-f", "{{.State.Status}}", *containers], capture_output=True)
            states.update(out.stdout.decode().split())
            time.sleep(0.1)

    def work():
        while not done.is_set():
            t0 = time.monotonic()
            cells.append((ada.run("print(1 + 1)").strip(), round(time.monotonic() - t0, 1)))

    threads = [threading.Thread(target=watch), threading.Thread(target=work)]
    for thread in threads:
        thread.start()
    try:
        archive = room.backup(dest)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    return archive, states, cells


def test_backup_and_restore_into_a_fresh_checkout(room, ada, tmp_path):
    ada.start("foundations")
    ada.run("open('/home/jovyan/thesis.txt', 'w').write('chapter one')")
    ada.run("import os; open('/home/jovyan/draft.bin', 'wb').write(os.urandom(96 * 2**20))")  # a tar that takes a while
    in_grading = ["docker", "run", "--rm", "--network", "none", "--user", "0", "-v", f"{room.grading_volume}:/g"]
    subprocess.run([*in_grading, IMAGES.ref("foundations"), "sh", "-c", "echo gradebook > /g/kept"], check=True)
    (tmp_path / "handout.txt").write_text("read me first")
    room.share(tmp_path / "handout.txt")  # the class's ~/shared is in the backup too
    archive, states, cells = backup_while_ada_works(room, ada, tmp_path / "backups")
    assert archive.stat().st_mode & 0o077 == 0, "the backup holds password hashes: mode 600"
    assert states == {"running"}, f"the hub or the proxy was {sorted(states - {'running'})} during the backup"
    assert cells and all(out == "2" and seconds < 10 for out, seconds in cells), (
        f"ada's cells during the backup: {cells}"
    )
    ada.stop()
    room.down(volumes=True)  # the machine is gone: no hub state, no homes, no roster, no settings
    assert room.volumes() == []
    fresh = tmp_path / "fresh-clone"
    (fresh / "hub").mkdir(parents=True)
    shutil.copyfile(CLASSROOM_TOML, fresh / "hub" / "classroom.toml")  # a clone ships the defaults
    new = Classroom(project=room.project, port=room.port, image_tag=room.image_tag, checkout=fresh)
    restored = new.restore(archive)
    assert f"{room.project}-home-ada" in restored and room.grading_volume in restored and room.shared_volume in restored
    kept = subprocess.run([*in_grading, IMAGES.ref("foundations"), "cat", "/g/kept"], capture_output=True, text=True)
    assert kept.stdout == "gradebook\n", "the grading volume did not come back"
    assert (fresh / "hub" / "classroom.toml").read_text() == room.settings_path.read_text()
    assert (fresh / "hub" / "roster.csv").read_text() == room.roster.read_text()
    with pytest.raises(SystemExit, match="overwrite"):
        new.restore(archive)  # never over existing data
    new.up()
    try:
        back = Student(new.url, "ada")
        assert back.login(PASSWORD), "ada's password did not come back with the hub state"
        back.start("foundations")
        try:
            assert back.run("print(open('/home/jovyan/thesis.txt').read())").strip() == "chapter one"
            assert back.run("print(open('/home/jovyan/shared/handout.txt').read())").strip() == "read me first"
        finally:
            back.stop()
    finally:
        room.up()  # the module's classroom again, with its own files (the same content)


def test_a_restore_overwrites_no_file_of_the_instructors(room, tmp_path):
    archive = room.backup(tmp_path / "backups")
    fresh = tmp_path / "edited-clone"
    (fresh / "hub").mkdir(parents=True)
    edited = 'roster = "hub/roster.csv"\n[limits]\nmemory = "3G"\n'
    (fresh / "hub" / "classroom.toml").write_text(f"[hub]\n{edited}")
    (fresh / "hub" / "roster.csv").write_text("username,role\nsomeone,instructor\n")
    other = Classroom(project="dlcourse-restore-test", port=18001, checkout=fresh)
    with pytest.raises(SystemExit, match=r"classroom\.toml"):
        other.restore(archive)
    (fresh / "hub" / "classroom.toml").write_text("")  # only the defaults: replaced; the roster still clashes
    with pytest.raises(SystemExit, match=r"roster\.csv"):
        other.restore(archive)
    assert (fresh / "hub" / "classroom.toml").read_text() == "", "a refused restore changed a file"
    assert other.volumes() == [], "a refused restore created volumes"


def run_all_checks_the_students_own_answers(room, page, xsrf):
    """Run All in JupyterLab on a course notebook's student version whose first exercise the student
    answered: it reaches the end (the checks' `raises-exception` tag), their answer is the one checked
    (nothing replaces it), and each unanswered exercise's check says it is not done yet."""
    import re

    from playwright.sync_api import expect

    from dlcourse.manifest import NOTEBOOKS
    from tools.student import STUDENT

    name = "numpy_foundations_for_deep_learning.ipynb"
    nb = nbformat.read(STUDENT / name, as_version=4)
    source = nbformat.read(NOTEBOOKS / name, as_version=4)
    reference = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells if "nbgrader" in c.metadata}
    for cell in nb.cells:  # the student answers exercise 1 (with the reference answer, markers removed)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex1-answer":
            cell.source = "\n".join(
                line
                for line in reference["ex1-answer"].splitlines()
                if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
            )
    url = f"{room.url}/user/dora/api/contents/run-all.ipynb"
    r = page.request.put(url, data={"type": "notebook", "content": nb}, headers={"X-XSRFToken": xsrf})
    assert r.status in (200, 201), r.text()
    # a workspace of its own (reset): the notebook is the only one open, so Run All cannot act on the
    # scratch notebook that the default workspace restores (it did, once: nothing here ran)
    page.goto(f"{room.url}/user/dora/lab/workspaces/run-all/tree/run-all.ipynb?reset")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)", has_text="NumPy foundations for deep learning")
    expect(notebook).to_be_visible(timeout=120_000)
    expect(page.locator(".jp-StatusBar-Widget", has_text="run-all.ipynb").first).to_be_visible(timeout=120_000)
    expect(page.locator(".jp-StatusBar-Widget", has_text="Idle").first).to_be_visible(timeout=120_000)
    notebook.locator(".jp-InputPrompt").first.click()  # the notebook has the focus: Run All acts on it
    page.keyboard.press("Escape")
    expect(page.locator(".lm-TabBar-tab.jp-mod-current", has_text="run-all.ipynb").first).to_be_visible()
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has_text=re.compile(r"^Run All Cells")).first.click()
    expect(notebook.locator(".jp-InputPrompt", has_text=re.compile(r"\[[\d*]+\]")).first).to_be_visible(timeout=60_000)
    last = notebook.locator(".jp-CodeCell").last.locator(".jp-InputPrompt")
    expect(last).to_have_text(re.compile(r"\[\d+\]"), timeout=240_000)
    page.keyboard.press("Control+s")
    page.wait_for_timeout(2000)
    saved = nbformat.from_dict(page.request.get(url, headers={"X-XSRFToken": xsrf}).json()["content"])
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "Run All stopped before the end"
    errors = {
        c.metadata.get("nbgrader", {}).get("grade_id"): o for c in code for o in c.outputs if o.output_type == "error"
    }
    checks = [c.metadata["nbgrader"]["grade_id"] for c in code if c.metadata.get("nbgrader", {}).get("grade")]
    assert "ex1-check" not in errors, (
        f"the student's own answer to exercise 1 was not accepted: {errors.get('ex1-check')}"
    )
    ex1 = next(c for c in code if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1-check")
    assert "Exercise 1: correct" in "".join(o.get("text", "") for o in ex1.outputs)
    assert sorted(errors) == sorted(c for c in checks if c != "ex1-check"), f"errors outside the checks: {errors}"
    assert all("is not done yet" in o.evalue for o in errors.values())


SHOTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"  # screenshots of the browser tests


def browser_login(page, room, name: str, password: str) -> None:
    """Log NAME in through the hub's login form in the browser PAGE."""
    page.goto(f"{room.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")


def chromium(pw):
    """Headless Chromium (Debian's, or $CHROMIUM), talking to this machine only. Each `expect`
    waits up to a minute (Playwright's 5 s was too short for JupyterLab on a loaded machine)."""
    import os

    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)

    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
    args += ["--disable-component-update", "--disable-sync"]
    return pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), headless=True, args=args)


def test_a_student_uses_the_classroom_in_a_real_browser(room, codes):
    """Headless Chromium (Debian's) through Playwright: log in, meet the start form,
    open JupyterLab with the course folder, run a cell. Screenshots: build/test-artifacts/."""
    from playwright.sync_api import expect, sync_playwright

    shots = SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.set_default_timeout(120_000)
        browser_login(page, room, "dora", codes["dora"])
        page.goto(f"{room.url}/hub/change-password")
        page.fill("#old_password_input", codes["dora"])
        page.fill("#new_password_input", PASSWORD)
        page.fill("#new_password_confirmation_input", PASSWORD)
        page.click("#signup_submit")
        expect(page.locator("body")).to_contain_text("success", ignore_case=True)

        page.goto(f"{room.url}/hub/spawn")
        for env in IMAGES.environments:  # the start form offers every environment
            expect(page.locator(f'input[name="image"][value="{env}"]')).to_have_count(1)
        page.screenshot(path=str(shots / "browser-1-start-form.png"))
        page.check('input[name="image"][value="foundations"]')
        page.click('form input[type="submit"], form button[type="submit"]')
        page.wait_for_url("**/user/dora/lab/**", timeout=180_000)
        expect(page.locator(".jp-DirListing-content")).to_contain_text("course", timeout=120_000)
        # the start page (default_url) opens rendered, not as Markdown source in an editor
        expect(page.locator(".jp-MainAreaWidget .jp-RenderedMarkdown h1").first).to_be_visible(timeout=60_000)
        expect(page.locator(".jp-MainAreaWidget .jp-FileEditor")).to_have_count(0)

        cookies = {c["name"]: c["value"] for c in page.context.cookies() if c["path"].startswith("/user/dora")}
        notebook = {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": "c1",
                    "metadata": {},
                    "outputs": [],
                    "source": "print(6 * 7)",
                }
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        r = page.request.put(
            f"{room.url}/user/dora/api/contents/scratch.ipynb",
            data={"type": "notebook", "content": notebook},
            headers={"X-XSRFToken": cookies["_xsrf"]},
        )
        assert r.status in (200, 201), r.text()
        page.goto(f"{room.url}/user/dora/lab/tree/scratch.ipynb")
        try:
            # wait until the notebook's kernel is up ("Idle" in the status bar), then run the cell
            expect(page.locator(".jp-StatusBar-Widget", has_text="Idle").first).to_be_visible(timeout=120_000)
            page.locator(".jp-Cell .cm-content").first.click()
            page.keyboard.press("Shift+Enter")
            expect(page.locator(".jp-OutputArea-output").first).to_contain_text("42", timeout=120_000)
        finally:
            page.screenshot(path=str(shots / "browser-2-jupyterlab-cell.png"))
        try:
            run_all_checks_the_students_own_answers(room, page, cookies["_xsrf"])
        finally:
            page.screenshot(path=str(shots / "browser-3-run-all.png"))
            browser.close()
    stopper = Student(room.url, "dora")
    assert stopper.login(PASSWORD)
    stopper.stop()


ANNOUNCEMENT = "Today we meet in room 101"


def post_announcement(room, who: Student, text: str) -> requests.Response:
    """POST to the announcements service as WHO, after the OAuth round trip through the hub
    (which sets the service's xsrf cookie, the token the form carries)."""
    base = f"{room.url}/services/announcements/"
    assert who.session.get(base, timeout=60).status_code == 200
    xsrf = next(c.value for c in who.session.cookies if c.name == "_xsrf" and c.path.startswith("/services/"))
    return who.session.post(
        f"{base}update", data={"announcement": text, "_xsrf": xsrf}, allow_redirects=False, timeout=60
    )


def test_inside_the_classroom_a_student_sees_the_meter_the_announcement_the_shared_folder_and_a_diff(
    room, ada, teacher, tmp_path
):
    """In Chromium, as ada: the instructor's announcement on the hub's pages, the memory meter with
    her limit in JupyterLab's status bar, ~/shared with the instructor's files and no way to write
    there, and the link in COURSE-UPDATES.md opening nbdime's diff with the updated cell. The
    instructor writes ~/shared from their own server; make share puts a file there. Screenshots:
    build/test-artifacts/classroom-*.png (and *-failure.png)."""
    import re

    from playwright.sync_api import expect, sync_playwright

    from dlcourse.settings import size_bytes

    # the instructor posts, a student may not; make share and the instructor's own server fill ~/shared
    r = post_announcement(room, teacher, ANNOUNCEMENT)
    assert r.status_code == 302, r.text[:300]
    r = post_announcement(room, ada, "Free pizza")
    assert r.status_code == 403, r.text[:300]  # the same request as the instructor's, but a student's
    latest = ada.session.get(f"{room.url}/services/announcements/latest", timeout=60).json()
    assert latest["announcement"] == ANNOUNCEMENT and latest["user"] == "teacher"
    (tmp_path / "welcome.md").write_text("# Welcome to the lab\n")
    assert room.share(tmp_path / "welcome.md") == "welcome.md"
    (tmp_path / "welcome.md").write_text("# Changed\n")
    with pytest.raises(SystemExit, match="exists already"):
        room.share(tmp_path / "welcome.md")  # kept unless REPLACE=1
    teacher.start("foundations")
    try:
        teacher.run("open('/home/jovyan/shared/from-teacher.txt', 'w').write('slides for week 1')")
    finally:
        teacher.stop()
    # a course update beside a notebook ada changed: COURSE-UPDATES.md links to the diff
    nb = load_course(images=IMAGES).notebooks[2].file
    ada.start("foundations")  # the course is merged into her home at the start; then she edits a notebook
    try:
        ada.run(f"open('/home/jovyan/course/{nb}', 'a').write(' ')")
    finally:
        ada.stop()
    ship_course_update(room, [nb], "New in this release")

    SHOTS.mkdir(parents=True, exist_ok=True)
    limit_mb = size_bytes(room.settings["limits"]["memory"]) / 2**20
    with sync_playwright() as pw:
        browser = chromium(pw)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(120_000)
        step = "login"
        try:
            browser_login(page, room, "ada", PASSWORD)
            page.wait_for_url("**/hub/**")
            step = "announcement"
            for where in ("home", "spawn"):  # the hub's home page and the start form
                page.goto(f"{room.url}/hub/{where}")
                expect(page.locator(".announcement")).to_contain_text(ANNOUNCEMENT)
            page.screenshot(path=str(SHOTS / "classroom-1-announcement.png"))
            page.check('input[name="image"][value="foundations"]')
            page.click('form input[type="submit"], form button[type="submit"]')
            page.wait_for_url("**/user/ada/lab/**", timeout=180_000)
            step = "memory meter"
            meter = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"Mem: "))
            expect(meter.first).to_contain_text(re.compile(rf"/ {limit_mb:.2f} MB"), timeout=60_000)
            page.screenshot(path=str(SHOTS / "classroom-2-meter.png"))
            step = "shared folder"
            page.goto(f"{room.url}/user/ada/lab/tree/shared")
            listing = page.locator(".jp-DirListing-content")
            expect(listing).to_contain_text("welcome.md")
            expect(listing).to_contain_text("from-teacher.txt")
            xsrf = next(
                c["value"] for c in context.cookies() if c["name"] == "_xsrf" and c["path"].startswith("/user/ada")
            )
            names = lambda: sorted(  # noqa: E731
                e["name"]
                for e in page.request.get(
                    f"{room.url}/user/ada/api/contents/shared", headers={"X-XSRFToken": xsrf}
                ).json()["content"]
            )
            before = names()
            assert {"from-teacher.txt", "welcome.md"} <= set(before), before
            page.locator('.jp-ToolbarButtonComponent[data-command="filebrowser:create-new-directory"]').click()
            expect(page.locator(".jp-Dialog")).to_contain_text(re.compile("Read-only file system|Permission denied"))
            page.screenshot(path=str(SHOTS / "classroom-3-shared-read-only.png"))
            page.keyboard.press("Escape")
            assert names() == before, "a student's write reached ~/shared"
            assert "EROFS" in ada.run(
                "import errno\ntry:\n    open('/home/jovyan/shared/welcome.md', 'w')\n"
                "except OSError as e:\n    print(errno.errorcode[e.errno])"
            )
            step = "course update diff"
            page.goto(f"{room.url}/user/ada/lab/tree/course/COURSE-UPDATES.md")
            link = page.locator(".jp-RenderedMarkdown a", has_text="see what changed").last
            with context.expect_page() as opened:
                link.click()
            diff = opened.value
            expect(diff.locator("body")).to_contain_text("New in this release", timeout=60_000)
            expect(diff.locator(".jp-Diff-added, .jp-Cellrow-added, .jp-Diff-addedchunk").first).to_be_visible()
            diff.screenshot(path=str(SHOTS / "classroom-4-diff.png"), full_page=True)
            step = "no GPU panels without a GPU"
            config = page.request.get(f"{room.url}/user/ada/lab").text()
            data = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', config, re.S).group(1))
            assert "jupyterlab-nvdashboard" in data["disabledExtensions"]  # the names JupyterLab leaves out
        except Exception:
            page.screenshot(path=str(SHOTS / f"classroom-failure-{step.replace(' ', '-')}.png"), full_page=True)
            raise
        finally:
            browser.close()
            ada.stop()


GRADED = "numpy_foundations_for_deep_learning.ipynb"  # a foundations notebook: 4 exercises, 7 points


NEVER_ENDS = (  # not even nbgrader's interrupt at the cell timeout stops it (and it idles: the other tests run)
    "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(1)\n"
)


def class_of_five() -> dict[str, nbformat.NotebookNode]:
    """What five students have in ~/course: the reference answers, nothing changed, a wrong
    answer to exercise 1, a wrong answer whose check was rewritten to `pass`, a notebook that
    never ends. Each in smoke mode, as a student may set it."""
    from dlcourse.manifest import NOTEBOOKS
    from tools.exercises import wrong_answers

    source = nbformat.read(NOTEBOOKS / GRADED, as_version=4)
    student = nbformat.read(NOTEBOOKS / "student" / GRADED, as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }

    def version(answer=None, ex1=None, check=None, first=None):
        nb = nbformat.from_dict(copy.deepcopy(student))
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if "parameters" in cell.metadata.get("tags", []):
                cell.source += "\nSMOKE = True\n"
            if meta.get("solution") and answer:
                cell.source = ex1 if (ex1 and meta["grade_id"] == "ex1-answer") else answers[meta["grade_id"]]
            if meta.get("grade_id") == "ex1-check" and check is not None:
                cell.source = check
        if first:
            nb.cells.insert(1, nbformat.v4.new_code_cell(first))
        return nb

    [(_, wrong)] = wrong_answers(GRADED)["ex1-answer"][:1]
    return {
        "ada": version(answer=True),
        "bob": version(),
        "carol": version(answer=True, ex1=wrong),
        "dora": version(answer=True, ex1=wrong, check="pass"),
        "load1": version(answer=True, first=NEVER_ENDS),
    }


def home_put(room, student: str, files: dict[str, str]) -> None:
    """Write FILES (path in the home -> text) into a student's home volume, as uid 1000."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        script = []
        for i, (path, text) in enumerate(files.items()):
            Path(tmp, str(i)).write_text(text)
            script.append(f"mkdir -p \"$(dirname '/h/{path}')\" && cp /in/{i} '/h/{path}'")
        subprocess.run(
            ["docker", "run", "--rm", "--network", "none", "--user", "0", "-v", f"{room.project}-home-{student}:/h",
             "-v", f"{tmp}:/in:ro", IMAGES.ref("foundations"), "sh", "-c",
             " && ".join(script) + " && chown -R 1000:100 /h"],
            check=True, capture_output=True,
        )  # fmt: skip


def home_read(room, student: str, path: str) -> str | None:
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "-v", f"{room.project}-home-{student}:/h:ro",
         IMAGES.ref("foundations"), "cat", f"/h/{path}"],
        capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout if done.returncode == 0 else None


@pytest.fixture(scope="module")
def graded(room):
    """make grade on a class of five (and a broken file); carol has a file of her own where her feedback goes."""
    from tools.grade import Grading

    for student, nb in class_of_five().items():
        home_put(room, student, {f"course/{GRADED}": nbformat.writes(nb)})
    home_put(room, "carol", {"feedback/numpy_foundations_for_deep_learning.html": "carol's own notes\n"})
    home_put(room, "load2", {f"course/{GRADED}": "{ a notebook broken by hand"})
    home_put(room, "load3", {f"course/{GRADED}": (NOTEBOOKS / "student" / GRADED).read_text()})  # as shipped
    begun = time.monotonic()
    report = Grading(room, [GRADED]).run()
    report["wall"] = time.monotonic() - begun
    return report


def test_make_grade_scores_each_student_with_the_sources_checks(room, graded):
    import csv

    rows = {r["student"]: r for r in csv.DictReader(Path(graded["csv"]).read_text().splitlines())}
    points = {name: (rows[name]["status"], float(rows[name]["points"])) for name in rows}
    # ex1 is worth 2 of 7: a wrong answer loses them, also when its check was rewritten to `pass`
    assert points == {
        "ada": ("graded", 7.0),
        "bob": ("not started", 0.0),  # no answer written: nothing to run
        "carol": ("graded", 5.0),
        "dora": ("graded", 5.0),
        "load1": ("stopped", 0.0),
        "load2": ("unreadable", 0.0),
        "load3": ("not started", 0.0),  # the course as shipped
    }, points
    assert {r["max_points"] for r in rows.values()} == {"7.0"}
    assert rows["ada"]["section"] == "a" and rows["bob"]["section"] == "b" and rows["load1"]["section"] == "load"
    assert all(len(r["snapshot_sha256"]) == 64 and r["notebook"] == GRADED for r in rows.values())


def test_a_notebook_that_never_ends_is_stopped_at_its_limit_and_the_others_are_graded(graded):
    assert set(graded["stopped"]) == {f"load1/{GRADED}"}, graded["stopped"]
    reason = graded["stopped"][f"load1/{GRADED}"]
    assert "15 s limit and did not stop" in reason or "90 s limit" in reason, reason  # whichever limit came first
    assert 15 <= graded["seconds"][f"load1/{GRADED}"] < 120
    assert graded["wall"] < 400, f"grading five notebooks took {graded['wall']:.0f} s"


def test_feedback_lands_in_the_homes_and_no_file_of_a_students_is_replaced(room, graded):
    ada = home_read(room, "ada", "feedback/numpy_foundations_for_deep_learning.html")
    assert ada and ada.startswith("<!-- dlcourse feedback -->") and "7.0" in ada and "<html" in ada
    assert home_read(room, "carol", "feedback/numpy_foundations_for_deep_learning.html") == "carol's own notes\n"
    dora = home_read(room, "dora", "feedback/numpy_foundations_for_deep_learning.html")
    assert dora and "5.0" in dora and "7.0" in dora
    assert home_read(room, "carol", f"course/{GRADED}") is not None, "a student's notebook went missing"


def test_make_grades_writes_the_same_csv_again(room, graded):
    from tools.grade import Grading

    before = Path(graded["csv"]).read_text()
    Path(graded["csv"]).unlink()
    assert Grading(room, [GRADED]).export().read_text() == before


def test_the_progress_page_shows_an_instructor_the_class_in_a_real_browser(room, teacher, graded):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.set_default_timeout(60_000)
        try:
            browser_login(page, room, "teacher", PASSWORD)
            page.wait_for_url("**/hub/**")
            page.goto(f"{room.url}/services/progress/")  # through the hub's OAuth: no other password
            expect(page.locator("h1")).to_have_text("Class progress")
            rows = page.locator("#progress tbody tr")
            expect(rows).to_have_count(len(["ada", "bob", "carol", "dora", *LOAD_STUDENTS]))
            column = [nb.file for nb in load_course().notebooks].index(GRADED) + 3  # student, section, then notebooks
            ada = page.locator("#progress tbody tr", has=page.locator("td.student", has_text="ada"))
            expect(ada.locator(f"td:nth-child({column})")).to_have_text("7 / 7")
            load3 = page.locator("#progress tbody tr", has=page.locator("td.student", has_text="load3"))
            expect(load3.locator(f"td:nth-child({column})")).to_have_text("not started")
            expect(page.locator("svg.heatmap rect")).to_have_count(7 * len(load_course().notebooks))
            page.goto(f"{room.url}/services/progress/?section=b")
            expect(rows).to_have_count(2)  # bob and carol
            page.screenshot(path=str(SHOTS / "progress-class.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(SHOTS / "progress-class-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def test_a_student_sees_only_their_own_row_and_not_anothers(room, ada, graded):
    own = ada.session.get(f"{room.url}/services/progress/", timeout=60)
    assert own.status_code == 200 and "Your progress" in own.text, own.text[:300]
    assert ">ada<" in own.text and ">bob<" not in own.text and "7 / 7" in own.text
    assert "feedback/numpy_foundations_for_deep_learning.html" in own.text
    assert ada.session.get(f"{room.url}/services/progress/student/bob", timeout=60).status_code == 403
    data = ada.session.get(f"{room.url}/services/progress/api/grades", timeout=60).json()
    assert [r["student"] for r in data["rows"]] == ["ada"]
    assert ada.session.get(f"{room.url}/services/progress/api/grades?student=bob", timeout=60).status_code == 403


def test_a_student_checks_a_notebook_with_nbgraders_validate_in_their_own_server(room, ada, graded):
    """The Validate button's server side (nbgrader's validate_assignment), in ada's own container."""
    import requests

    home_put(room, "ada", {"course/my-try.ipynb": nbformat.writes(class_of_five()["carol"])})
    ada.start("foundations")
    try:

        def validate(path):
            r = requests.post(
                f"{room.url}/user/ada/assignments/validate",
                data={"path": path},
                headers={"Authorization": f"token {ada.token()}"},
                timeout=300,
            )
            assert r.status_code == 200, r.text[:300]
            return r.json()

        good, wrong = validate(f"course/{GRADED}"), validate("course/my-try.ipynb")
    finally:
        ada.stop()
    assert good["success"] and not good["value"].get("failed") and not good["value"].get("changed"), good
    failed = wrong["value"].get("failed") or []
    assert wrong["success"] and len(failed) == 1 and "Exercise 1" not in str(good), wrong
    assert "exercise(1" in failed[0]["source"] or "ex1" in str(failed[0]), failed[0]
