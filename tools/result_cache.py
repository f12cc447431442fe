"""A cache of notebook runs that passed, keyed on everything the run reads.

A smoke run or an exercise proof of one notebook depends only on the image (its
content digest), the notebook, the wrong-answer corpus, the runner code that ran it,
the environment it got and its budget. When all of those are the same as in a run
that passed, running it again proves nothing new, so `make test` reuses that result
and marks it "cached" in its report; change any of them (rebuild an image, edit a
notebook or a runner) and the notebook runs again. Only passes are kept: a failure
always runs again.

DLCOURSE_TEST_CACHE names the cache folder; "off" turns the cache off (every run is
real). Default: $XDG_CACHE_HOME/dlcourse/test-results (~/.cache/...), outside the
checkout, so a clean clone on the same machine reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from tools.docker_cli import image_info

VARIABLE = "DLCOURSE_TEST_CACHE"


def key(**parts: object) -> str:
    """The cache key of a run: a digest of its named parts (bytes, str, or anything JSON writes)."""
    digest = hashlib.sha256()
    for name in sorted(parts):
        value = parts[name]
        if isinstance(value, bytes):
            data = value
        elif isinstance(value, str):
            data = value.encode()
        else:
            data = json.dumps(value, sort_keys=True).encode()
        digest.update(f"{name}:{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def image_digest(ref: str) -> str:
    """The image's content id: a rebuilt image that changed anything has another one."""
    return image_info(ref)["Id"]


class ResultCache:
    """Passed results under FOLDER, one JSON file per key; FOLDER None: nothing is kept or found."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ResultCache:
        environ = os.environ if environ is None else environ
        setting = environ.get(VARIABLE, "")
        if setting.strip().lower() == "off":
            return cls(None)
        if setting:
            return cls(Path(setting).expanduser())
        base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cls(base / "dlcourse" / "test-results")

    def get(self, run_key: str) -> dict | None:
        """The passed result stored under RUN_KEY, marked cached, or None."""
        if self.folder is None:
            return None
        path = self.folder / f"{run_key}.json"
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return {**stored["result"], "cached": stored["when"]}

    def put(self, run_key: str, result: dict) -> None:
        """Keep RESULT (a run that passed) under RUN_KEY; a folder that cannot be written keeps nothing."""
        if self.folder is None:
            return
        result = {k: v for k, v in result.items() if k != "cached"}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{run_key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M"), "result": result}))
            tmp.replace(self.folder / f"{run_key}.json")
        except OSError as exc:
            print(f"note: the test-result cache {self.folder} is not writable ({exc}); nothing kept", flush=True)


def ran(result: dict) -> str:
    """The report's "ran" column: now, or when the cached pass ran."""
    return f"cached ({result['cached']})" if result.get("cached") else "now"


def reuse_or_run(
    cache: ResultCache,
    keys: dict[str, str],
    run: Callable[[list[str]], dict[str, dict]],
    passed: Callable[[dict], bool],
) -> dict[str, dict]:
    """The result for each name of KEYS (name -> cache key): its stored pass, or a fresh result from
    RUN, which gets the names not found (one call, only when there are any) and returns a result by
    name. Fresh results that PASSED are stored. Names RUN returned nothing for are left out."""
    found = {name: hit for name, run_key in keys.items() if (hit := cache.get(run_key)) is not None}
    missing = [name for name in keys if name not in found]
    fresh = run(missing) if missing else {}
    for name, result in fresh.items():
        if passed(result):
            cache.put(keys[name], result)
    return {name: found[name] if name in found else fresh[name] for name in keys if name in found or name in fresh}
