"""Fast checks of every course notebook, no Docker needed (they run first)."""

import ast
import re
import sys

import nbformat
import pytest

from dlcourse.manifest import NOTEBOOKS, load_course, load_images

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


def test_exercises_have_hidden_solutions_and_asserting_checks(entry):
    cells = load(entry.file).cells
    solutions = [i for i, c in enumerate(cells) if "solution" in c.metadata.get("tags", [])]
    assert 2 <= len(solutions) <= 5, f"expected 2 to 5 exercises with solution cells, found {len(solutions)}"
    for i in solutions:
        assert cells[i].cell_type == "code"
        assert cells[i].metadata.get("jupyter", {}).get("source_hidden") is True, f"solution cell {i} is not collapsed"
        check = next((c for c in cells[i + 1 :] if c.cell_type == "code"), None)
        assert check is not None and "check" in check.metadata.get("tags", []), (
            f"solution cell {i} must be followed by a code cell tagged 'check'"
        )
        assert re.search(r"\bassert\b|np\.testing\.|assert_allclose", check.source), (
            f"the check after solution cell {i} must assert something"
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
