"""Load test: N students arrive at once, through the real login form.

Beforehand (not timed) each student enrols: logs in with their code and
chooses a password. Then all at once (timed): log in through the form, start a
server in ENV, run a cell; then stop. Reports how many got a
ready kernel, seconds from login to kernel answer (p50/p95/max), failures, and
the hub's peak CPU and memory. Loopback only, bounded in count and time.

Usage: python -m tests.loadtest N [ENV]      (make loadtest N=30 ENV=foundations)
       python -m tests.loadtest bench [RUNS]  one student, login to kernel, RUNS times per environment
Writes its report to docs/capacity/<env>-<n>.json (bench: docs/capacity/bench.json), with the
machine it ran on; `make readme` turns those reports into the README's capacity section, so no
number there is typed by hand.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.hubclient import Student

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "docs" / "capacity"  # the README's capacity section is generated from these
PASSWORD = "load-test-passphrase-7"
MAX_STUDENTS = 60


def machine() -> dict:
    """What the numbers were measured on."""
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20),
        "gpus": 0 if not Path("/dev/nvidiactl").exists() else len(list(Path("/dev").glob("nvidia[0-9]*"))),
        "kernel": platform.release(),
        "date": time.strftime("%Y-%m-%d"),
    }


def write_report(name: str, report: dict | list) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), "report": report}, indent=2) + "\n")
    print(f"==> report: {path.relative_to(ROOT)} (run `make readme` to put it in the README)", flush=True)
    return path


def enrol(url: str, name: str, code: str) -> None:
    """Before the morning: log in once with the enrolment code and choose a password."""
    s = Student(url, name)
    assert s.login(code), f"{name}: login with the enrolment code failed"
    s.change_password(code, PASSWORD)


def one_student(url: str, project: str, name: str, environment: str) -> dict:
    """9:00: log in through the form, start a server, run a cell, (later) stop."""
    t0 = time.monotonic()
    result: dict = {"student": name}
    try:
        s = Student(url, name)
        assert s.login(PASSWORD), "login failed"
        result["login_s"] = round(time.monotonic() - t0, 1)
        s.start(environment, timeout=600)
        result["server_s"] = round(time.monotonic() - t0, 1)
        assert s.run("print(6 * 7)", timeout=300).strip() == "42"
        result["seconds"] = round(time.monotonic() - t0, 1)
        result["ok"] = True
        time.sleep(2)
        result["server_memory_mb"] = container_memory_mb(f"{project}-{name}")
        s.stop(timeout=120)
    except Exception as err:  # a failure is a result here, not a crash of the load test
        result.update(ok=False, error=f"{type(err).__name__}: {err}"[:300], seconds=round(time.monotonic() - t0, 1))
    return result


def container_memory_mb(container: str) -> float | None:
    out = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container], capture_output=True, text=True
    ).stdout
    return _to_mb(out.split("/")[0]) if out.strip() else None


def _to_mb(text: str) -> float:
    text = text.strip()
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "kB": 1 / 1000, "MB": 1, "GB": 1000, "B": 1 / 2**20}
    for unit, factor in units.items():
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * factor, 1)
    return 0.0


class HubSampler(threading.Thread):
    """Peak CPU and memory of the hub container, sampled every second."""

    def __init__(self, container: str):
        super().__init__(daemon=True)
        self.container, self.cpu, self.mem, self.stop_flag = container, 0.0, 0.0, threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            out = subprocess.run(
                ["docker", "stats", "--no-stream", "--format", "{{.CPUPerc}} {{.MemUsage}}", self.container],
                capture_output=True,
                text=True,
            ).stdout.split()
            if len(out) >= 2:
                self.cpu = max(self.cpu, float(out[0].rstrip("%") or 0))
                self.mem = max(self.mem, _to_mb(out[1]))


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def run(room, names: list[str], codes: dict[str, str], environment: str) -> dict:
    hub = subprocess.run(
        [
            "docker",
            "ps",
            "-q",
            "--filter",
            f"label=com.docker.compose.project={room.project}",
            "--filter",
            "label=com.docker.compose.service=hub",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    sampler = HubSampler(hub[0]) if hub else None
    if sampler:
        sampler.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: enrol(room.url, n, codes[n]), names))
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        results = list(pool.map(lambda n: one_student(room.url, room.project, n, environment), names))
    if sampler:
        sampler.stop_flag.set()
        sampler.join(timeout=5)
    ok = [r["seconds"] for r in results if r["ok"]]
    memory = [r["server_memory_mb"] for r in results if r.get("server_memory_mb")]

    def p50(key):
        vals = [r[key] for r in results if key in r]
        return percentile(vals, 0.5) if vals else None

    return {
        "environment": environment,
        "students": len(names),
        "ready": len(ok),
        "login_p50_s": p50("login_s"),
        "server_p50_s": p50("server_s"),
        "failures": [r for r in results if not r["ok"]],
        "p50_s": percentile(ok, 0.5) if ok else None,
        "p95_s": percentile(ok, 0.95) if ok else None,
        "max_s": max(ok) if ok else None,
        "wall_s": round(time.monotonic() - t0, 1),
        "hub_peak_cpu_percent": sampler.cpu if sampler else None,
        "hub_peak_memory_mb": sampler.mem if sampler else None,
        "server_memory_mb_median": statistics.median(memory) if memory else None,
    }


def markdown(report: dict) -> str:
    keys = [
        "environment",
        "students",
        "ready",
        "login_p50_s",
        "server_p50_s",
        "p50_s",
        "p95_s",
        "max_s",
        "wall_s",
        "hub_peak_cpu_percent",
        "hub_peak_memory_mb",
        "server_memory_mb_median",
    ]
    lines = ["| " + " | ".join(keys) + " | failures |", "|" + "---|" * (len(keys) + 1)]
    lines.append("| " + " | ".join(str(report[k]) for k in keys) + f" | {len(report['failures'])} |")
    for f in report["failures"]:
        lines.append(f"\n- {f['student']}: {f['error']}")
    return "\n".join(lines) + "\n"


def bench(runs: int) -> list[dict]:
    """One student at a time: login to a ready kernel, RUNS times per environment."""
    from dlcourse.manifest import load_images
    from tools.stack import Classroom

    work = ROOT / "build" / "loadtest"
    work.mkdir(parents=True, exist_ok=True)
    roster = work / "bench-roster.csv"
    roster.write_text("username,role\nteacher,instructor\nbench,student\n")
    room = Classroom(project="dlcourse-load", port=18100, roster=roster)
    room.down(volumes=True)
    rows = []
    try:
        room.up()
        codes = room.pending_codes()
        enrol(room.url, "bench", codes["bench"])
        for environment in load_images().environments:
            results = [one_student(room.url, room.project, "bench", environment) for _ in range(runs)]
            ok = [r["seconds"] for r in results if r["ok"]]
            memory = [r["server_memory_mb"] for r in results if r.get("server_memory_mb")]
            rows.append(
                {
                    "environment": environment,
                    "runs": runs,
                    "ok": len(ok),
                    "p50_s": percentile(ok, 0.5) if ok else None,
                    "p95_s": percentile(ok, 0.95) if ok else None,
                    "idle_server_mb": statistics.median(memory) if memory else None,
                }
            )
            print(rows[-1], flush=True)
    finally:
        room.down(volumes=True)
    write_report("bench", {"runs": runs, "environments": rows})
    return rows


def main(argv: list[str]) -> int:
    from tools.stack import Classroom

    if argv[:1] == ["bench"]:
        rows = bench(int(argv[1]) if len(argv) > 1 else 10)
        return 0 if all(r["ok"] == r["runs"] for r in rows) else 1
    n = int(argv[0]) if argv else 5
    environment = argv[1] if len(argv) > 1 else "foundations"
    if not 1 <= n <= MAX_STUDENTS:
        raise SystemExit(f"error: N={n}; allowed: 1 to {MAX_STUDENTS}")
    work = ROOT / "build" / "loadtest"
    work.mkdir(parents=True, exist_ok=True)
    names = [f"load{i:03d}" for i in range(1, n + 1)]
    roster = work / "roster.csv"
    roster.write_text("username,role\nteacher,instructor\n" + "".join(f"{name},student\n" for name in names))
    room = Classroom(project="dlcourse-load", port=18100, roster=roster)
    room.down(volumes=True)
    try:
        print(f"==> {n} students at once in {environment} (a fresh classroom on port {room.port})", flush=True)
        room.up()
        codes = room.pending_codes()
        report = run(room, names, codes, environment)
    finally:
        room.down(volumes=True)
    write_report(f"{environment}-{n}", report)
    print(markdown(report))
    return 0 if report["ready"] == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
