"""The one-time enrolment codes of the roster login: kept in a CSV file in the hub's state
volume (mode 600), each valid until its student chooses a password.

A module of its own, light to import, so `make codes` and `make roster` answer at once:
python3 -m dlcourse.codes   (inside the hub container) prints the pending codes.
"""

from __future__ import annotations

import csv
import os
import secrets
import sys
from pathlib import Path

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
CODES_FILE = "enrolment-codes.csv"  # in the hub's state folder


def new_code() -> str:
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))


def read_codes(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open() as fh:
        return {row["username"]: row["code"] for row in csv.DictReader(fh)}


def write_codes(path: Path, codes: dict[str, str]) -> None:
    tmp = path.with_suffix(".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["username", "code"])
        writer.writerows(sorted(codes.items()))
    os.replace(tmp, path)


def pending_codes(db_url: str, codes_path: str) -> list[tuple[str, str]]:
    """(username, code) for accounts whose code is still their password (for `make roster`)."""
    from jupyterhub.orm import new_session_factory
    from nativeauthenticator.orm import UserInfo

    db = new_session_factory(db_url)()
    result = []
    for name, code in sorted(read_codes(Path(codes_path)).items()):
        info = UserInfo.find(db, name)
        if info is not None and info.is_valid_password(code):
            result.append((name, code))
    return result


if __name__ == "__main__":
    if sys.argv[1:]:
        raise SystemExit("usage: python3 -m dlcourse.codes   (prints the pending enrolment codes)")
    state = Path(os.environ.get("CLASSROOM_STATE_DIR", "/srv/jupyterhub"))
    rows = pending_codes(f"sqlite:///{state / 'jupyterhub.sqlite'}", str(state / CODES_FILE))
    if not rows:
        print("No pending enrolment codes: everyone on the roster has chosen a password.")
    for name, code in rows:
        print(f"  {name:<24} {code}")
