"""Generate the README's tables: the course and the images from the manifest and images.toml,
the capacity section from the load test's own reports (docs/capacity/*.json).

The tables sit between marker comments in README.md; `make readme` rewrites them
and the test suite fails when they are stale, so the README never drifts from
notebooks/course.toml, images/images.toml or the measurements.

Usage: python3 -m tools.readme [--check]
"""

from __future__ import annotations

import json
import re
import sys

from dlcourse.manifest import ROOT, load_course, load_images

README = ROOT / "README.md"
CAPACITY = ROOT / "docs" / "capacity"  # written by tests/loadtest.py (make loadtest)


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


def _reports() -> list[tuple[dict, dict]]:
    """(machine, report) of every load test report, bench excluded."""
    found = []
    for path in sorted(CAPACITY.glob("*.json")):
        if path.stem != "bench":
            data = json.loads(path.read_text())
            found.append((data["machine"], data["report"]))
    return found


def _on(machine: dict) -> str:
    gpus = f", {machine['gpus']} GPU(s)" if machine["gpus"] else ", no GPU"
    return f"{machine['cpus']} cores, {machine['memory_gib']} GiB{gpus}, {machine['date']}"


def capacity_table() -> str:
    images = load_images()
    order = {images.images[f].environment: i for i, f in enumerate(images.build_order())}
    rows = [
        "| students at once | environment | got a kernel | failures | login p50 | login to kernel p50 / p95 / max "
        "| hub peak CPU / memory | idle server memory | measured on |",
        "|---:|---|---:|---:|---:|---|---|---:|---|",
    ]
    reports = sorted(_reports(), key=lambda mr: (-mr[1]["students"], order.get(mr[1]["environment"], 99)))
    for machine, r in reports:
        rows.append(
            f"| {r['students']} | {images.by_environment(r['environment']).display_name} | {r['ready']} "
            f"| {len(r['failures'])} | {r['login_p50_s']} s | {r['p50_s']} / {r['p95_s']} / {r['max_s']} s "
            f"| {r['hub_peak_cpu_percent']:.0f} % / {r['hub_peak_memory_mb']:.0f} MB "
            f"| {r['server_memory_mb_median']:.0f} MB | {_on(machine)} |"
        )
    if not reports:
        rows.append("| no report yet: run `make loadtest` | | | | | | | | |")
    return "\n".join(rows)


def bench_table() -> str:
    path = CAPACITY / "bench.json"
    if not path.exists():
        return "No single-student report yet: run `python -m tests.loadtest bench 10`."
    data = json.loads(path.read_text())
    images = load_images()
    rows = [
        f"One student alone, {data['report']['runs']} times per environment "
        f"(`python -m tests.loadtest bench {data['report']['runs']}`, {_on(data['machine'])}):",
        "",
        "| environment | got a kernel | login to kernel p50 / p95 | idle server memory |",
        "|---|---:|---|---:|",
    ]
    for r in data["report"]["environments"]:
        rows.append(
            f"| {images.by_environment(r['environment']).display_name} | {r['ok']} of {r['runs']} "
            f"| {r['p50_s']} / {r['p95_s']} s | {r['idle_server_mb']:.0f} MB |"
        )
    return "\n".join(rows)


SECTIONS = {"course": course_table, "images": image_table, "capacity": capacity_table, "bench": bench_table}


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
