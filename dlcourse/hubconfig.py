"""The hub's configuration: the classroom's validated settings and roster, mapped onto the
options of JupyterHub, DockerSpawner, the authenticator and the idle culler.

hub/jupyterhub_config.py only finds the files (HubPaths.from_environment), loads them (load)
and calls apply(). The tests load that same file, and call apply() with the real classes, so
the configuration the hub runs is the one that is tested.

Nothing here talks to Docker: the exclusive GPU pool is read back from the running containers
just before the first server start after the hub starts (pre_spawn_hook), not when this
configuration is loaded.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dlcourse import announcements, auth, codes, spawn_form, spawn_hooks, volumes
from dlcourse.manifest import ConfigError, load_images
from dlcourse.ports import ANNOUNCEMENTS_PORT, HUB_PORT, PROGRESS_PORT, PROXY_API_HOST, PROXY_API_PORT, PUBLIC_PORT
from dlcourse.settings import Member, environment_choices, load_roster, load_settings

# Where the hub container finds its files (docker-compose.yml mounts them there); each folder may
# be moved with an environment variable (the tests load the real jupyterhub_config.py that way).
FOLDERS = {
    "config": ("CLASSROOM_CONFIG_DIR", "/srv/classroom"),  # classroom.toml, images.toml, course.toml
    "state": ("CLASSROOM_STATE_DIR", "/srv/jupyterhub"),  # the state volume: database, secrets, codes
    "roster_dir": ("CLASSROOM_ROSTER_DIR", "/srv/roster"),  # the folder holding the roster (ROSTER_FILE)
    "tls": ("CLASSROOM_TLS_DIR", "/srv/tls"),  # hub.https_cert and hub.https_key
}

# The JupyterHub role of the roster's instructors: what teaching needs (scopes of JupyterHub 5,
# jupyterhub/scopes.py), and nothing that deletes users, changes admin status, shuts the hub
# down or reads tokens. The roster's admins are hub admins (JupyterHub's "admin" role).
INSTRUCTOR_SCOPES = (
    "admin-ui",  # the admin page, /hub/admin
    "list:users",  # who is in the class ...
    "read:users",  # ... their names, servers and roles ...
    "read:users:activity",  # ... and when they were last active
    "access:servers",  # open a student's server to help
    "servers",  # start and stop students' servers
    "read:metrics",  # /hub/metrics (Prometheus)
    "access:services",  # the hub's services (a progress page)
)
INSTRUCTOR_DESCRIPTION = "Teach the class: the admin page, read users, open, start and stop their servers"
# jupyterhub-idle-culler: find idle servers and stop them, nothing else.
CULLER_SCOPES = ("list:users", "read:users:activity", "read:servers", "delete:servers")
CULL_EVERY = 60  # seconds between two of the culler's checks
PROGRESS_SERVICE = "progress"  # dlcourse.progress at /services/progress/
GRADES_JSON = Path("/srv/grading/grades.json")  # make grade's results (the grading volume, read-only)


@dataclass(frozen=True)
class HubPaths:
    config: Path
    state: Path
    roster: Path
    tls: Path

    @classmethod
    def from_environment(cls, env=os.environ) -> HubPaths:
        folders = {name: Path(env.get(var, default)) for name, (var, default) in FOLDERS.items()}
        roster = folders.pop("roster_dir") / env.get("ROSTER_FILE", "roster.csv")
        return cls(roster=roster, **folders)

    def environment(self) -> dict[str, str]:
        """The variables from_environment reads, for a process the hub starts (its services)."""
        folders = {"config": self.config, "state": self.state, "roster_dir": self.roster.parent, "tls": self.tls}
        return {FOLDERS[name][0]: str(path) for name, path in folders.items()} | {"ROSTER_FILE": self.roster.name}


def load(paths: HubPaths, image_tag: str = "") -> tuple[dict, dict[str, Member], list[dict]]:
    """The validated settings, the roster and the environments the start form offers."""
    images = load_images(paths.config / "images.toml")
    if image_tag:  # another tag of the course images (tests, roll-outs)
        images = dataclasses.replace(images, tag=image_tag)
    settings = load_settings(paths.config / "classroom.toml", images)
    roster = load_roster(paths.roster, settings["auth"]["type"], settings["auth"]["options"])
    choices = environment_choices(images, settings["environments"]["offered"], paths.config / "course.toml")
    return settings, roster, choices


def apply(
    settings: dict,
    roster: dict[str, Member],
    c,
    *,
    choices: list[dict],
    paths: HubPaths,
    project: str,
    network: str,
    oauth_client_secret: str = "",
) -> spawn_hooks.SpawnHooks:
    """Set the hub's configuration `c` (a traitlets Config) from the settings and the roster.
    `project` names the user containers and volumes, `network` is the classroom's network.
    Returns the spawn hooks (limits, isolation, GPUs) the spawner calls."""
    _hub(settings["hub"], c, paths)
    _login(settings["auth"], c, paths, oauth_client_secret)
    hooks = _servers(settings, c, choices, project, network)
    _roles_and_services(settings, roster, c, paths)
    return hooks


def sqlite_wal(dbapi_connection, connection_record) -> None:
    """Every SQLite connection of the hub: write-ahead log, and fsync at checkpoints instead of at
    every commit (synchronous=NORMAL). The hub commits on its event loop at each login, spawn and
    activity update; with a full fsync per commit, that was 18% of the loop's time while 30
    students started (py-spy). A power cut may lose the last commits, never the database."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _hub(hub: dict, c, paths: HubPaths) -> None:
    """The hub itself: its state in the volume, the proxy token generated once and kept there."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    c.JupyterHub.db_url = f"sqlite:///{paths.state / 'jupyterhub.sqlite'}"
    if not event.contains(Engine, "connect", sqlite_wal):
        event.listen(Engine, "connect", sqlite_wal)
    c.JupyterHub.cookie_secret_file = str(paths.state / "jupyterhub_cookie_secret")
    # The proxy is its own service (dlcourse/proxy.py): the hub neither starts nor stops it, so
    # a hub restart keeps every route and open connection. It terminates HTTPS itself.
    c.ConfigurableHTTPProxy.should_start = False
    c.ConfigurableHTTPProxy.api_url = f"http://{PROXY_API_HOST}:{PROXY_API_PORT}"
    c.ConfigurableHTTPProxy.auth_token = proxy_token(paths.state / "proxy_token")
    c.JupyterHub.bind_url = (
        f"{'https' if hub['https_cert'] else 'http'}://:{PUBLIC_PORT}"  # the public address, the proxy's
    )
    c.JupyterHub.hub_port = HUB_PORT
    c.JupyterHub.upgrade_db = True  # a JupyterHub upgrade migrates (and backs up) the database
    c.JupyterHub.cleanup_servers = False  # a hub restart (make roster, upgrades) leaves servers running
    c.JupyterHub.hub_ip = "0.0.0.0"
    c.JupyterHub.hub_connect_ip = "hub"  # the compose service's name on the classroom network


def proxy_token(path: Path) -> str:
    """The proxy's token, shared by the hub and the proxy through the state volume: made by
    whichever starts first (mode 600), read back by the other and on every later start."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other one may be writing it
            token = path.read_text().strip()
            if token:
                return token
            time.sleep(0.1)
        raise ConfigError(f"{path} is empty: remove it and start the classroom again") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _login(a: dict, c, paths: HubPaths, oauth_client_secret: str) -> None:
    """Who gets in: the roster, whatever proves who they are (dlcourse.auth)."""
    name = auth.authenticator_class(a["type"])
    c.JupyterHub.authenticator_class = name
    c.RosterGate.roster_path = str(paths.roster)
    if a["type"] == "roster":
        import nativeauthenticator

        c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
        c.RosterAuthenticator.codes_path = str(paths.state / codes.CODES_FILE)
        c.RosterAuthenticator.minimum_password_length = a["minimum_password_length"]
        c.RosterAuthenticator.allowed_failed_logins = a["allowed_failed_logins"]
        c.RosterAuthenticator.seconds_before_next_try = a["lockout_seconds"]
    elif a["type"] in ("github", "google"):
        if not oauth_client_secret:
            raise ConfigError(
                f"'auth.type' = {a['type']!r} needs the environment variable "
                "OAUTH_CLIENT_SECRET (put it in .env next to the Makefile)"
            )
        c.OAuthenticator.client_id = a["client_id"]
        c.OAuthenticator.client_secret = oauth_client_secret
        if a["oauth_callback_url"]:
            c.OAuthenticator.oauth_callback_url = a["oauth_callback_url"]
        if a["allowed_organizations"]:
            c.GitHubOAuthenticator.allowed_organizations = set(a["allowed_organizations"])
        if a["hosted_domain"]:
            c.GoogleOAuthenticator.hosted_domain = list(a["hosted_domain"])
    else:
        c.LTI13Authenticator.client_id = {a["client_id"]}
        c.LTI13Authenticator.issuer = a["issuer"]
        c.LTI13Authenticator.authorize_url = a["authorize_url"]
        c.LTI13Authenticator.jwks_endpoint = a["jwks_endpoint"]
    check_auth_options(a["options"], authenticator(name), c)
    for cls, traits in a["options"].items():
        for trait, value in traits.items():
            c[cls][trait] = copy.deepcopy(value)


def authenticator(name: str) -> type:
    from traitlets.utils.importstring import import_item

    return import_item(name)


def check_auth_options(options: dict, cls: type, c) -> None:
    """[auth.options] against the real authenticator class: each table names the class or one
    of its bases, each option exists and is configurable, and its value passes the option's
    own validation (on top of the classroom's own settings in `c`, as the hub loads them)."""
    from jupyterhub.auth import Authenticator
    from traitlets import TraitError

    classes = {k.__name__: k for k in cls.__mro__ if isinstance(k, type) and issubclass(k, Authenticator)}
    probe = cls.__new__(cls)  # the traits, without __init__ (which would open the hub's database)
    probe.update_config(c)
    for owner, traits in options.items():
        if owner not in classes:
            raise ConfigError(
                f"classroom.toml: 'auth.options.{owner}': {owner} is not the authenticator of this "
                f"auth.type ({cls.__name__}) nor one of its bases; allowed: {', '.join(classes)}"
            )
        configurable = classes[owner].class_traits(config=True)
        for trait, value in traits.items():
            key = f"auth.options.{owner}.{trait}"
            if trait not in configurable:
                raise ConfigError(
                    f"classroom.toml: '{key}' = {value!r}: {owner} has no option {trait!r}; allowed: "
                    f"{', '.join(sorted(configurable))}"
                )
            try:
                setattr(probe, trait, copy.deepcopy(value))
            except (TraitError, ValueError, TypeError) as err:
                raise ConfigError(
                    f"classroom.toml: '{key}' = {value!r} is refused by {owner} ({err}); allowed: "
                    f"{configurable[trait].info()}"
                ) from None


def _servers(settings: dict, c, choices: list[dict], project: str, network: str) -> spawn_hooks.SpawnHooks:
    """Each student's server: a container of the chosen environment, their volume as home."""
    default = settings["environments"]["default"]
    c.JupyterHub.spawner_class = "dlcourse.spawner.ClassroomSpawner"  # DockerSpawner, Docker calls on 4 threads
    c.DockerSpawner.allowed_images = {ch["environment"]: ch["image"] for ch in choices}
    c.DockerSpawner.image = c.DockerSpawner.allowed_images[default]
    c.DockerSpawner.options_form = spawn_form.render(
        choices, default, gpu_choice=settings["gpu"]["policy"] == "exclusive"
    )
    c.DockerSpawner.options_from_form = spawn_form.options_from_form
    c.DockerSpawner.pull_policy = "never"  # images are built on this host (make up)
    c.DockerSpawner.prefix = project
    c.DockerSpawner.name_template = "{prefix}-{username}"
    c.DockerSpawner.network_name = network
    c.DockerSpawner.use_internal_ip = True
    c.DockerSpawner.remove = True  # never restart a stale container with an old image
    c.DockerSpawner.volumes = volumes.server_volumes(project)  # a student's; the spawn hook sets each role's
    c.DockerSpawner.notebook_dir = volumes.HOME
    c.DockerSpawner.default_url = "/lab/tree/course/START-HERE.md"
    c.DockerSpawner.environment = {"KERNEL_CULL_IDLE_TIMEOUT": str(settings["culling"]["kernel_idle_timeout"])}
    c.Spawner.start_timeout = settings["hub"]["start_timeout"]
    c.Spawner.http_timeout = 120
    hooks = spawn_hooks.SpawnHooks(settings, project)  # limits, isolation, GPUs: per server, at start
    c.DockerSpawner.pre_spawn_hook = hooks.pre_spawn if hooks.pool is None else _pool_read_first(hooks)
    c.DockerSpawner.post_stop_hook = hooks.post_stop
    return hooks


def _pool_read_first(hooks: spawn_hooks.SpawnHooks):
    """The pre-spawn hook of the exclusive GPU pool: before the first start after the hub starts,
    the pool is read back from this classroom's containers (hooks.rebuild, a Docker call)."""
    read, lock = [], asyncio.Lock()

    async def pre_spawn(spawner) -> None:
        if not read:
            async with lock:
                if not read:
                    await asyncio.to_thread(hooks.rebuild)
                    read.append(True)
        await hooks.pre_spawn(spawner)

    return pre_spawn


def _roles_and_services(settings: dict, roster: dict[str, Member], c, paths: HubPaths) -> None:
    """Admins and instructors from the roster's role column; the idle culler with only its scopes.

    The roster's admins are the exact members of JupyterHub's admin role: at every hub start
    JupyterHub then gives admin to those and takes it from everyone else (a demoted admin
    loses it), and at every login the authenticator's is_admin says the same from the roster.
    Authenticator.admin_users stays empty: JupyterHub only ever adds those, and the OAuth
    authenticators would mark them admin at login before is_admin is asked. The instructor
    role's members are likewise exactly the roster's instructors at every hub start."""
    by_role = {role: sorted(m.username for m in roster.values() if m.role == role) for role in ("admin", "instructor")}
    roles = [
        {"name": "admin", "users": by_role["admin"]},
        {
            "name": "instructor",
            "description": INSTRUCTOR_DESCRIPTION,
            "scopes": [*INSTRUCTOR_SCOPES, announcements.POST_SCOPE],  # and post announcements
            "users": by_role["instructor"],
        },
    ]
    # every user may log in to the progress page (it shows a student their own row only) and
    # read the announcements page (posting needs POST_SCOPE: instructors and admins)
    readable = [f"access:services!service={name}" for name in (PROGRESS_SERVICE, announcements.SERVICE)]
    roles.append({"name": "user", "scopes": ["self", *readable]})
    c.JupyterHub.custom_scopes = {announcements.POST_SCOPE: {"description": announcements.POST_DESCRIPTION}}
    services = [
        {
            "name": PROGRESS_SERVICE,
            "url": f"http://hub:{PROGRESS_PORT}",  # the proxy reaches it there; students' servers cannot
            "command": [sys.executable, "-m", "dlcourse.service_start", "dlcourse.progress"],
            "environment": {"CLASSROOM_GRADES": str(GRADES_JSON), **paths.environment()},
            "oauth_no_confirm": True,
            "display": True,
        }
    ]
    posted = paths.state / announcements.FILE
    services.append(
        {
            "name": announcements.SERVICE,
            "url": f"http://hub:{ANNOUNCEMENTS_PORT}",
            "command": [sys.executable, "-m", "dlcourse.service_start", "dlcourse.announcements"],
            "environment": {"ANNOUNCEMENTS_FILE": str(posted)},
            "oauth_client_allowed_scopes": [announcements.POST_SCOPE],  # only for users who hold it
            "oauth_no_confirm": True,
            "display": True,
        }
    )
    c.JupyterHub.template_vars = {"announcement": announcements.Latest(posted)}  # on every hub page
    timeout = settings["culling"]["server_idle_timeout"]
    if timeout:
        roles.append({"name": "idle-culler", "scopes": list(CULLER_SCOPES), "services": ["idle-culler"]})
        services.append(
            {
                "name": "idle-culler",
                "command": [
                    sys.executable,
                    "-m",
                    "jupyterhub_idle_culler",
                    f"--timeout={timeout}",
                    f"--cull-every={CULL_EVERY}",
                ],
            }
        )
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles
