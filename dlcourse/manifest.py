"""Read and validate the project's two sources of truth.

- images/images.toml: image names, tag, Debian release, Python, what each image adds
- notebooks/course.toml: the course manifest (notebooks in teaching order)

Every other part (Makefile, smoke runs, README table, hub) goes through here, so a
wrong value is reported once, naming the file, the key, the value and what is allowed.
Standard library only: the Makefile runs this before any virtual environment exists.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES_TOML = ROOT / "images" / "images.toml"
COURSE_TOML = ROOT / "notebooks" / "course.toml"
NOTEBOOKS = ROOT / "notebooks"


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key and what is allowed."""


def _require(table: dict, key: str, kind: type, where: str):
    if key not in table:
        raise ConfigError(f"{where}: missing key '{key}'")
    value = table[key]
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: '{key}' = {value!r} must be a {kind.__name__}")
    return value


@dataclass(frozen=True)
class Image:
    folder: str
    name: str
    parent: str
    environment: str
    display_name: str
    description: str
    framework: str
    cuda_libs: tuple[str, ...]
    min_driver: str
    modules: tuple[str, ...] = ()
    smoke_env: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Images:
    tag: str
    debian: str
    python: str
    images: dict[str, Image]
    hub_image: str = "dlcourse/hub"

    @property
    def hub_ref(self) -> str:
        return f"{self.hub_image}:{self.tag}"

    def ref(self, folder: str) -> str:
        """Full reference (name:tag) of the course image built from images/<folder>."""
        return f"{self.images[folder].name}:{self.tag}"

    def stack_ref(self, folder: str) -> str:
        """The image's software stack without the course, which child images build on."""
        return f"{self.images[folder].name}-stack:{self.tag}"

    def by_environment(self, environment: str) -> Image:
        for image in self.images.values():
            if image.environment == environment:
                return image
        raise KeyError(environment)

    @property
    def environments(self) -> list[str]:
        return [image.environment for image in self.images.values()]

    @property
    def foundations(self) -> Image:
        """The root image: its environment's notebooks run in every image."""
        return next(image for image in self.images.values() if not image.parent)

    def modules_for(self, environment: str) -> set[str]:
        """Modules a notebook of this environment may import (its image and its parents)."""
        image, allowed = self.by_environment(environment), set()
        while image:
            allowed |= set(image.modules)
            image = self.images.get(image.parent)
        return allowed

    def lineage(self, folder: str) -> list[str]:
        """The image and the images it builds on, nearest first: foundations is in every lineage."""
        chain = [folder]
        while self.images[chain[-1]].parent:
            chain.append(self.images[chain[-1]].parent)
        return chain

    def build_order(self) -> list[str]:
        order: list[str] = []

        def visit(folder: str) -> None:
            if folder in order:
                return
            parent = self.images[folder].parent
            if parent:
                visit(parent)
            order.append(folder)

        for folder in self.images:
            visit(folder)
        return order


def load_images(path: Path = IMAGES_TOML) -> Images:
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    data = tomllib.loads(path.read_text())
    tag = _require(data, "tag", str, str(where))
    debian = _require(data, "debian", str, str(where))
    python = _require(data, "python", str, str(where))
    table = _require(data, "image", dict, str(where))
    images: dict[str, Image] = {}
    for folder, spec in table.items():
        at = f"{where} [image.{folder}]"
        if not (ROOT / "images" / folder / "Dockerfile").is_file() and path == IMAGES_TOML:
            raise ConfigError(f"{at}: images/{folder}/Dockerfile does not exist")
        images[folder] = Image(
            folder=folder,
            name=_require(spec, "name", str, at),
            parent=_require(spec, "parent", str, at),
            environment=_require(spec, "environment", str, at),
            display_name=_require(spec, "display_name", str, at),
            description=_require(spec, "description", str, at),
            framework=_require(spec, "framework", str, at),
            cuda_libs=tuple(_require(spec, "cuda_libs", list, at)),
            min_driver=_require(spec, "min_driver", str, at),
            modules=tuple(_require(spec, "modules", list, at)),
            smoke_env=dict(spec.get("smoke_env", {})),
        )
    for image in images.values():
        if image.parent and image.parent not in images:
            raise ConfigError(
                f"{where} [image.{image.folder}]: parent = {image.parent!r}; allowed: '' or one of {sorted(images)}"
            )
    roots = [i.folder for i in images.values() if not i.parent]
    if len(roots) != 1:
        raise ConfigError(f"{where}: exactly one image must have parent = '' (found {roots})")
    envs = [i.environment for i in images.values()]
    if len(set(envs)) != len(envs):
        raise ConfigError(f"{where}: each image needs its own environment (found {envs})")
    return Images(
        tag=tag, debian=debian, python=python, images=images, hub_image=_require(data, "hub_image", str, str(where))
    )


@dataclass(frozen=True)
class Notebook:
    file: str
    part: int
    title: str
    environment: str
    videos: tuple[tuple[str, str], ...]  # (name, url)
    smoke_budget: int
    points: int = 0

    @property
    def path(self) -> Path:
        return NOTEBOOKS / self.file


@dataclass(frozen=True)
class Course:
    title: str
    repository: str
    parts: dict[int, str]
    notebooks: tuple[Notebook, ...]

    def colab_url(self, notebook: Notebook) -> str:
        return f"https://colab.research.google.com/github/{self.repository}/blob/main/notebooks/student/{notebook.file}"

    def for_environments(self, environments: set[str]) -> list[Notebook]:
        return [nb for nb in self.notebooks if nb.environment in environments]


def load_course(path: Path | None = None, images: Images | None = None) -> Course:
    path = path or COURSE_TOML
    images = images or load_images()
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    data = tomllib.loads(path.read_text())
    course = _require(data, "course", dict, str(where))
    videos = _require(data, "videos", dict, str(where))
    parts = {
        int(_require(p, "number", int, f"{where} [[part]]")): _require(p, "title", str, f"{where} [[part]]")
        for p in _require(data, "part", list, str(where))
    }
    notebooks: list[Notebook] = []
    seen: set[str] = set()
    for i, entry in enumerate(_require(data, "notebook", list, str(where)), start=1):
        at = f"{where} notebook #{i} ({entry.get('file', '?')})"
        file = _require(entry, "file", str, at)
        if not file.endswith(".ipynb") or "/" in file:
            raise ConfigError(f"{at}: file = {file!r} must be a .ipynb file name in notebooks/")
        if file in seen:
            raise ConfigError(f"{at}: file = {file!r} is listed twice")
        seen.add(file)
        part = _require(entry, "part", int, at)
        if part not in parts:
            raise ConfigError(f"{at}: part = {part}; allowed: {sorted(parts)}")
        env = _require(entry, "environment", str, at)
        if env not in images.environments:
            raise ConfigError(f"{at}: environment = {env!r}; allowed: {images.environments}")
        names = _require(entry, "videos", list, at)
        for name in names:
            if name not in videos:
                raise ConfigError(f"{at}: video {name!r} is not in [videos]; allowed: {sorted(videos)}")
        budget = _require(entry, "smoke_budget", int, at)
        if not 0 < budget <= 600:
            raise ConfigError(f"{at}: smoke_budget = {budget}; allowed: 1 to 600 seconds")
        points = _require(entry, "points", int, at)
        if points < 1:
            raise ConfigError(f"{at}: points = {points}; allowed: 1 or more (the sum of its exercise checks' points)")
        notebooks.append(
            Notebook(
                file=file,
                part=part,
                title=_require(entry, "title", str, at),
                environment=env,
                videos=tuple((n, videos[n]) for n in names),
                smoke_budget=budget,
                points=points,
            )
        )
    if [nb.part for nb in notebooks] != sorted(nb.part for nb in notebooks):
        raise ConfigError(f"{where}: notebooks must be listed in teaching order (parts ascending)")
    return Course(
        title=_require(course, "title", str, f"{where} [course]"),
        repository=_require(course, "repository", str, f"{where} [course]"),
        parts=parts,
        notebooks=tuple(notebooks),
    )
