"""What every command-line tool of the project shares: progress lines and error handling."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dlcourse.manifest import ConfigError


def say(message: str) -> None:
    """One line of progress, flushed at once (builds and test runs are long)."""
    print(f"==> {message}", flush=True)


def cli(main, *errors: type[Exception]) -> None:
    """Run a tool's main(argv): a configuration error (exit 2) or one of ERRORS (exit 1)
    is one line on stderr, never a traceback."""
    try:
        raise SystemExit(main(sys.argv[1:]))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except errors as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None


def write_report(folder: Path, report: list[dict], markdown: str) -> None:
    """A checking tool's report: FOLDER/report.json (the entries) and FOLDER/report.md (the table)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (folder / "report.md").write_text(markdown)


def verdict(table: str, problems: list[str], report: str) -> int:
    """End a checking tool: print its table and each problem (FAIL ..., on stderr); exit 1 if any."""
    print(table)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    say(f"report: {report}")
    return 1 if problems else 0
