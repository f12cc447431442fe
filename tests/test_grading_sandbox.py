"""make grade's sandbox against notebooks that misbehave: each costs only its own run.

Real containers of the foundations image with the [grading] limits, the way tools/grade.py
starts them (Grading._sandbox); no hub is needed. The classroom end to end (a class of five
graded by nbgrader, feedback, the progress page) is in test_classroom_work.py."""

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from tools.grade import Grading
from tools.stack import Classroom

pytestmark = pytest.mark.docker
NB = "numpy_foundations_for_deep_learning.ipynb"  # a foundations notebook: the sandbox's image

HOSTILE = {
    "memory": "x = bytearray(1024 * 1024 * 1024)  # four times the sandbox's memory\nx[::4096] = b'1' * len(x[::4096])",
    "disk": "with open('/tmp/fill', 'wb') as fh:\n    for _ in range(1024):\n        fh.write(b'0' * 2**20)",
    "delete": (
        "import os, shutil\nfor top in ('/home', '/opt', '/usr', '/etc', '/tmp'):\n"
        "    shutil.rmtree(top, ignore_errors=True)\nprint(sorted(os.listdir('/opt')))"
    ),
    "snoop": (
        "import os, socket\nprint('gradebook', os.path.exists('/grading') or os.path.exists('/srv/grading'))\n"
        "print('homes', os.path.exists('/homes'), 'mounts', open('/proc/self/mounts').read().count('/home/'))\n"
        "print('secrets', sorted(k for k in os.environ if 'TOKEN' in k or 'SECRET' in k))\n"
        "try:\n    socket.create_connection(('172.17.0.1', 80), timeout=2)\n    print('network yes')\n"
        "except OSError as err:\n    print('network no', type(err).__name__)"
    ),
}


@pytest.fixture(scope="module")
def grading(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sandbox")
    (folder / "roster.csv").write_text("username,role\nteacher,instructor\n")
    (folder / "classroom.toml").write_text(
        '[grading]\nmemory = "256M"\ndisk = "64M"\npids = 128\nnotebook_timeout = 120\ncell_timeout = 60\n'
    )
    room = Classroom(project="dlcourse-sbx", roster=folder / "roster.csv", settings_path=folder / "classroom.toml")
    return Grading(room, [NB])


def run_hostile(grading, tmp_path, name: str, code: str):
    run = tmp_path
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell("print('the next cell ran')")]
    (run / "sanitized" / name).mkdir(parents=True)
    (run / "sanitized" / name / NB).write_text(nbformat.writes(nb))
    _, reason, seconds = grading._sandbox(run, f"{name}/{NB}", 0)
    out = run / "executed" / name / NB
    executed = nbformat.read(out, as_version=4) if out.exists() else None
    return reason, seconds, executed


def outputs(executed) -> list[str]:
    return [json.dumps(cell.get("outputs", [])) for cell in executed.cells]


def test_a_notebook_that_takes_all_memory_loses_its_kernel_not_the_machine(grading, tmp_path):
    reason, seconds, executed = run_hostile(grading, tmp_path, "mem", HOSTILE["memory"])
    if reason is None:  # nbgrader recorded the dead kernel in the notebook itself
        assert "DeadKernel" in outputs(executed)[0] or "died" in outputs(executed)[0], outputs(executed)
    else:
        assert "memory" in reason or "exit" in reason, reason
    assert seconds < 120


def test_a_notebook_that_fills_its_disk_fails_that_cell_only(grading, tmp_path):
    reason, _, executed = run_hostile(grading, tmp_path, "disk", HOSTILE["disk"])
    assert reason is None, reason
    first, second = outputs(executed)
    assert "No space left on device" in first or "OSError" in first, first
    assert "the next cell ran" in second
    assert subprocess.run(["df", "-h", "/"], capture_output=True).returncode == 0  # the host is fine


def test_a_notebook_that_deletes_everything_deletes_only_its_scratch_space(grading, tmp_path):
    reason, _, executed = run_hostile(grading, tmp_path, "del", HOSTILE["delete"])
    assert reason is None, reason
    first, second = outputs(executed)
    assert "venv" in first, "the read-only image lost files"  # /opt/venv is still there
    assert "the next cell ran" in second


def test_a_notebook_finds_no_gradebook_no_homes_no_secrets_and_no_network(grading, tmp_path):
    reason, _, executed = run_hostile(grading, tmp_path, "snoop", HOSTILE["snoop"])
    assert reason is None, reason
    first = outputs(executed)[0]
    assert "gradebook False" in first and "homes False mounts 0" in first, first
    assert "secrets []" in first and "network no" in first, first


def test_the_sandbox_is_started_with_every_limit(grading, tmp_path, monkeypatch):
    """What docker run is given (the limits above come from these flags)."""
    seen = []
    real = subprocess.Popen

    def spy(cmd, *args, **kwargs):
        seen.append(cmd)
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    run_hostile(grading, tmp_path, "flags", "print(1)")
    [started] = [c for c in seen if c[:2] == ["docker", "run"]]
    cmd = " ".join(started)
    for flag in ("--network none", "--read-only", "--memory 256M", "--memory-swap 256M", "--pids-limit 128"):
        assert flag in cmd, flag
    assert "--cap-drop ALL" in cmd and "no-new-privileges" in cmd and "--user 1000:100" in cmd
    assert " -v " not in cmd and "--mount" not in cmd, "the sandbox mounts nothing"
    assert started[started.index("-c") + 1] == (Path(__file__).parent.parent / "tools" / "grade_sandbox.py").read_text()
