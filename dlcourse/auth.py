"""Login for a class: the roster decides who may enter, whatever proves who they are.

With `[auth] type = "roster"` (RosterAuthenticator), each roster row gets a
NativeAuthenticator account with a one-time enrolment code (the instructor hands
it out; `make roster` prints the pending ones). Sign-up is off, so nobody can
claim another student's name or get in from off the roster. A student who still
has their code can log in but cannot start a server until they choose a password
of their own (/hub/change-password); then the code is worthless. Adding rows
takes `make roster` (it restarts the hub, which creates the new accounts).

With GitHub, Google or LTI 1.3 (GitHubRosterAuthenticator, GoogleRosterAuthenticator,
LTI13RosterAuthenticator) the provider proves identity and the roster, re-read at
every login, decides who gets in; each row holds the username that provider gives
(dlcourse.settings.USERNAME says which).

For every type the roster is re-read when the file changes. Removing a row locks
that person out within ROSTER_CHECK_SECONDS (well within a minute): the hub's roster
watch ends their browser sessions (a new cookie id), revokes their API and OAuth
tokens and stops their servers through the hub (proxy route removed, the
spawner's post_stop hook run; their files stay in their volume). Between two
checks, refresh_user (every AUTH_REFRESH_SECONDS and before each spawn) refuses
them too. The same reconciliation runs when the hub starts, for rows removed
while it was down.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import bcrypt
from jupyterhub import orm
from jupyterhub.app import JupyterHub
from jupyterhub.auth import Authenticator
from jupyterhub.utils import new_token
from ltiauthenticator.lti13.auth import LTI13Authenticator
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator import handlers as native
from nativeauthenticator.orm import UserInfo
from oauthenticator.github import GitHubOAuthenticator
from oauthenticator.google import GoogleOAuthenticator
from tornado import web
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets import Float, Unicode, default

from dlcourse.codes import CODES_FILE, new_code, read_codes, write_codes
from dlcourse.settings import AUTH_TYPES, USERNAME_OPTIONS, ConfigError, load_roster

# How often the hub re-reads the roster and locks out everyone whose row is gone. With
# DockerSpawner's stop (10 s at most) a removed person is out within 25 s of the edit.
ROSTER_CHECK_SECONDS = 15
# How old a session's roster check may get before the next request repeats it
# (Authenticator.auth_refresh_age): the back-up to the watch between two of its checks.
# A check is a stat() of the roster file and a set lookup, cheap enough for every request.
AUTH_REFRESH_SECONDS = 30
# bcrypt uses at most 72 bytes of a password (bcrypt 5 raises on longer ones): refused
# with a message when a password is chosen, a failed login when one is tried.
PASSWORD_MAX_BYTES = 72
PASSWORD_TOO_LONG = (
    f"Passwords can be at most {PASSWORD_MAX_BYTES} bytes long ({PASSWORD_MAX_BYTES} letters and digits, "
    "fewer with accented letters or other scripts). Please choose a shorter one."
)


def authenticator_class(auth_type: str) -> str:
    """The JupyterHub authenticator_class (import path) for the settings' auth.type."""
    classes = {
        "roster": "dlcourse.auth.RosterAuthenticator",
        "github": "dlcourse.auth.GitHubRosterAuthenticator",
        "google": "dlcourse.auth.GoogleRosterAuthenticator",
        "lti13": "dlcourse.auth.LTI13RosterAuthenticator",
    }
    if auth_type not in classes:
        raise ConfigError(f"'auth.type' = {auth_type!r}; allowed: {', '.join(AUTH_TYPES)}")
    return classes[auth_type]


def too_long(password: str) -> bool:
    return len(password.encode()) > PASSWORD_MAX_BYTES


class RosterGate(Authenticator):
    """What every login type of the classroom shares: the roster (re-read when the file
    changes) is the allow list, refresh_user ends the session of someone no longer on it,
    and inside a hub a periodic watch locks out removed rows (sessions, tokens, servers).
    Configure with c.RosterGate.roster_path."""

    auth_type = "roster"  # the login type whose username rule the roster's rows follow

    roster_path = Unicode(config=True, help="The roster CSV (username,role[,section]).")
    roster_check_seconds = Float(
        ROSTER_CHECK_SECONDS,
        config=True,
        help="How often the hub re-reads the roster and locks out removed rows.",
    )

    @default("any_allow_config")
    def _any_allow_config(self):
        return True  # check_allowed below is the allow configuration: the roster

    @default("auth_refresh_age")
    def _auth_refresh_age(self):
        return AUTH_REFRESH_SECONDS

    @default("refresh_pre_spawn")
    def _refresh_pre_spawn(self):
        return True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.roster_path:
            raise ConfigError(f"{type(self).__name__}: roster_path is not set (c.RosterGate.roster_path)")
        self._roster = ({}, None)
        self._locked_out: set[str] = set()  # whose cookie id was already replaced since they left the roster
        self._enforcing = asyncio.Lock()
        self._watch_roster()

    def roster(self) -> dict:
        """The roster, re-read when the file changes; a broken edit keeps the last good one."""
        path = Path(self.roster_path)
        try:
            st = path.stat()
            seen_now = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            seen_now = None
        members, seen = self._roster
        if seen_now != seen:
            try:
                members = load_roster(path, self.auth_type, self.username_options())
            except ConfigError as err:
                self.log.error("Roster not reloaded (the previous one stays in force): %s", err)
            self._roster = (members, seen_now)
        return members

    def username_options(self) -> dict:
        """This authenticator's configured options by class ([auth.options] among them): they
        decide which username rule the roster's rows follow (dlcourse.settings.username_rule)."""
        return {name: dict(self.config[name]) for name in self.section_names() if name in self.config}

    def check_allowed(self, username, authentication=None):
        return username in self.roster()

    def is_admin(self, handler, authentication):
        """Admin exactly when the roster's role column says "admin", at every login: an explicit
        False takes admin from someone demoted (JupyterHub keeps admin in its database otherwise).
        Instructors are not admins: they have the hub's "instructor" role (dlcourse.hubconfig)."""
        member = self.roster().get(authentication["name"])
        return member is not None and member.role == "admin"

    async def refresh_user(self, user, handler=None):
        if user.name not in self.roster():
            self.log.warning("%s is no longer on the roster: login refused", user.name)
            return False
        return await super().refresh_user(user, handler)

    def _watch_roster(self) -> None:
        """Inside a hub: enforce the roster once the hub has started, then every roster_check_seconds."""
        app = self.parent
        if not isinstance(app, JupyterHub):
            return  # constructed on its own (tests, `python3 -m dlcourse.auth codes`)

        def start(started=None):
            if started is not None and (started.cancelled() or started.exception()):
                return
            watch = PeriodicCallback(self.enforce_roster, 1000 * self.roster_check_seconds)
            app._periodic_callbacks["roster_watch"] = watch  # stopped with the hub's own
            watch.start()
            IOLoop.current().add_callback(self.enforce_roster)  # rows removed while the hub was down

        started = getattr(app, "_start_future", None)  # set when JupyterHub.start() has finished
        if started is None:
            start()
        else:
            started.add_done_callback(start)

    async def enforce_roster(self) -> list[str]:
        """Lock out every hub user who is not on the roster: a new cookie id (their browser
        sessions end), their API and OAuth tokens deleted, their servers stopped through the
        hub (their volumes are kept). Returns their names."""
        app = self.parent
        async with self._enforcing:
            members = self.roster()
            if not members:
                return []  # never read successfully: lock nobody out on a missing file
            db, removed, stops = app.db, [], []
            for orm_user in list(db.query(orm.User)):
                name = orm_user.name
                if name in members:
                    self._locked_out.discard(name)
                    continue
                removed.append(name)
                revoked = list(orm_user.api_tokens) + list(orm_user.oauth_codes)
                for token in revoked:
                    db.delete(token)
                if revoked:
                    self.log.warning("%s is no longer on the roster: %d token(s) revoked", name, len(revoked))
                if name not in self._locked_out:
                    orm_user.cookie_id = new_token()
                    self.log.warning("%s is no longer on the roster: their browser sessions end", name)
                if revoked or name not in self._locked_out:
                    db.commit()
                    self._locked_out.add(name)
                user = app.users[orm_user]
                for server_name, spawner in list(user.spawners.items()):
                    if spawner.ready:  # a pending start or stop is left to finish; the next check stops it
                        stops.append(self._stop_server(app, user, server_name))
            for failed in await asyncio.gather(*stops, return_exceptions=True):
                if isinstance(failed, Exception):  # the next check tries again
                    self.log.error("Roster watch: a removed row's server did not stop: %r", failed)
            return removed

    async def _stop_server(self, app, user, server_name: str) -> None:
        """As the hub's own stop (BaseHandler.stop_single_user): route first, then the server."""
        spawner = user.spawners[server_name]
        spawner._stop_pending = True

        async def stop():
            try:
                await app.proxy.delete_user(user, server_name)
                await user.stop(server_name)
                self.log.warning("%s is no longer on the roster: server stopped (files kept)", user.name)
            finally:
                spawner._stop_future = None
                spawner._stop_pending = False

        spawner._stop_future = asyncio.ensure_future(stop())
        await spawner._stop_future


class LoginHandler(native.LoginHandler):
    """NativeAuthenticator's login page; a password bcrypt cannot take is a failed login, not a 500."""

    async def post(self):
        password = self.get_argument("password", "", strip=False)
        if not too_long(password):
            return await super().post()
        username = self.get_argument("username", "", strip=False)
        await self.login_user({"username": username, "password": password})  # counted as a failed attempt
        self.finish(await self._render(login_error="Invalid username or password.", username=username))


class ChangePasswordHandler(native.ChangePasswordHandler):
    """/hub/change-password; a password over PASSWORD_MAX_BYTES is refused with a message."""

    @web.authenticated
    async def post(self):
        old = self.get_body_argument("old_password", "", strip=False)
        new = self.get_body_argument("new_password", "", strip=False)
        if not (too_long(old) or too_long(new)):
            return await super().post()
        user = await self.get_current_user()
        message = "Your current password was incorrect. Please try again." if too_long(old) else PASSWORD_TOO_LONG
        html = await self.render_template(
            "change-password.html", user_name=user.name, result_message=message, alert="alert-danger"
        )
        self.finish(html)


class ChangePasswordAdminHandler(native.ChangePasswordAdminHandler):
    """/hub/change-password/<user> for the roster's admins; the same limit."""

    @native.admin_users_scope
    async def post(self, user_name):
        if not too_long(self.get_body_argument("new_password", "", strip=False)):
            return await super().post(user_name)
        html = await self.render_template(
            "change-password-admin.html", user_name=user_name, result_message=PASSWORD_TOO_LONG, alert="alert-danger"
        )
        self.finish(html)


class RosterAuthenticator(RosterGate, NativeAuthenticator):
    codes_path = Unicode(
        f"/srv/jupyterhub/{CODES_FILE}",
        config=True,
        help="Where the one-time enrolment codes are kept (mode 600, hub state volume).",
    )

    @default("enable_signup")
    def _enable_signup(self):
        return False

    @default("check_common_password")
    def _check_common_password(self):
        return True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._code_checks: dict[str, tuple[str, bytes, bool]] = {}  # pending_code's answers
        self.sync_roster()

    def get_handlers(self, app):
        ours = {
            native.LoginHandler: LoginHandler,
            native.ChangePasswordHandler: ChangePasswordHandler,
            native.ChangePasswordAdminHandler: ChangePasswordAdminHandler,
        }
        return [(path, ours.get(handler, handler)) for path, handler in super().get_handlers(app)]

    def is_password_strong(self, password):
        return not too_long(password) and super().is_password_strong(password)

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

    async def pending_code(self, username: str) -> str | None:
        """The user's enrolment code while it is still their password, else None. Asked before
        every server start, so the bcrypt comparison runs in a thread (not on the hub's event
        loop, where 30 starts at 9:00 would queue behind each other's hashing) and its answer is
        kept for that code and that stored hash: a changed password is a new hash, so a kept
        answer is never stale. One entry per user."""
        code = read_codes(Path(self.codes_path)).get(username)
        info = UserInfo.find(self.db, username) if code else None
        if info is None:
            return None
        kept = self._code_checks.get(username)
        if kept is None or kept[:2] != (code, info.password):
            matches = await asyncio.to_thread(bcrypt.checkpw, code.encode(), info.password)
            kept = self._code_checks[username] = (code, info.password, matches)
        return code if kept[2] else None

    async def authenticate(self, handler, data):
        """NativeAuthenticator's password check (with its lock-out), but the bcrypt
        comparison runs in a thread: 30 students logging in at 9:00 no longer wait
        for each other's hashing on the hub's event loop. (No 2FA in a classroom.)"""
        username = self.normalize_username(data["username"])
        user = self.get_user(username)
        if user is None or (self.allowed_failed_logins and self.is_blocked(username)):
            return None
        password = data["password"]
        good = not too_long(password) and await asyncio.to_thread(bcrypt.checkpw, password.encode(), user.password)
        if good and user.is_authorized:
            self.successful_login(username)
            return username
        self.add_login_attempt(username)
        return None

    async def pre_spawn_start(self, user, spawner):
        if await self.pending_code(user.name):
            raise web.HTTPError(
                403,
                "You are still using your one-time enrolment code. Choose your own "
                "password first: open /hub/change-password, then start your server.",
            )


class GitHubRosterAuthenticator(RosterGate, GitHubOAuthenticator):
    """GitHub proves the login; the roster (rows: GitHub logins) decides. With
    allowed_organizations set, a roster member must also belong to one of them."""

    auth_type = "github"

    async def check_allowed(self, username, auth_model=None):
        if username not in self.roster():
            return False
        if not self.allowed_organizations:
            return True
        token = auth_model["auth_state"]["token_response"]
        for org_team in sorted(self.allowed_organizations):
            if await self._check_membership_allowed_organizations(
                org_team, username, token["access_token"], token["token_type"]
            ):
                return True
        self.log.warning("%s is on the roster but in none of allowed_organizations", username)
        return False


class GoogleRosterAuthenticator(RosterGate, GoogleOAuthenticator):
    """Google proves the e-mail address; the roster (rows: e-mail addresses) decides.
    hosted_domain still blocks other domains (check_blocked_users)."""

    auth_type = "google"

    @default("strip_domain")
    def _keep_domain(self):
        return USERNAME_OPTIONS["google"]["strip_domain"]  # the whole address, whatever hosted_domain holds

    async def check_allowed(self, username, auth_model=None):
        user_info = auth_model["auth_state"][self.user_auth_state_key]
        if not user_info.get("verified_email"):
            self.log.warning("Login with the unverified e-mail address %s refused", user_info.get("email"))
            return False
        return username in self.roster()


class LTI13RosterAuthenticator(RosterGate, LTI13Authenticator):
    """The LMS proves who launched; the roster (rows: the e-mail addresses the LMS sends) decides."""

    auth_type = "lti13"
