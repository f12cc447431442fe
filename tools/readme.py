"""Generate the README's course and image tables from the manifest and images.toml.

The tables sit between marker comments in README.md; `make readme` rewrites them
and the test suite fails when they are stale, so the README never drifts from
notebooks/course.toml and images/images.toml.

Usage: python3 -m tools.readme [--check]
"""

from __future__ import annotations

import re
import sys

from dlcourse.manifest import ROOT, load_course, load_images

README = ROOT / "README.md"


def course_table() -> str:
    images = load_images()
    course = load_course(images=images)
    rows = ["| # | Part | Notebook | Environment | Companion video |", "|---:|---|---|---|---|"]
    for n, nb in enumerate(course.notebooks, start=1):
        videos = " · ".join(f"[{name}]({url})" for name, url in nb.videos)
        rows.append(
            f"| {n} | {nb.part}. {course.parts[nb.part]} | [{nb.title}](notebooks/{nb.file})<br>`{nb.file}` | "
            f"{images.by_environment(nb.environment).display_name} | {videos} |"
        )
    return "\n".join(rows)


def image_table() -> str:
    images = load_images()
    rows = ["| Environment | Image | Builds on | What it adds | Minimum NVIDIA driver |", "|---|---|---|---|---|"]
    for folder in images.build_order():
        image = images.images[folder]
        parent = images.images[image.parent].display_name if image.parent else f"debian:{images.debian}-slim"
        driver = f"{image.min_driver} or newer" if image.min_driver else "none (no CUDA)"
        rows.append(f"| {image.display_name} | `{images.ref(folder)}` | {parent} | {image.description} | {driver} |")
    return "\n".join(rows)


SECTIONS = {"course": course_table, "images": image_table}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:begin[^>]*-->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"error: README.md lacks the <!-- {name}:begin --> ... <!-- {name}:end --> markers")
        table = make()
        text = pattern.sub(lambda m, table=table: m.group(1) + table + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text()
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md tables are stale: run `make readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh)
    print("README.md tables updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
