"""Login for a class: NativeAuthenticator accounts made from the roster.

Each roster row gets an account with a one-time enrolment code (the instructor
hands it out; `make roster` prints the pending ones). Sign-up is off, so nobody
can claim another student's name or get in from off the roster. A student who
still has their code can log in but cannot start a server until they choose a
password of their own (/hub/change-password); then the code is worthless.
The roster is re-read when it changes: removing a row locks that person out at
once (their files stay); adding rows takes `make roster` (it restarts the hub,
which creates the new accounts). Instructors are hub admins.
"""

from __future__ import annotations

import asyncio
import csv
import os
import secrets
import sys
from pathlib import Path

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from tornado import web
from traitlets import Unicode, default

from dlcourse.settings import ConfigError, load_roster

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


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


class RosterAuthenticator(NativeAuthenticator):
    roster_path = Unicode(config=True, help="The roster CSV (username,role[,section]).")
    codes_path = Unicode(
        "/srv/jupyterhub/enrolment-codes.csv",
        config=True,
        help="Where the one-time enrolment codes are kept (mode 600, hub state volume).",
    )

    @default("any_allow_config")
    def _any_allow_config(self):
        return True  # check_allowed below is the allow configuration: the roster

    @default("enable_signup")
    def _enable_signup(self):
        return False

    @default("check_common_password")
    def _check_common_password(self):
        return True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._roster = ({}, None)
        self.sync_roster()

    def roster(self) -> dict:
        """The roster, re-read when the file changes; a broken edit keeps the last good one."""
        path = Path(self.roster_path)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = None
        members, seen = self._roster
        if mtime != seen:
            try:
                members = load_roster(path)
            except ConfigError as err:
                self.log.error("Roster not reloaded (the previous one stays in force): %s", err)
            self._roster = (members, mtime)
        return members

    def sync_roster(self) -> list[str]:
        """Create an account with a one-time code for every roster row that has none."""
        codes, created = read_codes(Path(self.codes_path)), []
        for name in self.roster():
            if UserInfo.find(self.db, name) is None:
                code = new_code()
                self.db.add(
                    UserInfo(username=name, password=bcrypt.hashpw(code.encode(), bcrypt.gensalt()), is_authorized=True)
                )
                codes[name] = code
                created.append(name)
        self.db.commit()
        write_codes(Path(self.codes_path), codes)
        if created:
            self.log.info("Roster: created %d account(s) with enrolment codes: %s", len(created), ", ".join(created))
        return created

    def pending_code(self, username: str) -> str | None:
        """The user's enrolment code while it is still their password, else None."""
        code = read_codes(Path(self.codes_path)).get(username)
        info = UserInfo.find(self.db, username)
        return code if code and info is not None and info.is_valid_password(code) else None

    async def authenticate(self, handler, data):
        """NativeAuthenticator's password check (with its lock-out), but the bcrypt
        comparison runs in a thread: 30 students logging in at 9:00 no longer wait
        for each other's hashing on the hub's event loop. (No 2FA in a classroom.)"""
        username = self.normalize_username(data["username"])
        user = self.get_user(username)
        if user is None or (self.allowed_failed_logins and self.is_blocked(username)):
            return None
        stored = user.password
        good = await asyncio.to_thread(bcrypt.checkpw, data["password"].encode(), stored)
        if good and user.is_authorized:
            self.successful_login(username)
            return username
        self.add_login_attempt(username)
        return None

    def check_allowed(self, username, authentication=None):
        return username in self.roster()

    def is_admin(self, handler, authentication):
        member = self.roster().get(authentication["name"])
        return member is not None and member.role == "instructor"

    async def pre_spawn_start(self, user, spawner):
        if self.pending_code(user.name):
            raise web.HTTPError(
                403,
                "You are still using your one-time enrolment code. Choose your own "
                "password first: open /hub/change-password, then start your server.",
            )


def pending_codes(db_url: str, codes_path: str) -> list[tuple[str, str]]:
    """(username, code) for accounts whose code is still their password (for `make roster`)."""
    from jupyterhub.orm import new_session_factory

    db = new_session_factory(db_url)()
    result = []
    for name, code in sorted(read_codes(Path(codes_path)).items()):
        info = UserInfo.find(db, name)
        if info is not None and info.is_valid_password(code):
            result.append((name, code))
    return result


if __name__ == "__main__":
    # python3 -m dlcourse.auth codes: print the pending enrolment codes
    if sys.argv[1:] != ["codes"]:
        raise SystemExit("usage: python3 -m dlcourse.auth codes")
    rows = pending_codes(
        os.environ.get("HUB_DB_URL", "sqlite:////srv/jupyterhub/jupyterhub.sqlite"),
        "/srv/jupyterhub/enrolment-codes.csv",
    )
    if not rows:
        print("No pending enrolment codes: everyone on the roster has chosen a password.")
    for name, code in rows:
        print(f"  {name:<24} {code}")
