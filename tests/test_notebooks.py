"""Fast checks of every course notebook, no Docker needed (they run first)."""

import ast
import re
import runpy
import sys
from pathlib import Path

import nbformat
import pytest

from dlcourse.manifest import NOTEBOOKS, ROOT, load_course, load_images
from tools.exercise_runner import exercise_groups, nbgrader

COURSE = load_course(images=load_images())
ENTRIES = {nb.file: nb for nb in COURSE.notebooks}
NOTEBOOK_FILES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))

# What a notebook must never do: the course runs offline, in labs with no network.
DOWNLOADS = re.compile(
    r"download\s*=\s*True|fetch_openml|urlretrieve|urlopen|requests\.get|"
    r"keras\.datasets|tfds\.load|load_dataset\(|!\s*(wget|curl|pip)\b|%pip\b|get_file\("
)


def test_manifest_and_files_agree():
    missing = [f for f in ENTRIES if f not in NOTEBOOK_FILES]
    unlisted = [f for f in NOTEBOOK_FILES if f not in ENTRIES]
    assert not missing, f"in notebooks/course.toml but no file in notebooks/: {missing}"
    assert not unlisted, f"notebook files with no entry in notebooks/course.toml: {unlisted}"


def load(name):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(params=sorted(ENTRIES), scope="module")
def entry(request):
    return ENTRIES[request.param]


def test_valid_nbformat4_with_python3_kernel(entry):
    nb = load(entry.file)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_stored_without_outputs(entry):
    for i, cell in enumerate(code_cells(load(entry.file))):
        assert not cell.outputs, f"code cell {i} has outputs: clear them before committing"
        assert cell.execution_count is None, f"code cell {i} has an execution count"


def test_title_cell_has_title_colab_badge_environment_and_video(entry, images):
    first = load(entry.file).cells[0]
    assert first.cell_type == "markdown"
    text = first.source
    assert text.startswith(f"# {entry.title}\n"), f"title cell must start with '# {entry.title}'"
    assert "colab-badge.svg" in text and COURSE.colab_url(entry) in text, (
        f"Open in Colab badge must link to {COURSE.colab_url(entry)}"
    )
    assert f"Environment: {images.by_environment(entry.environment).display_name}" in text
    for _, url in entry.videos:
        assert url in text, f"companion video {url} missing from the title cell"
    assert "Prerequisites" in text and "run time" in text.lower()


def test_first_code_cell_is_parameters_with_smoke(entry):
    first = code_cells(load(entry.file))[0]
    assert "parameters" in first.metadata.get("tags", []), "first code cell must be tagged 'parameters'"
    tree = ast.parse(first.source)
    names = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name), (
            f"parameters cell may hold only plain assignments, found: {ast.unparse(node)}"
        )
        names[node.targets[0].id] = ast.literal_eval(node.value)
    assert names.get("SMOKE") is False, "parameters cell must set SMOKE = False"
    assert isinstance(names.get("SEED"), int), "parameters cell must set an integer SEED"


def imported_modules(nb):
    modules = set()
    for cell in code_cells(nb):
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def test_imports_only_packages_of_its_image(entry, images):
    allowed = images.modules_for(entry.environment) | set(sys.stdlib_module_names)
    extra = imported_modules(load(entry.file)) - allowed
    assert not extra, f"imports {sorted(extra)}, not in the {entry.environment} image (images/images.toml modules)"


def test_downloads_nothing(entry):
    for i, cell in enumerate(code_cells(load(entry.file))):
        match = DOWNLOADS.search(cell.source)
        assert not match, f"code cell {i} downloads ({match.group(0)!r}): the course must run offline"


def exercises(nb):
    """[(answer cell, [its check cells])] in order (tools/exercise_runner.py says which cells belong together)."""
    return [(nb.cells[a], [nb.cells[i] for i in checks]) for a, checks in exercise_groups(nb.cells).items()]


def test_exercises_are_in_nbgrader_format(entry):
    nb = load(entry.file)
    found = exercises(nb)
    assert 2 <= len(found) <= 5, f"expected 2 to 5 exercises (nbgrader solution cells), found {len(found)}"
    old = [i for i, c in enumerate(nb.cells) if {"solution", "check"} & set(c.metadata.get("tags", []))]
    assert not old, f"cells {old} still carry the old 'solution'/'check' tags"
    helper = [c for c in nb.cells if nbgrader(c).get("grade_id") == "exercise-helper"]
    assert len(helper) == 1 and nbgrader(helper[0]).get("locked"), "one locked 'exercise-helper' cell"
    assert nb.cells.index(helper[0]) < nb.cells.index(found[0][0]), "the exercise helper comes before the exercises"
    ids = [nbgrader(c)["grade_id"] for c in nb.cells if nbgrader(c).get("grade_id")]
    assert len(ids) == len(set(ids)), f"grade_ids must be unique: {ids}"
    for n, (answer, checks) in enumerate(found, start=1):
        meta = nbgrader(answer)
        assert answer.cell_type == "code" and meta["grade_id"] == f"ex{n}-answer" and not meta.get("locked")
        assert "### BEGIN SOLUTION" in answer.source and "### END SOLUTION" in answer.source, meta["grade_id"]
        tree = ast.parse(answer.source)
        assert any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in tree.body), (
            f"{meta['grade_id']} must define a function, so that Run All never stops in the answer cell"
        )
        assert checks, f"{meta['grade_id']} has no check cell"
        for check in checks:
            cmeta = nbgrader(check)
            where = cmeta["grade_id"]
            assert cmeta.get("locked") and cmeta.get("points", 0) > 0, f"{where}: locked, with points"
            assert "raises-exception" in check.metadata.get("tags", []), f"{where}: tag 'raises-exception'"
            assert check.source.lstrip().startswith(f"with exercise({n},"), f"{where}: inside `with exercise({n}, ...)`"
            assert re.search(r"\bassert\b|np\.testing\.", check.source), f"{where} must assert something"


def test_manifest_points_are_the_notebooks_check_points(entry):
    points = sum(nbgrader(c).get("points", 0) for c in load(entry.file).cells if nbgrader(c).get("grade"))
    assert entry.points == points, f"notebooks/course.toml says points = {entry.points}; the checks add up to {points}"


def test_every_answer_has_three_wrong_answers_in_the_corpus(entry):
    path = ROOT / "tests" / "exercises" / f"{Path(entry.file).stem}.py"
    assert path.exists(), f"no wrong-answer corpus {path.relative_to(ROOT)}"
    corpus = runpy.run_path(str(path))["WRONG_ANSWERS"]
    answers = [nbgrader(a)["grade_id"] for a, _ in exercises(load(entry.file))]
    assert sorted(corpus) == sorted(answers), f"the corpus must cover exactly the answer cells {answers}"
    for grade_id, wrong in corpus.items():
        assert len(wrong) >= 3, f"{grade_id}: {len(wrong)} wrong answers; at least 3"
        for why, code in wrong:
            assert why and compile(code, f"{path.name}:{grade_id}", "exec")


def test_student_version_is_generated_from_the_source_and_current(entry):
    from tools import student

    committed = NOTEBOOKS / "student" / entry.file
    assert committed.exists(), f"{committed.relative_to(ROOT)} is missing: run `make student`"
    fresh = student.render(student.generate(load(entry.file)))
    assert committed.read_text() == fresh, f"{committed.relative_to(ROOT)} is stale: run `make student`"
    for marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
        assert marker not in "".join(
            c.source for c in nbformat.reads(fresh, as_version=4).cells if c.cell_type == "code"
        )


FRAMEWORK_ENTRIES = sorted(f for f, nb in ENTRIES.items() if load_images().by_environment(nb.environment).framework)


@pytest.mark.parametrize("name", FRAMEWORK_ENTRIES)
def test_framework_notebooks_stop_with_a_friendly_sentence(name, images):
    entry = ENTRIES[name]
    image = images.by_environment(entry.environment)
    for cell in code_cells(load(entry.file))[:4]:
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Try) and any(
                isinstance(n, (ast.Import, ast.ImportFrom)) and image.framework in ast.unparse(n)
                for n in ast.walk(ast.Module(body=node.body, type_ignores=[]))
            ):
                message = " ".join(ast.unparse(h) for h in node.handlers)
                assert "ImportError" in message and image.display_name in message, (
                    f"the import guard must raise an ImportError naming the '{image.display_name}' environment"
                )
                return
    pytest.fail(f"no guarded `import {image.framework}` in the first code cells")
