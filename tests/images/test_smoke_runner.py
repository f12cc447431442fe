"""The smoke runner itself: a failing notebook is reported with its cell and error."""

import json
import subprocess

import nbformat

from dlcourse.manifest import load_images
from tools import smoke


def test_a_failing_notebook_is_reported_with_its_cell_and_error(tmp_path):
    images = load_images()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("SMOKE = False", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("raise ValueError('the loss went up')"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    course, out = tmp_path / "course", tmp_path / "out"
    course.mkdir()
    out.mkdir()
    out.chmod(0o777)
    nbformat.write(nb, course / "broken.ipynb")
    (out / "plan.json").write_text(json.dumps([{"file": "broken.ipynb", "budget": 60}]))
    runner = [
        "python",
        "/smoke/runner.py",
        "--out",
        "/smoke/out",
        "--plan",
        "/smoke/out/plan.json",
        "--course",
        "/course",
    ]
    mounts = ["-v", f"{smoke.RUNNER}:/smoke/runner.py:ro", "-v", f"{course}:/course:ro", "-v", f"{out}:/smoke/out"]
    image = images.ref(images.foundations.folder)
    subprocess.run(["docker", "run", "--rm", "--network", "none", *mounts, image, *runner], check=True, timeout=120)
    result = json.loads((out / "results.json").read_text())[0]
    assert result["status"] == "failed"
    assert result["cell"] == 3
    assert "ValueError: the loss went up" in result["error"]
    entry = {"image": "img", "check": {"status": "passed"}, "notebooks": [result]}
    assert smoke.failures(entry) == [
        "img: broken.ipynb: cell 3 (raise ValueError('the loss went up')) failed: ValueError: the loss went up"
    ]
