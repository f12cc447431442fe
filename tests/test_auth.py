"""The classroom's login, tested in process: the real authenticators of dlcourse.auth inside a
real JupyterHub (JupyterHub's own MockHub and test utilities, the way NativeAuthenticator tests
itself), with a roster file in tmp_path. No Docker: the servers are JupyterHub's MockSpawner
processes, and GitHub and Google are played by a small OAuth provider on the loopback address
(the hub calls it exactly as it would call them).
"""

import asyncio
import copy
import json
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
import pytest_asyncio
from jupyterhub import orm
from jupyterhub.proxy import Proxy
from jupyterhub.tests.mocking import MockHub
from jupyterhub.tests.utils import AsyncSession, api_request, find_user
from jupyterhub.user import User
from jupyterhub.utils import url_path_join
from nativeauthenticator.orm import UserInfo
from tornado import httpserver, netutil, web
from tornado.httputil import url_concat
from traitlets import default
from traitlets.config import Config, import_item

from dlcourse import auth as dlauth
from dlcourse import hubconfig
from dlcourse.codes import read_codes
from dlcourse.manifest import ROOT, load_images
from dlcourse.settings import DEFAULTS, USERNAME, environment_choices, load_roster, load_settings
from dlcourse.settings import normalize_username as settings_normalize
from dlcourse.spawner import ClassroomSpawner

PASSWORD = "correct-horse-battery"  # long enough, not a common password
DOCKER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")  # what Docker accepts for container and volume names


class RoutesInMemory(Proxy):
    """JupyterHub's Proxy API with the routing table kept in memory: no configurable-http-proxy
    process; the tests call the hub on its own port, as the proxy would."""

    @default("should_start")
    def _should_start(self):
        return False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.routes = {}

    async def add_route(self, routespec, target, data):
        routespec = self.validate_routespec(routespec)
        self.routes[routespec] = {"routespec": routespec, "target": target, "data": data}

    async def delete_route(self, routespec):
        self.routes.pop(routespec, None)

    async def get_all_routes(self):
        return dict(self.routes)


SETTINGS = {  # classroom.toml for each login type (the provider's endpoints are set by the tests that use them)
    "roster": "",
    "github": '[auth]\ntype = "github"\nclient_id = "classroom"\n',
    "google": '[auth]\ntype = "google"\nclient_id = "classroom"\nhosted_domain = ["uni.edu"]\n',
    "lti13": (
        '[auth]\ntype = "lti13"\nclient_id = "classroom"\nissuer = "https://lms.uni.edu"\n'
        'authorize_url = "https://lms.uni.edu/auth"\njwks_endpoint = "https://lms.uni.edu/jwks"\n'
    ),
}


TEACHER = {"roster": "teacher", "github": "teacher", "google": "teacher@uni.edu", "lti13": "teacher@uni.edu"}


def classroom_config(tmp_path: Path, auth_type: str = "roster", settings: str | None = None) -> Config:
    """The classroom's hub configuration: dlcourse.hubconfig.apply() on the settings and the
    roster in tmp_path (write_roster first), as the hub loads them."""
    paths = hubconfig.HubPaths(
        config=tmp_path / "config", state=tmp_path / "state", roster=tmp_path / "roster.csv", tls=tmp_path / "tls"
    )
    for folder in (paths.config, paths.state, paths.tls):
        folder.mkdir(exist_ok=True)
    shutil.copy(ROOT / "images" / "images.toml", paths.config / "images.toml")
    shutil.copy(ROOT / "notebooks" / "course.toml", paths.config / "course.toml")
    (paths.config / "classroom.toml").write_text(SETTINGS[auth_type] if settings is None else settings)
    # as hubconfig.load, with the roster's rule following [auth.options] (username_rule)
    loaded = load_settings(paths.config / "classroom.toml", load_images(paths.config / "images.toml"))
    roster = load_roster(paths.roster, loaded["auth"]["type"], loaded["auth"]["options"])
    choices = environment_choices(
        load_images(paths.config / "images.toml"), loaded["environments"]["offered"], paths.config / "course.toml"
    )
    full = Config()
    hubconfig.apply(
        loaded, roster, full, choices=choices, paths=paths, project="room", network="room", oauth_client_secret="s"
    )
    return full


def hub_config(tmp_path: Path, auth_type: str = "roster", settings: str | None = None, **traits) -> Config:
    """The login part of the classroom's hub configuration (classroom_config), then what an
    in-process hub needs, and `traits` (Section__option = value) on top."""
    full = classroom_config(tmp_path, auth_type, settings)
    c = Config()
    c.JupyterHub.authenticator_class = full.JupyterHub.authenticator_class
    assert c.JupyterHub.authenticator_class == dlauth.authenticator_class(auth_type)
    if "template_paths" in full.JupyterHub:
        c.JupyterHub.template_paths = full.JupyterHub.template_paths
    for section in import_item(c.JupyterHub.authenticator_class).section_names():
        if section in full:
            c[section] = copy.deepcopy(full[section])
    c.JupyterHub.proxy_class = RoutesInMemory
    c.JupyterHub.cookie_secret = os.urandom(32)
    c.Authenticator.allow_all = False  # MockHub turns it on unless told; the classroom never does
    for name, value in traits.items():
        section, key = name.split("__")
        c[section][key] = value
    return c


def write_roster(tmp_path: Path, *rows: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("username,role\n" + "".join(f"{row}\n" for row in rows))


async def stop_hub(app) -> None:
    """MockHub.stop() without its task cancelling (which would end the running test too)."""
    app.http_server.stop()
    app.metrics_collector.stop()
    for callback in app._periodic_callbacks.values():
        callback.stop()
    for user in app.users.values():
        for spawner in user.spawners.values():
            spawner.stop_polling()
    await app.cleanup()
    app.db.close()
    app.db_file.close()
    MockHub.clear_instance()


@pytest_asyncio.fixture
async def start_hub():
    """start_hub(config, **traits) -> a started MockHub; stopped (servers too) after the test."""
    started = []

    async def start(config: Config, **traits):
        app = MockHub.instance(config=config, **traits)
        await app.initialize([])
        await app.start()
        started.append(app)
        return app

    yield start
    for app in started:
        if not app.http_server._stopped:
            await stop_hub(app)


@pytest.fixture
def servers_stopped():
    """The names whose servers the spawner's post_stop_hook saw stop."""
    return []


@pytest_asyncio.fixture
async def classroom(tmp_path, start_hub, servers_stopped):
    """A roster hub with teacher, ada and bob; the hook records stopped servers."""
    write_roster(tmp_path, "teacher,instructor", "ada,student", "bob,student")
    config = hub_config(tmp_path, Spawner__post_stop_hook=lambda spawner: servers_stopped.append(spawner.user.name))
    return await start_hub(config)


def hub_url(app, *path: str) -> str:
    return url_path_join(app.hub.url, *path)


async def login(app, username: str, password: str) -> AsyncSession | None:
    """Log in through the login form; the browser session, or None when refused."""
    session = AsyncSession()
    page = await session.get(hub_url(app, "login"))
    assert page.status_code == 200, page.text
    r = await session.post(
        url_concat(hub_url(app, "login"), {"_xsrf": session.cookies["_xsrf"]}),
        data={"username": username, "password": password},
        allow_redirects=False,
    )
    assert r.status_code in (200, 302), f"login answered {r.status_code}: {r.text[:300]}"
    return session if r.status_code == 302 and "jupyterhub-hub-login" in session.cookies else None


async def change_password(app, session: AsyncSession, old: str, new: str) -> str:
    r = await session.post(
        url_concat(hub_url(app, "change-password"), {"_xsrf": session.cookies["_xsrf"]}),
        data={"old_password": old, "new_password": new, "new_password_confirmation": new},
    )
    assert r.status_code == 200, f"change-password answered {r.status_code}: {r.text[:300]}"
    return r.text


def codes(app) -> dict[str, str]:
    """The enrolment codes the roster authenticator wrote (username -> code)."""
    return read_codes(Path(app.authenticator.codes_path))


async def enrolled(app, name: str) -> AsyncSession:
    """name logged in with their enrolment code and their own password chosen."""
    code = codes(app)[name]
    session = await login(app, name, code)
    assert session is not None, f"{name} could not log in with their enrolment code"
    assert "changed successfully" in await change_password(app, session, code, PASSWORD)
    return session


async def start_server(app, name: str, session: AsyncSession):
    return await api_request(app, "users", name, "server", method="post", cookies=session.cookies, bypass_proxy=True)


async def wait_for(condition, timeout: float, what: str) -> float:
    """Seconds until condition() held; fails after timeout."""
    t0 = time.monotonic()
    while not await condition():
        if time.monotonic() - t0 > timeout:
            pytest.fail(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - t0


async def running_server(app, name: str, session: AsyncSession):
    r = await start_server(app, name, session)
    assert r.status_code in (201, 202), f"{name}'s server did not start: {r.status_code} {r.text}"
    spawner = app.users[name].spawner

    async def ready():
        return spawner.ready

    await wait_for(ready, 30, f"{name}'s server ready")
    return spawner


def alive(pid: int) -> bool:
    """Whether the server process runs (an exited child of this process is reaped, not counted)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not ours to reap (or already reaped by the spawner's Popen)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def token_status(app, token: str) -> int:
    r = await api_request(app, "user", headers={"Authorization": f"token {token}"}, bypass_proxy=True)
    return r.status_code


async def home_status(app, session: AsyncSession) -> int:
    """200 for a logged-in browser session, a redirect to the login page otherwise."""
    r = await session.get(hub_url(app, "home"), allow_redirects=False)
    return r.status_code


# --- the roster login (NativeAuthenticator accounts with enrolment codes)


@pytest.mark.asyncio
async def test_every_roster_row_gets_an_enrolment_code_and_nobody_else_an_account(classroom):
    pending = codes(classroom)
    assert set(pending) == {"teacher", "ada", "bob"}
    assert {info.username for info in UserInfo.all_users(classroom.db)} == {"teacher", "ada", "bob"}
    for name, code in pending.items():
        assert UserInfo.find(classroom.db, name).is_valid_password(code)
    assert Path(classroom.authenticator.codes_path).stat().st_mode & 0o777 == 0o600


@pytest.mark.asyncio
async def test_the_code_logs_in_but_no_server_starts_until_the_password_is_changed(classroom):
    code = codes(classroom)["ada"]
    session = await login(classroom, "ada", code)
    assert session is not None, "the enrolment code did not log ada in"
    refused = await start_server(classroom, "ada", session)
    assert refused.status_code == 403 and "enrolment code" in refused.json()["message"]
    assert not classroom.users["ada"].spawner.active

    assert "changed successfully" in await change_password(classroom, session, code, PASSWORD)
    spawner = await running_server(classroom, "ada", session)
    assert alive(spawner.pid)
    assert await login(classroom, "ada", code) is None, "the enrolment code still works after the change"
    assert await login(classroom, "ada", PASSWORD) is not None


@pytest.mark.asyncio
async def test_the_enrolment_code_check_before_a_start_hashes_off_the_event_loop_once_per_password(
    classroom, monkeypatch
):
    """The check that refuses a start on the enrolment code runs before every start: its bcrypt
    comparison runs in a thread (not on the hub's event loop) and is not repeated for the same
    code and stored hash; a password change (a new hash) is seen at once."""
    loop_thread, calls = threading.current_thread(), []
    real_checkpw = dlauth.bcrypt.checkpw

    def recording_checkpw(password, hashed):
        calls.append(threading.current_thread())
        return real_checkpw(password, hashed)

    monkeypatch.setattr(dlauth.bcrypt, "checkpw", recording_checkpw)
    authenticator, code = classroom.authenticator, codes(classroom)["ada"]
    assert await authenticator.pending_code("ada") == code
    assert await authenticator.pending_code("ada") == code
    assert len(calls) == 1, f"the same code and hash were hashed {len(calls)} times"
    assert loop_thread not in calls, "bcrypt ran on the hub's event loop"

    session = await enrolled(classroom, "ada")
    calls.clear()
    assert await authenticator.pending_code("ada") is None, "the changed password still counts as the code"
    assert await authenticator.pending_code("ada") is None
    assert len(calls) == 1 and loop_thread not in calls
    assert (await start_server(classroom, "ada", session)).status_code in (201, 202)


@pytest.mark.asyncio
async def test_a_wrong_password_fails_and_repeated_failures_lock_the_account(classroom):
    await enrolled(classroom, "ada")
    assert await login(classroom, "ada", "not-" + PASSWORD) is None
    for _ in range(DEFAULTS["auth"]["allowed_failed_logins"] - 1):
        assert await login(classroom, "ada", "not-" + PASSWORD) is None
    assert await login(classroom, "ada", PASSWORD) is None, "the right password still works after repeated failures"
    assert await login(classroom, "bob", codes(classroom)["bob"]) is not None


@pytest.mark.asyncio
async def test_sign_up_is_off_so_nobody_can_claim_a_name(classroom):
    session = AsyncSession()
    page = await session.get(hub_url(classroom, "signup"))
    assert page.status_code == 404, f"the sign-up page is open ({page.status_code})"
    await session.get(hub_url(classroom, "login"))
    for name in ("mallory", "ada"):
        r = await session.post(
            url_concat(hub_url(classroom, "signup"), {"_xsrf": session.cookies["_xsrf"]}),
            data={"username": name, "signup_password": PASSWORD, "signup_password_confirmation": PASSWORD},
        )
        assert r.status_code == 404, f"sign-up as {name} answered {r.status_code}"
    assert UserInfo.find(classroom.db, "mallory") is None
    assert UserInfo.find(classroom.db, "ada").is_valid_password(codes(classroom)["ada"])
    assert "signup" not in (await session.get(hub_url(classroom, "login"))).text


@pytest.mark.asyncio
async def test_someone_off_the_roster_cannot_log_in(classroom, tmp_path):
    await enrolled(classroom, "bob")
    write_roster(tmp_path, "teacher,instructor", "ada,student")  # bob's row removed; his account stays
    assert await login(classroom, "bob", PASSWORD) is None, "a removed row still logs in"
    assert await login(classroom, "mallory", PASSWORD) is None
    assert await login(classroom, "ada", codes(classroom)["ada"]) is not None


# --- issue 15 point 1: removing a row locks the person out within a minute


@pytest.mark.asyncio
async def test_removing_a_row_ends_sessions_and_tokens_and_stops_the_server_within_the_check(
    tmp_path, start_hub, servers_stopped
):
    write_roster(tmp_path, "teacher,instructor", "ada,student", "bob,student")
    check = 1.0  # seconds between roster checks here; the classroom's is ROSTER_CHECK_SECONDS
    app = await start_hub(
        hub_config(
            tmp_path,
            RosterGate__roster_check_seconds=check,
            Spawner__post_stop_hook=lambda spawner: servers_stopped.append(spawner.user.name),
        )
    )
    ada, bob = await enrolled(app, "ada"), await enrolled(app, "bob")
    spawner = await running_server(app, "ada", ada)
    token = find_user(app.db, "ada").new_api_token(note="ada's own token")
    assert await token_status(app, token) == 200 and await home_status(app, ada) == 200
    route, pid = spawner.proxy_spec, spawner.pid
    assert route in await app.proxy.get_all_routes()

    write_roster(tmp_path, "teacher,instructor", "bob,student")

    async def locked_out():
        return not spawner.active and await token_status(app, token) == 403 and await home_status(app, ada) == 302

    took = await wait_for(locked_out, check + 10, "ada locked out")
    print(f"ada locked out {took:.1f} s after the roster edit (check every {check} s)")
    assert took <= check + 5, f"locked out after {took:.1f} s"
    assert (
        (await ada.get(hub_url(app, "home"), allow_redirects=False))
        .headers["Location"]
        .split("?")[0]
        .endswith("/hub/login")
    )
    assert not alive(pid), "ada's server process still runs"
    assert route not in await app.proxy.get_all_routes(), "the proxy still routes to ada's server"
    assert servers_stopped == ["ada"], "the spawner's post_stop hook did not run"
    assert not find_user(app.db, "ada").api_tokens, "ada still holds tokens"
    assert find_user(app.db, "ada") is not None, "ada's hub user (and with it the volume's owner) was deleted"
    assert await home_status(app, bob) == 200, "the others were locked out too"
    assert await login(app, "ada", PASSWORD) is None


@pytest.mark.asyncio
async def test_between_two_checks_a_removed_row_cannot_start_a_server_and_its_session_expires(tmp_path, start_hub):
    """The back-up to the watch: refresh_pre_spawn and refresh_user (auth_refresh_age)."""
    write_roster(tmp_path, "teacher,instructor", "ada,student")
    refresh = 2  # auth_refresh_age here; the classroom's is AUTH_REFRESH_SECONDS
    app = await start_hub(
        hub_config(tmp_path, RosterGate__roster_check_seconds=3600.0, Authenticator__auth_refresh_age=refresh)
    )
    ada = await enrolled(app, "ada")
    token = find_user(app.db, "ada").new_api_token(note="ada's own token")
    assert await token_status(app, token) == 200

    write_roster(tmp_path, "teacher,instructor")
    r = await api_request(
        app, "users", "ada", "server", method="post", headers={"Authorization": f"token {token}"}, bypass_proxy=True
    )
    assert r.status_code == 403 and "expired" in r.json()["message"], f"a removed row started a server: {r.text}"
    assert not app.users["ada"].spawner.active

    await asyncio.sleep(refresh + 0.5)
    assert await token_status(app, token) == 403, "the token of a removed row still works after auth_refresh_age"
    assert await home_status(app, ada) == 302, "the session of a removed row still works after auth_refresh_age"


@pytest.mark.asyncio
async def test_rows_removed_while_the_hub_was_down_are_locked_out_when_it_starts(tmp_path, start_hub, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_TEST_DB_URL", f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}")
    write_roster(tmp_path, "teacher,instructor", "ada,student")
    config = hub_config(tmp_path, JupyterHub__cleanup_servers=False)  # as the classroom: a restart keeps servers
    app = await start_hub(config)
    ada = await enrolled(app, "ada")
    spawner = await running_server(app, "ada", ada)
    pid, cookie_id = spawner.pid, find_user(app.db, "ada").cookie_id
    token = find_user(app.db, "ada").new_api_token(note="ada's own token")
    await stop_hub(app)
    try:
        assert alive(pid), "the server did not outlive the hub (the test needs it to)"

        write_roster(tmp_path, "teacher,instructor")  # removed while the hub is down
        config.RosterGate.roster_check_seconds = 3600.0  # so only the check at start can act
        app = await start_hub(config, test_clean_db=False)

        async def stopped():
            return not alive(pid)

        await wait_for(stopped, 10, "ada's server stopped at hub start")
        assert await token_status(app, token) == 403
        assert find_user(app.db, "ada").cookie_id != cookie_id, "ada's browser sessions survived the restart"
        assert not find_user(app.db, "ada").api_tokens
    finally:
        if alive(pid):  # no hub stops it any more: the server process this test started
            os.kill(pid, signal.SIGKILL)


def test_the_classroom_locks_a_removed_row_out_within_a_minute(tmp_path):
    db = MockHub(db_url="sqlite:///:memory:")
    db.init_db()  # NativeAuthenticator keeps its accounts in the hub's database
    for auth_type in SETTINGS:
        write_roster(tmp_path, f"{TEACHER[auth_type]},instructor")
        auth = import_item(dlauth.authenticator_class(auth_type))(config=hub_config(tmp_path, auth_type), db=db.db)
        docker_stop = 10  # DockerSpawner's stop waits at most this long for a container
        assert auth.roster_check_seconds + docker_stop <= 60, auth_type
        assert auth.auth_refresh_age <= 60 and auth.refresh_pre_spawn, auth_type


# --- issue 15 point 12: passwords bcrypt cannot take


@pytest.mark.asyncio
async def test_a_password_over_72_bytes_is_a_failed_login_or_refused_with_a_message_never_a_500(tmp_path, start_hub):
    write_roster(tmp_path, "teacher,instructor", "root,admin", "ada,student")
    app = await start_hub(hub_config(tmp_path))
    ada = await enrolled(app, "ada")
    longest, too_long = "é" * 36, "é" * 36 + "x"  # 72 and 73 bytes in UTF-8
    assert await login(app, "ada", too_long) is None
    assert app.authenticator.login_attempts["ada"]["count"] == 1, "a too-long password is not a failed attempt"

    page = await change_password(app, ada, PASSWORD, too_long)
    assert "at most 72 bytes" in page
    assert await login(app, "ada", PASSWORD) is not None, "the refused change changed the password"
    assert "incorrect" in await change_password(app, ada, too_long, "another-" + PASSWORD)

    assert "changed successfully" in await change_password(app, ada, PASSWORD, longest)
    assert await login(app, "ada", longest) is not None, "a 72-byte password does not work"

    root = await enrolled(app, "root")  # the roster's admin
    r = await root.post(
        url_concat(hub_url(app, "change-password", "ada"), {"_xsrf": root.cookies["_xsrf"]}),
        data={"new_password": too_long, "new_password_confirmation": too_long},
    )
    assert r.status_code == 200 and "at most 72 bytes" in r.text, r.text[:2000]
    assert await login(app, "ada", longest) is not None


# --- issue 15 point 6: every login type admits exactly the roster


class Provider:
    """GitHub's or Google's OAuth endpoints on the loopback address: the code exchange answers
    with a token, the user endpoint with `user` (what the provider says about the person), and
    GitHub's membership check with 204 for the (organisation, login) pairs in `members`."""

    def __init__(self):
        self.user: dict = {}
        self.members: set[tuple[str, str]] = set()
        provider = self

        class Token(web.RequestHandler):
            def post(self):
                self.write({"access_token": "token", "token_type": "bearer", "scope": "openid email read:user"})

        class User(web.RequestHandler):
            def get(self):
                self.write(json.dumps(provider.user))

        class Member(web.RequestHandler):
            def get(self, org, login):
                self.set_status(204 if (org, login) in provider.members else 404)

        sockets = netutil.bind_sockets(0, "127.0.0.1")
        routes = [("/token", Token), ("/user", User), ("/orgs/([^/]+)/members/([^/]+)", Member)]
        self.server = httpserver.HTTPServer(web.Application(routes))
        self.server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"


@pytest_asyncio.fixture
async def provider():
    p = Provider()
    yield p
    p.server.stop()


async def oauth_login(app, provider: Provider, user: dict) -> AsyncSession | None:
    """The browser's OAuth round: the hub's login redirect, the provider's callback with a code."""
    provider.user = user
    session = AsyncSession()
    r = await session.get(hub_url(app, "oauth_login"), allow_redirects=False)
    assert r.status_code == 302, r.text
    state = re.search(r"[?&]state=([^&]+)", r.headers["Location"]).group(1)
    r = await session.get(
        url_concat(hub_url(app, "oauth_callback"), {"code": "x"}) + f"&state={state}", allow_redirects=False
    )
    assert r.status_code in (302, 403), f"the OAuth callback answered {r.status_code}: {r.text[:300]}"
    return session if r.status_code == 302 and "jupyterhub-hub-login" in session.cookies else None


OAUTH = {
    # case: (login type, more settings, a member as the provider describes them, the roster row naming them,
    #        someone else)
    "github": (
        "github",
        "",
        {"login": "0xAda-Lovelace", "id": 1, "email": "ada@uni.edu", "name": "Ada"},
        "0xada-lovelace",
        {"login": "mallory", "id": 2, "email": "m@uni.edu", "name": "Mallory"},
    ),
    "google": (  # one hosted_domain: upstream would strip it from the username, the classroom keeps it
        "google",
        "",
        {"email": "Ada.Lovelace@Uni.edu", "verified_email": True, "hd": "uni.edu"},
        "ada.lovelace@uni.edu",
        {"email": "mallory@uni.edu", "verified_email": True, "hd": "uni.edu"},
    ),
    "google, strip_domain": (  # the instructor asked for names without the domain
        "google",
        "[auth.options.GoogleOAuthenticator]\nstrip_domain = true\n",
        {"email": "Ada.Lovelace@Uni.edu", "verified_email": True, "hd": "uni.edu"},
        "ada.lovelace",
        {"email": "mallory@uni.edu", "verified_email": True, "hd": "uni.edu"},
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", list(OAUTH))
async def test_oauth_logins_admit_exactly_the_roster_reread_at_every_login(case, tmp_path, start_hub, provider):
    auth_type, more, member, row, other = OAUTH[case]
    teacher = f"{TEACHER[auth_type].split('@')[0] if 'strip_domain' in more else TEACHER[auth_type]},instructor"
    write_roster(tmp_path, teacher, f"{row},student")
    endpoints = (
        f'[auth.options.OAuthenticator]\ntoken_url = "{provider.url}/token"\nuserdata_url = "{provider.url}/user"\n'
    )
    app = await start_hub(hub_config(tmp_path, auth_type, SETTINGS[auth_type] + more + endpoints))
    assert settings_normalize(member.get("login") or member["email"]) == app.authenticator.normalize_username(
        member.get("login") or member["email"]
    ), "the roster normalises names differently from the authenticator"

    assert await oauth_login(app, provider, member) is not None, f"{row} (on the roster) was refused"
    assert find_user(app.db, row) is not None, f"the hub user is not named {row!r}"
    assert await oauth_login(app, provider, other) is None, "someone off the roster got in"
    if auth_type == "google":
        assert await oauth_login(app, provider, {**member, "verified_email": False}) is None
        assert await oauth_login(app, provider, {**member, "hd": "elsewhere.edu"}) is None

    write_roster(tmp_path, teacher)
    assert await oauth_login(app, provider, member) is None, "a removed row still logs in (roster frozen at start)"
    write_roster(tmp_path, teacher, f"{row},student")
    assert await oauth_login(app, provider, member) is not None


@pytest.mark.asyncio
async def test_github_with_organizations_admits_roster_members_of_them_only(tmp_path, start_hub, provider):
    write_roster(tmp_path, "teacher,instructor", "ada,student", "bob,student")
    settings = SETTINGS["github"] + 'allowed_organizations = ["lab"]\n'
    options = (
        f'[auth.options.OAuthenticator]\ntoken_url = "{provider.url}/token"\nuserdata_url = "{provider.url}/user"\n'
    )
    github = f'[auth.options.GitHubOAuthenticator]\ngithub_api = "{provider.url}"\n'
    app = await start_hub(hub_config(tmp_path, "github", settings + options + github))
    provider.members = {("lab", "ada"), ("lab", "mallory")}
    person = {"id": 1, "email": "x@uni.edu", "name": "X"}
    assert await oauth_login(app, provider, {**person, "login": "ada"}) is not None
    assert await oauth_login(app, provider, {**person, "login": "bob"}) is None, "on the roster but not in the lab"
    assert await oauth_login(app, provider, {**person, "login": "mallory"}) is None, "in the lab but off the roster"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "more, row",
    [("", "ada.lovelace@uni.edu"), ('[auth.options.LTI13Authenticator]\nusername_key = "custom_uname"\n', "ada_l")],
)
async def test_lti13_logins_admit_exactly_the_roster_reread_at_every_login(more, row, tmp_path):
    """LTI13Authenticator.authenticate gets the LMS's id token claims (its handler has verified them)."""
    write_roster(tmp_path, "teacher@uni.edu,instructor", f"{row},student")
    auth = import_item(dlauth.authenticator_class("lti13"))(
        config=hub_config(tmp_path, "lti13", SETTINGS["lti13"] + more)
    )
    custom = "https://purl.imsglobal.org/spec/lti/claim/custom"
    ada = {"sub": "4c1b3e2a", "email": "Ada.Lovelace@uni.edu", "name": "Ada Lovelace", custom: {"uname": "Ada_L"}}
    mallory = {"sub": "77aa", "email": "mallory@uni.edu", custom: {"uname": "mallory"}}

    async def login_name(claims):
        model = await auth.get_authenticated_user(None, claims)
        return model and model["name"]

    assert settings_normalize(ada["email"]) == auth.normalize_username(ada["email"])
    assert await login_name(ada) == row
    assert await login_name(mallory) is None
    write_roster(tmp_path, "teacher@uni.edu,instructor")
    assert await login_name(ada) is None, "a removed row still logs in (roster frozen at start)"


def test_container_and_volume_names_of_every_login_type_are_valid_and_distinct(tmp_path):
    """The real DockerSpawner escapes each username into the names, with the templates the
    classroom's hub configuration sets (dlcourse.hubconfig: prefix, name_template, volumes)."""
    names = [
        "ada",
        "ada-lovelace",
        "ada_lovelace",
        "0xada",
        "a" * 39,
        "ada.lovelace@uni.edu",
        "ada-lovelace@uni.edu",
        "ada.lovelace@uni-edu.org",
        "o'brien+ml@uni.edu",
        "ada-2elovelace-40uni-2eedu",  # a GitHub login shaped like an escaped address
    ]
    for name in names:  # each is a valid roster row of some login type
        assert any(pattern.match(name) for pattern, _ in USERNAME.values()), name
    write_roster(tmp_path, "teacher,instructor")
    docker = classroom_config(tmp_path).DockerSpawner  # prefix, name_template, volumes
    hub = MockHub(db_url="sqlite:///:memory:")
    hub.init_db()
    containers, volumes = set(), set()
    for name in names:
        orm_user = orm.User(name=name)
        hub.db.add(orm_user)
        hub.db.commit()
        spawner = ClassroomSpawner(
            user=User(orm_user, db=hub.db),
            prefix=docker.prefix,
            name_template=docker.name_template,
            volumes=docker.volumes,
        )
        binds = spawner.volume_binds  # the home is the student's own; ~/shared is the class's, one for all
        [volume] = [v for v, bind in binds.items() if bind["bind"] == "/home/jovyan"]
        assert [bind["bind"] for v, bind in binds.items() if v != volume] == ["/home/jovyan/shared"], binds
        container = spawner.object_name
        assert DOCKER_NAME.match(container) and DOCKER_NAME.match(volume), (name, container, volume)
        containers.add(container)
        volumes.add(volume)
    assert len(containers) == len(volumes) == len(names), "two roster names share a container or a volume"


def test_roster_path_is_required(tmp_path):
    with pytest.raises(dlauth.ConfigError, match="roster_path"):
        dlauth.LTI13RosterAuthenticator(config=Config())


def test_authenticator_class_knows_every_login_type():
    from dlcourse.settings import AUTH_TYPES

    for auth_type in AUTH_TYPES:
        assert issubclass(import_item(dlauth.authenticator_class(auth_type)), dlauth.RosterGate)
    with pytest.raises(dlauth.ConfigError, match="ldap"):
        dlauth.authenticator_class("ldap")
