"""The hub's configuration, in process, against the real classes: the real
hub/jupyterhub_config.py loaded by traitlets, a real JupyterHub initialised with it,
the real DockerSpawner building its container (up to the Docker API call), the real
authenticators and the real idle culler reading their options.

Point by point: every value the settings' validator accepts is accepted by the library
that uses it, meaning what the instructor meant, and every value a library would refuse
is refused by the validator first, with one message naming key, value and what is
allowed; [auth.options] reaches the real authenticator, checked against it; instructors
have exactly the scopes teaching needs and are not admins, admins follow the roster."""

import asyncio
import os
import shutil
import stat
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import docker
import pytest
from traitlets import TraitError
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from dlcourse import hubconfig
from dlcourse.manifest import ROOT, ConfigError, load_images
from dlcourse.settings import environment_choices, load_roster, load_settings

ROSTER = "username,role,section\nboss,admin,\nteach,instructor,\nada,student,mon\n"
GIB, MIB, KIB = 1024**3, 1024**2, 1024
# What the instructor means by each spelling (binary units; a fraction of a byte is dropped).
MEANT = {"K": KIB, "M": MIB, "G": GIB}


def meant(size: str) -> int:
    number = size.rstrip("bBiI")
    return int(Fraction(number[:-1]) * MEANT[number[-1].upper()])


class Room:
    """The hub's folders in tmp_path, as compose mounts them."""

    def __init__(self, base: Path, settings: str = "", roster: str = ROSTER):
        self.paths = hubconfig.HubPaths(
            config=base / "config", state=base / "state", roster=base / "roster" / "class.csv", tls=base / "tls"
        )
        for folder in (self.paths.config, self.paths.state, self.paths.roster.parent, self.paths.tls):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "images" / "images.toml", self.paths.config / "images.toml")
        shutil.copy(ROOT / "notebooks" / "course.toml", self.paths.config / "course.toml")
        self.write(settings, roster)

    def write(self, settings: str = "", roster: str = ROSTER) -> None:
        (self.paths.config / "classroom.toml").write_text(settings)
        self.paths.roster.write_text(roster)

    def environ(self) -> dict[str, str]:
        return {
            "CLASSROOM_CONFIG_DIR": str(self.paths.config),
            "CLASSROOM_STATE_DIR": str(self.paths.state),
            "CLASSROOM_ROSTER_DIR": str(self.paths.roster.parent),
            "CLASSROOM_TLS_DIR": str(self.paths.tls),
            "ROSTER_FILE": self.paths.roster.name,
            "CLASSROOM_PROJECT": "room",
            "CLASSROOM_NETWORK": "room-net",
        }

    def config(self, secret: str = "") -> Config:
        """apply() on the settings and roster in the folders (what jupyterhub_config.py does)."""
        settings, roster, choices = hubconfig.load(self.paths)
        c = Config()
        self.hooks = hubconfig.apply(
            settings,
            roster,
            c,
            choices=choices,
            paths=self.paths,
            project="room",
            network="room-net",
            oauth_client_secret=secret,
        )
        return c


def load_hub_config(monkeypatch, room: Room, **env) -> Config:
    """The REAL hub/jupyterhub_config.py, loaded by traitlets as JupyterHub loads it."""
    for key, value in {**room.environ(), **env}.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyterhub_config.py", str(ROOT / "hub")).load_config()


# --- the hub's own configuration file ------------------------------------------------------


def test_the_real_config_file_loads_against_the_given_folders(tmp_path, monkeypatch):
    room = Room(tmp_path)
    c = load_hub_config(monkeypatch, room)
    state = room.paths.state
    assert c.JupyterHub.db_url == f"sqlite:///{state / 'jupyterhub.sqlite'}"
    assert c.JupyterHub.cookie_secret_file == str(state / "jupyterhub_cookie_secret")
    token = state / "proxy_token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert c.ConfigurableHTTPProxy.auth_token == token.read_text().strip() and len(token.read_text()) == 64
    assert load_hub_config(monkeypatch, room).ConfigurableHTTPProxy.auth_token == c.ConfigurableHTTPProxy.auth_token
    assert c.JupyterHub.bind_url == "http://:8000" and "ssl_cert" not in c.JupyterHub
    assert c.JupyterHub.authenticator_class == "dlcourse.auth.RosterAuthenticator"
    assert c.RosterGate.roster_path == str(room.paths.roster)
    assert c.RosterAuthenticator.codes_path == str(state / "enrolment-codes.csv")
    assert c.JupyterHub.spawner_class == "dlcourse.spawner.ClassroomSpawner"
    images = load_images()
    assert c.DockerSpawner.allowed_images == {f: images.ref(f) for f in images.images}
    assert c.DockerSpawner.image == images.ref("foundations")
    assert c.DockerSpawner.volumes == {
        "room-home-{username}": "/home/jovyan",
        "room-shared": {"bind": "/home/jovyan/shared", "mode": "ro"},
    }
    assert c.DockerSpawner.network_name == "room-net" and c.DockerSpawner.prefix == "room"
    assert c.JupyterHub.cleanup_servers is False and c.JupyterHub.upgrade_db is True


def test_the_hubs_database_commits_without_an_fsync_each_through_jupyterhubs_own_engine(tmp_path, monkeypatch):
    """WAL and synchronous=NORMAL on the connections JupyterHub's orm opens for the configured db_url."""
    from jupyterhub import orm
    from sqlalchemy import text

    room = Room(tmp_path)
    c = load_hub_config(monkeypatch, room)
    load_hub_config(monkeypatch, room)  # applied twice: one listener
    db = orm.new_session_factory(c.JupyterHub.db_url)()
    try:
        assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.execute(text("PRAGMA synchronous")).scalar() == 1, "synchronous is not NORMAL (1)"
        db.add(orm.User(name="ada"))
        db.commit()
        assert orm.User.find(db, "ada") is not None
    finally:
        db.close()


def test_https_is_the_proxys_and_the_hub_never_starts_or_stops_the_proxy(tmp_path, monkeypatch):
    """The proxy is its own service (dlcourse/proxy.py terminates HTTPS, tests/test_proxy.py)."""
    from dlcourse import proxy

    room = Room(tmp_path, '[hub]\nhttps_cert = "cert.pem"\nhttps_key = "key.pem"\n')
    c = load_hub_config(monkeypatch, room)
    assert c.JupyterHub.bind_url == "https://:8000"  # the public address the hub hands out
    assert c.ConfigurableHTTPProxy.should_start is False
    assert c.ConfigurableHTTPProxy.api_url == f"http://{proxy.PROXY_API_HOST}:{proxy.PROXY_API_PORT}"
    assert "ssl_cert" not in c.JupyterHub, "the hub would try to speak HTTPS itself"


def test_another_image_tag_is_run_when_asked(tmp_path, monkeypatch):
    c = load_hub_config(monkeypatch, Room(tmp_path), CLASSROOM_IMAGE_TAG="e2e")
    assert c.DockerSpawner.image == f"{load_images().images['foundations'].name}:e2e"


@pytest.mark.parametrize(
    "settings, env, needles",
    [
        ('[limits]\nmemory = "4T"\n', {}, ["limits.memory", "'4T'", "allowed"]),
        ('[auth]\ntype = "github"\nclient_id = "abc"\n', {}, ["OAUTH_CLIENT_SECRET"]),
        ("[auth.options.GoogleOAuthenticator]\nusername_claim = 'email'\n", {}, ["auth.options", "allowed"]),
    ],
)
def test_a_configuration_error_stops_the_hub_with_its_message(tmp_path, monkeypatch, settings, env, needles):
    with pytest.raises(SystemExit) as stop:
        load_hub_config(monkeypatch, Room(tmp_path, settings), **env)
    assert str(stop.value).startswith("classroom configuration error: ")
    for needle in needles:
        assert needle in str(stop.value)


def test_loading_the_config_does_not_talk_to_docker(tmp_path, monkeypatch):
    """The exclusive GPU pool is read from Docker at the first start, not when the config loads."""
    room = Room(tmp_path, '[gpu]\npolicy = "exclusive"\ndevices = ["0", "1"]\n')
    c = load_hub_config(monkeypatch, room, DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock")
    assert callable(c.DockerSpawner.pre_spawn_hook)
    with pytest.raises(docker.errors.DockerException):
        docker.from_env().ping()  # any Docker call at load time would have failed like this


# --- a real hub, initialised with the real configuration -----------------------------------


async def initialised_hub(c: Config):
    from jupyterhub.app import JupyterHub

    app = JupyterHub(config=c)
    await app.initialize([])
    for name in ("ada", "teach", "boss"):
        await app._get_or_create_user(name, hint="a login")  # students are hub users from their first login
    return app


def start_hub(c: Config):
    return asyncio.run(initialised_hub(c))


def roles_of(app, name):
    from jupyterhub import orm

    user = orm.User.find(app.db, name)
    return user.admin, sorted(r.name for r in user.roles)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A real JupyterHub initialised with the real config file (folders in tmp) and the roster."""
    room = Room(tmp_path_factory.mktemp("hub"))
    mp = pytest.MonkeyPatch()
    try:
        app = start_hub(load_hub_config(mp, room))
    finally:
        mp.undo()
    yield SimpleNamespace(room=room, app=app)
    app.db.close()


def test_admins_are_the_rosters_admins_and_instructors_are_not_admins(hub):
    app = hub.app
    assert roles_of(app, "boss") == (True, ["admin", "user"])
    assert roles_of(app, "teach") == (False, ["instructor", "user"])


INSTRUCTOR = {
    "admin-ui",
    "list:users",
    "read:users",
    "read:users:activity",
    "access:servers",
    "servers",
    "read:metrics",
    "access:services",
    "custom:announcements:post",
}
NEVER_FOR_INSTRUCTORS = {
    "admin:users",
    "admin:servers",
    "admin:auth_state",
    "admin:groups",
    "admin:services",
    "delete:users",
    "shutdown",
    "tokens",
    "read:tokens",
    "proxy",
}


def test_the_instructor_role_has_exactly_the_scopes_teaching_needs(hub):
    from jupyterhub import orm, scopes

    app = hub.app
    role = orm.Role.find(app.db, "instructor")
    assert set(role.scopes) == INSTRUCTOR
    assert not scopes.expand_scopes(role.scopes) & NEVER_FOR_INSTRUCTORS
    # everything an instructor's token can do: their own user, and the instructor role
    held = scopes.get_scopes_for(orm.User.find(app.db, "teach"))
    assert not {s.split("!")[0] for s in held if "!" not in s} & NEVER_FOR_INSTRUCTORS
    assert {"admin:users", "shutdown"} <= scopes.get_scopes_for(orm.User.find(app.db, "boss"))


def test_only_instructors_and_admins_may_post_announcements_and_everyone_reads_them(hub):
    """The service's OAuth tokens carry the post scope only for users who hold it (the real
    hub's roles and its service's allowed scopes), and every user may open its page."""
    from jupyterhub import orm, scopes

    from dlcourse.announcements import POST_SCOPE, SERVICE

    app = hub.app
    service = app._service_map[SERVICE]
    assert service.oauth_client_allowed_scopes == [POST_SCOPE]
    holds = {name: POST_SCOPE in scopes.get_scopes_for(orm.User.find(app.db, name)) for name in ("ada", "teach")}
    assert holds == {"ada": False, "teach": True}
    for name in ("ada", "teach", "boss"):
        assert scopes.has_scope(
            f"access:services!service={SERVICE}", scopes.get_scopes_for(orm.User.find(app.db, name))
        )
    assert app.template_vars["announcement"](None) == ""  # nothing posted yet


def test_the_idle_culler_role_has_only_the_scopes_it_needs(hub):
    from jupyterhub import orm, scopes

    app = hub.app
    role = orm.Role.find(app.db, "idle-culler")
    assert set(role.scopes) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}
    assert [s.name for s in role.services] == ["idle-culler"]
    expanded = scopes.expand_scopes(role.scopes)
    assert not expanded & {"admin:users", "admin:servers", "servers", "users", "shutdown", "tokens", "delete:users"}
    # what the culler's own token (made by the hub for the managed service) may do
    [token] = orm.Service.find(app.db, "idle-culler").api_tokens
    held = {"list:users", "read:users:name", "read:users:activity", "read:servers", "delete:servers"}
    assert scopes.get_scopes_for(token) == held


def test_a_demoted_admin_loses_admin_when_the_hub_restarts_and_promotions_apply(tmp_path, monkeypatch):
    room = Room(tmp_path)
    app = start_hub(load_hub_config(monkeypatch, room))
    assert roles_of(app, "boss")[0] is True
    app.db.close()
    room.write(roster="username,role\nboss,student\nteach,admin\nada,instructor\n")
    app = start_hub(load_hub_config(monkeypatch, room))
    assert roles_of(app, "boss") == (False, ["user"])
    assert roles_of(app, "teach") == (True, ["admin", "user"])
    assert roles_of(app, "ada") == (False, ["instructor", "user"])
    app.db.close()


def test_at_every_login_admin_status_is_the_rosters(hub):
    """The real login path of the authenticator (password check, then is_admin), also after a
    roster edit without a hub restart."""
    from dlcourse.codes import read_codes

    room, app = hub.room, hub.app

    codes = read_codes(room.paths.state / "enrolment-codes.csv")

    def login(name):
        return asyncio.run(app.authenticator.get_authenticated_user(None, {"username": name, "password": codes[name]}))

    assert login("boss")["admin"] is True
    assert login("teach")["admin"] is False  # an explicit False: JupyterHub takes admin away
    assert login("ada")["admin"] is False
    room.write(roster=ROSTER.replace("boss,admin", "boss,instructor"))
    try:
        assert login("boss")["admin"] is False
    finally:
        room.write()


# --- point 3: every value the validator accepts is what the libraries get --------------------


def spawn(app, c: Config, name: str, environment: str, monkeypatch) -> tuple:
    """The user's real ClassroomSpawner with the configuration `c`, its pre-spawn hook run, then
    its real create_object up to the Docker API call: (spawner, the container's config)."""
    from dlcourse.spawner import ClassroomSpawner

    api = docker.APIClient(base_url="unix:///nonexistent/docker.sock", version="1.41")
    created = {}

    def create_container_from_config(config, name=None, platform=None):
        created.update(config=config, name=name)
        return {"Id": "0" * 64}

    monkeypatch.setattr(api, "create_container_from_config", create_container_from_config)
    monkeypatch.setattr(ClassroomSpawner, "_client", api)
    user = app.users[name]
    spawner = user._new_spawner(f"t{len(user.spawners)}", spawner_class=ClassroomSpawner, config=c)
    spawner.user_options = {"image": environment}
    spawner.api_token = "t" * 32
    spawner.cmd = ["start-singleuser"]  # the image's CMD, which DockerSpawner would ask Docker for

    async def start():  # DockerSpawner.start up to its create_object (no container exists yet)
        await spawner.pre_spawn_hook(spawner)
        spawner.image = await spawner.check_allowed(spawner.user_options["image"])
        await spawner.create_object()

    asyncio.run(start())
    return spawner, created["config"]


SIZES_ACCEPTED = [
    "4G", "4g", "4GB", "4gb", "4Gi", "4GiB", "4gib", "512M", "512m", "512MB", "512Mi", "262144K",
    "262144k", "1.5G", "1.5g", "0.5G", "0.25g", "2.75G", "3.3G", "1024M", "1048576KiB",
]  # fmt: skip
SHM_ACCEPTED = ["1M", "1m", "64m", "64MB", "1G", "1g", "1.5g", "2GiB", "0.001G", "1024k"]


@pytest.mark.parametrize("memory", SIZES_ACCEPTED)
def test_every_accepted_memory_is_the_limit_docker_gets(hub, tmp_path, monkeypatch, memory):
    app = hub.app
    c = Room(tmp_path, f'[limits]\nmemory = "{memory}"\n').config()
    spawner, config = spawn(app, c, "ada", "foundations", monkeypatch)
    assert spawner.mem_limit == meant(memory)
    assert config["HostConfig"]["Memory"] == meant(memory)


@pytest.mark.parametrize("shm", SHM_ACCEPTED)
def test_every_accepted_shm_size_is_the_size_docker_gets(hub, tmp_path, monkeypatch, shm):
    app = hub.app
    c = Room(tmp_path, f'[limits]\nshm_size = "{shm}"\n').config()
    _, config = spawn(app, c, "ada", "foundations", monkeypatch)
    assert config["HostConfig"]["ShmSize"] == meant(shm)


@pytest.mark.parametrize("cpus", [0.1, 0.5, 1, 1.5, 2.25, 3, 16, 256])
@pytest.mark.parametrize("pids", [64, 1024, 65536])
def test_every_accepted_cpus_and_pids_are_what_docker_gets(hub, tmp_path, monkeypatch, cpus, pids):
    app = hub.app
    c = Room(tmp_path, f"[limits]\ncpus = {cpus}\npids = {pids}\n").config()
    spawner, config = spawn(app, c, "ada", "foundations", monkeypatch)
    host = config["HostConfig"]
    assert spawner.cpu_limit == cpus
    assert host["CpuPeriod"] == 100_000 and abs(host["CpuQuota"] - cpus * 100_000) < 1
    assert host["PidsLimit"] == pids
    assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges"]
    assert config["User"] == "1000:1000"


OVERRIDES = """
[limits]
memory = "3g"
shm_size = "512m"
cpus = 2
pids = 512
[limits.environment.pytorch]
memory = "6GB"
shm_size = "2gb"
[limits.role.instructor]
cpus = 4
memory = "5gi"
[limits.role.admin]
pids = 2048
shm_size = "1.5G"
"""


@pytest.mark.parametrize(
    "user, environment, memory, shm, cpus, pids",
    [
        ("ada", "foundations", 3 * GIB, 512 * MIB, 2.0, 512),
        ("ada", "pytorch", 6 * GIB, 2 * GIB, 2.0, 512),
        ("teach", "foundations", 5 * GIB, 512 * MIB, 4.0, 512),
        ("teach", "pytorch", 5 * GIB, 2 * GIB, 4.0, 512),  # the role wins over the environment
        ("boss", "jax", 3 * GIB, int(1.5 * GIB), 2.0, 2048),
    ],
)
def test_limits_per_environment_and_per_roster_role_reach_docker(
    hub, tmp_path, monkeypatch, user, environment, memory, shm, cpus, pids
):
    app = hub.app
    c = Room(tmp_path, OVERRIDES).config()
    _, config = spawn(app, c, user, environment, monkeypatch)
    host = config["HostConfig"]
    assert (host["Memory"], host["ShmSize"], host["CpuQuota"], host["PidsLimit"]) == (
        memory,
        shm,
        int(cpus * 100_000),
        pids,
    )
    assert config["Image"] == load_images().ref(load_images().by_environment(environment).folder)


@pytest.mark.parametrize("user, mode", [("ada", "ro"), ("teach", "rw"), ("boss", "rw")])
def test_the_shared_folder_is_read_only_for_students_and_writable_for_instructors(
    hub, tmp_path, monkeypatch, user, mode
):
    """The binds Docker gets: the member's home and the class's shared folder at ~/shared, in the
    mode of their roster role; and the limit JupyterLab's memory meter reads (MEM_LIMIT, CPU_LIMIT)."""
    c = Room(tmp_path, OVERRIDES).config()
    spawner, config = spawn(hub.app, c, user, "foundations", monkeypatch)
    assert sorted(config["HostConfig"]["Binds"]) == sorted(
        [f"room-home-{user}:/home/jovyan:rw", f"room-shared:/home/jovyan/shared:{mode}"]
    )
    env = dict(e.split("=", 1) for e in config["Env"])
    assert int(env["MEM_LIMIT"]) == config["HostConfig"]["Memory"] == spawner.mem_limit
    assert float(env["CPU_LIMIT"]) == spawner.cpu_limit == config["HostConfig"]["CpuQuota"] / 100_000


@pytest.mark.parametrize(
    "text, key, value",
    [
        ('memory = "4"', "limits.memory", "'4'"),
        ('memory = "4T"', "limits.memory", "'4T'"),
        ('memory = "4tb"', "limits.memory", "'4tb'"),
        ('memory = "4 G"', "limits.memory", "'4 G'"),
        ('memory = "G"', "limits.memory", "'G'"),
        ('memory = ""', "limits.memory", "''"),
        ('memory = "-1G"', "limits.memory", "'-1G'"),
        ('memory = "0G"', "limits.memory", "'0G'"),
        ('memory = "255M"', "limits.memory", "'255M'"),
        ('memory = "1e3M"', "limits.memory", "'1e3M'"),
        ('memory = "0x10G"', "limits.memory", "'0x10G'"),
        ('memory = "4GBs"', "limits.memory", "'4GBs'"),
        ("memory = 4", "limits.memory", "4"),
        ('shm_size = "0M"', "limits.shm_size", "'0M'"),
        ('shm_size = "0.5M"', "limits.shm_size", "'0.5M'"),
        ('shm_size = "1T"', "limits.shm_size", "'1T'"),
        ('shm_size = "64"', "limits.shm_size", "'64'"),
        ("cpus = 0", "limits.cpus", "0"),
        ("cpus = 0.05", "limits.cpus", "0.05"),
        ("cpus = 257", "limits.cpus", "257"),
        ('cpus = "2"', "limits.cpus", "'2'"),
        ("cpus = true", "limits.cpus", "True"),
        ("pids = 63", "limits.pids", "63"),
        ("pids = 65537", "limits.pids", "65537"),
        ("pids = 1.5", "limits.pids", "1.5"),
        ("environment = {pytorch = {memory = '4t'}}", "limits.environment.pytorch.memory", "'4t'"),
        ("environment = {pytorch = {cpus = true}}", "limits.environment.pytorch.cpus", "True"),
        ("role = {instructor = {pids = 10}}", "limits.role.instructor.pids", "10"),
        ("role = {admin = {shm_size = '1tb'}}", "limits.role.admin.shm_size", "'1tb'"),
    ],
)
def test_a_limit_no_library_would_take_is_refused_naming_key_value_and_allowed(tmp_path, text, key, value):
    with pytest.raises(ConfigError) as err:
        Room(tmp_path, f"[limits]\n{text}\n").config()
    message = str(err.value)
    assert f"'{key}'" in message and value in message and "allowed:" in message


@pytest.mark.parametrize("raw", ["4g", "4GB", "4Gi", "1.5gib", "512m"])
def test_the_spellings_the_validator_normalises_are_ones_the_spawner_refuses_as_written(hub, raw, tmp_path):
    """Why normalising matters: JupyterHub's ByteSpecification takes only upper-case K, M, G, T."""
    spawner = hub.app.users["ada"].spawner
    with pytest.raises(TraitError):
        spawner.mem_limit = raw
    spawner.mem_limit = load_settings(Room(tmp_path, f'[limits]\nmemory = "{raw}"\n').paths.config / "classroom.toml")[
        "limits"
    ]["memory"]
    assert spawner.mem_limit == meant(raw)


@pytest.mark.parametrize("raw", ["1t", "1tb", "4T"])
def test_sizes_docker_cannot_read_as_shm_size_are_refused(raw, tmp_path):
    with pytest.raises(docker.errors.DockerException):
        docker.utils.parse_bytes(raw.lower())
    with pytest.raises(ConfigError, match=r"limits\.shm_size"):
        Room(tmp_path, f'[limits]\nshm_size = "{raw}"\n').config()


def test_the_exclusive_gpu_pool_is_read_back_once_before_the_first_start(hub, tmp_path, monkeypatch):
    """Not when the configuration loads (a test loads it without Docker), but before any slot is
    given: once, also when the first starts come together."""
    import time

    from dlcourse.spawner import ClassroomSpawner

    room = Room(tmp_path, '[gpu]\npolicy = "exclusive"\ndevices = ["0", "1"]\n')
    c = room.config()
    reads = []

    def rebuild():  # stands in for reading the containers' labels from Docker (a slow call)
        reads.append(len(reads))
        time.sleep(0.2)

    monkeypatch.setattr(room.hooks, "rebuild", rebuild)
    assert reads == []
    spawners = []
    for name in ("ada", "teach", "boss"):
        spawner = hub.app.users[name]._new_spawner("gpu", spawner_class=ClassroomSpawner, config=c)
        spawner.user_options = {"image": "foundations"}
        spawners.append(spawner)

    async def rush():
        await asyncio.gather(*(s.pre_spawn_hook(s) for s in spawners[:2]))
        await spawners[2].pre_spawn_hook(spawners[2])

    asyncio.run(rush())
    assert reads == [0]
    assert all(s.extra_create_kwargs["labels"]["dlcourse.classroom"] == "room" for s in spawners)


# --- timeouts and culling -------------------------------------------------------------------


@pytest.mark.parametrize("start_timeout", [30, 300, 1800])
def test_the_start_timeout_is_the_spawners(hub, tmp_path, monkeypatch, start_timeout):
    app = hub.app
    c = Room(tmp_path, f"[hub]\nstart_timeout = {start_timeout}\n").config()
    spawner, _ = spawn(app, c, "ada", "foundations", monkeypatch)
    assert spawner.start_timeout == start_timeout


@pytest.mark.parametrize("timeout", [300, 3600, 604800])
def test_the_server_idle_timeout_is_what_the_idle_culler_reads(tmp_path, timeout):
    from jupyterhub_idle_culler import IdleCuller

    c = Room(tmp_path, f"[culling]\nserver_idle_timeout = {timeout}\n").config()
    [service] = [s for s in c.JupyterHub.services if s["name"] == "idle-culler"]
    culler = IdleCuller()
    culler.parse_command_line(service["command"][3:])
    assert service["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    assert (culler.timeout, culler.cull_every) == (timeout, 60)


def test_no_culler_when_servers_are_never_culled(tmp_path):
    c = Room(tmp_path, "[culling]\nserver_idle_timeout = 0\n").config()
    assert [s["name"] for s in c.JupyterHub.services] == ["progress", "announcements"]
    assert [r["name"] for r in c.JupyterHub.load_roles] == ["admin", "instructor", "user"]


@pytest.mark.parametrize("timeout", [0, 300, 1800, 604800])
def test_the_kernel_idle_timeout_is_what_the_servers_kernel_manager_gets(hub, tmp_path, monkeypatch, timeout):
    """The spawner's environment, read by the images' jupyter_server_config.py."""
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    app = hub.app
    c = Room(tmp_path, f"[culling]\nkernel_idle_timeout = {timeout}\n").config()
    _, config = spawn(app, c, "ada", "foundations", monkeypatch)
    env = dict(item.split("=", 1) for item in config["Env"])
    monkeypatch.setenv("KERNEL_CULL_IDLE_TIMEOUT", env["KERNEL_CULL_IDLE_TIMEOUT"])
    server_config = PyFileConfigLoader("jupyter_server_config.py", str(ROOT / "images/course/start")).load_config()
    assert AsyncMappingKernelManager(config=server_config).cull_idle_timeout == timeout


@pytest.mark.parametrize(
    "text, key",
    [
        ("[hub]\nport = 0", "hub.port"),
        ("[hub]\nport = 65536", "hub.port"),
        ('[hub]\nport = "8000"', "hub.port"),
        ("[hub]\nstart_timeout = 29", "hub.start_timeout"),
        ("[hub]\nstart_timeout = 1801", "hub.start_timeout"),
        ("[culling]\nserver_idle_timeout = 299", "culling.server_idle_timeout"),
        ("[culling]\nserver_idle_timeout = -1", "culling.server_idle_timeout"),
        ("[culling]\nkernel_idle_timeout = 604801", "culling.kernel_idle_timeout"),
        ("[culling]\nkernel_idle_timeout = 1.5", "culling.kernel_idle_timeout"),
    ],
)
def test_a_port_or_timeout_out_of_range_is_refused(tmp_path, text, key):
    with pytest.raises(ConfigError, match=rf"'{key}' = "):
        Room(tmp_path, text).config()


@pytest.mark.parametrize("port", [1, 8000, 65535])
def test_every_accepted_port_is_a_port(tmp_path, port):
    """hub.port is compose's (the host side of the mapping; the hub binds :8000 in its container)."""
    settings = load_settings(Room(tmp_path, f"[hub]\nport = {port}\n").paths.config / "classroom.toml")
    assert settings["hub"]["port"] == port


# --- the authenticators get what the settings say --------------------------------------------


def real_authenticator(c: Config):
    """The class apply() selected, constructed with its configuration (the roster's own with a
    database of its own, as the hub gives it one)."""
    from jupyterhub import orm

    cls = hubconfig.authenticator(c.JupyterHub.authenticator_class)
    if cls.__name__ == "RosterAuthenticator":
        return cls(config=c, _deprecated_db_session=orm.new_session_factory("sqlite://")())
    return cls(config=c)


@pytest.mark.parametrize("length, failed, lockout", [(8, 0, 1), (10, 5, 300), (72, 100, 86400), (12, 1, 3600)])
def test_every_accepted_password_policy_is_the_roster_authenticators(tmp_path, length, failed, lockout):
    text = (
        f"[auth]\nminimum_password_length = {length}\nallowed_failed_logins = {failed}\nlockout_seconds = {lockout}\n"
    )
    a = real_authenticator(Room(tmp_path, text, roster="t,instructor\n").config())
    assert (a.minimum_password_length, a.allowed_failed_logins, a.seconds_before_next_try) == (length, failed, lockout)
    assert a.enable_signup is False


GITHUB = '[auth]\ntype = "github"\nclient_id = "abc"\noauth_callback_url = "https://hub.uni.edu/hub/oauth_callback"\n'
GOOGLE = '[auth]\ntype = "google"\nclient_id = "abc"\n'
LTI = (
    '[auth]\ntype = "lti13"\nclient_id = "abc"\nissuer = "https://lms.uni.edu"\n'
    'authorize_url = "https://lms.uni.edu/auth"\njwks_endpoint = "https://lms.uni.edu/jwks"\n'
)


def test_github_gets_its_client_callback_organizations_and_the_secret_from_the_environment(tmp_path):
    room = Room(tmp_path, GITHUB + 'allowed_organizations = ["uni-ml", "uni-ml:tas"]\n', roster="t,instructor\n")
    a = real_authenticator(room.config(secret="s3cret"))
    assert type(a).__name__ == "GitHubRosterAuthenticator"
    assert (a.client_id, a.client_secret) == ("abc", "s3cret")
    assert a.oauth_callback_url == "https://hub.uni.edu/hub/oauth_callback"
    assert a.allowed_organizations == {"uni-ml", "uni-ml:tas"}


def test_google_gets_its_hosted_domains(tmp_path):
    room = Room(tmp_path, GOOGLE + 'hosted_domain = ["uni.edu", "cs.uni.edu"]\n', roster="t@uni.edu,instructor\n")
    a = real_authenticator(room.config(secret="s"))
    assert a.hosted_domain == ["uni.edu", "cs.uni.edu"] and a.client_id == "abc"


def test_lti_gets_its_platform(tmp_path):
    a = real_authenticator(Room(tmp_path, LTI, roster="t@uni.edu,instructor\n").config())
    assert a.client_id == {"abc"} and a.issuer == "https://lms.uni.edu"
    assert (a.authorize_url, a.jwks_endpoint) == ("https://lms.uni.edu/auth", "https://lms.uni.edu/jwks")


@pytest.mark.parametrize(
    "text, key, value",
    [
        ("[auth]\nminimum_password_length = 7", "auth.minimum_password_length", "7"),
        ("[auth]\nminimum_password_length = 73", "auth.minimum_password_length", "73"),
        ("[auth]\nallowed_failed_logins = -1", "auth.allowed_failed_logins", "-1"),
        ("[auth]\nallowed_failed_logins = 101", "auth.allowed_failed_logins", "101"),
        ("[auth]\nlockout_seconds = 0", "auth.lockout_seconds", "0"),
        ("[auth]\nlockout_seconds = 86401", "auth.lockout_seconds", "86401"),
        (GITHUB + "allowed_organizations = [1]", "auth.allowed_organizations", "1"),
        (GITHUB + 'allowed_organizations = [""]', "auth.allowed_organizations", "''"),
        (GOOGLE + "hosted_domain = [1]", "auth.hosted_domain", "1"),
        (GITHUB.replace("https://hub.uni.edu/hub", "hub.uni.edu/hub"), "auth.oauth_callback_url", "'hub.uni.edu"),
        (LTI.replace('issuer = "https://', 'issuer = "'), "auth.issuer", "'lms.uni.edu'"),
    ],
)
def test_an_authenticator_value_its_class_would_refuse_or_misread_is_refused(tmp_path, text, key, value):
    with pytest.raises(ConfigError) as err:
        Room(tmp_path, text, roster="t,instructor\n").config(secret="s")
    assert f"'{key}'" in str(err.value) and value in str(err.value) and "allowed" in str(err.value)


# --- [auth.options]: other options of the selected authenticator ------------------------------


@pytest.mark.parametrize(
    "settings, roster, options",
    [
        (
            GOOGLE,
            "t@uni.edu,instructor\n",
            '[auth.options.GoogleOAuthenticator]\nusername_claim = "email"\nstrip_domain = false\n'
            'login_service = "your university account"\n',
        ),
        (GOOGLE, "t@uni.edu,instructor\n", '[auth.options]\nOAuthenticator.scope = ["openid", "email"]\n'),
        (LTI, "t@uni.edu,instructor\n", '[auth.options.LTI13Authenticator]\nusername_key = "email"\n'),
        (LTI, "t@uni.edu,instructor\n", '[auth.options.LTI13Authenticator]\nuri_scheme = "https"\n'),
        (GITHUB, "t,instructor\n", '[auth.options.GitHubOAuthenticator]\nlogin_service = "GitHub (ML class)"\n'),
        ("", ROSTER, "[auth.options.NativeAuthenticator]\ncheck_common_password = true\n"),
        ("", ROSTER, '[auth.options.Authenticator]\nusername_map = {"Ada" = "ada"}\n'),
    ],
)
def test_authenticator_options_reach_the_real_authenticator(tmp_path, settings, roster, options):
    import tomllib

    a = real_authenticator(Room(tmp_path, settings + options, roster=roster).config(secret="s"))
    for traits in tomllib.loads(options)["auth"]["options"].values():
        for trait, value in traits.items():
            got = getattr(a, trait)
            assert got == (set(value) if isinstance(got, set) else value), trait


@pytest.mark.parametrize(
    "settings, options, needles",
    [
        # a class that is not the selected authenticator nor one of its bases
        (GOOGLE, "[auth.options.GitHubOAuthenticator]\nlogin_service = 'x'", ["GitHubOAuthenticator", "allowed"]),
        (GOOGLE, "[auth.options.DockerSpawner]\nmem_limit = '8G'", ["DockerSpawner", "GoogleOAuthenticator"]),
        # no such option, or not a configurable one
        (LTI, "[auth.options.LTI13Authenticator]\nusername_keys = 'email'", ["username_keys", "username_key"]),
        (GOOGLE, "[auth.options.OAuthenticator]\nhttp_client = 'x'", ["http_client", "allowed"]),
        # a value the option's own validation refuses
        (LTI, "[auth.options.LTI13Authenticator]\nusername_key = 1", ["username_key", "1", "unicode string"]),
        (LTI, "[auth.options.LTI13Authenticator]\nuri_scheme = 'ftp'", ["uri_scheme", "'ftp'", "https"]),
        (GOOGLE, "[auth.options.GoogleOAuthenticator]\nstrip_domain = 'yes'", ["strip_domain", "'yes'", "boolean"]),
        (GOOGLE, "[auth.options.OAuthenticator]\nscope = ['openid', 1]", ["OAuthenticator.scope", "1]", "a list"]),
        ("", "[auth.options.Authenticator]\nusername_map = ['ada']", ["username_map", "['ada']", "dict"]),
        # secrets stay out of the file
        (
            GOOGLE,
            "[auth.options.OAuthenticator]\nclient_secret = 'x'",
            ["client_secret", "OAUTH_CLIENT_SECRET", ".env"],
        ),
        ("", "[auth.options.NativeAuthenticator]\nrecaptcha_secret = 'x'", ["recaptcha_secret", "OAUTH_CLIENT_SECRET"]),
        # options the classroom sets itself, or that would undo the roster
        (GOOGLE, "[auth.options.OAuthenticator]\nclient_id = 'x'", ["client_id", "'auth.client_id'"]),
        (GOOGLE, "[auth.options.Authenticator]\nallow_all = true", ["allow_all", "roster decides"]),
        (GITHUB, "[auth.options.OAuthenticator]\nadmin_groups = ['x']", ["admin_groups", "roster decides"]),
        ("", "[auth.options.NativeAuthenticator]\nenable_signup = true", ["enable_signup", "roster decides"]),
        # the shape
        (GOOGLE, "[auth.options]\nusername_claim = 'email'", ["auth.options.username_claim", "allowed"]),
    ],
)
def test_a_bad_authenticator_option_is_refused_naming_key_value_and_allowed(tmp_path, settings, options, needles):
    roster = "t,instructor\n" if "github" in settings or not settings else "t@uni.edu,instructor\n"
    with pytest.raises(ConfigError) as err:
        Room(tmp_path, settings + options + "\n", roster=roster).config(secret="s")
    for needle in needles:
        assert needle in str(err.value), str(err.value)


def test_the_shipped_settings_and_example_roster_configure_the_hub(tmp_path):
    """hub/classroom.toml as shipped, with hub/roster.example.csv."""
    room = Room(
        tmp_path, (ROOT / "hub" / "classroom.toml").read_text(), (ROOT / "hub" / "roster.example.csv").read_text()
    )
    c = room.config()
    roster = load_roster(room.paths.roster)
    admins = sorted(m.username for m in roster.values() if m.role == "admin")
    instructors = sorted(m.username for m in roster.values() if m.role == "instructor")
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert admins and instructors and roles["admin"]["users"] == admins
    assert roles["instructor"]["users"] == instructors
    assert "admin_users" not in c.Authenticator
    offered = environment_choices(load_images(), load_settings()["environments"]["offered"])
    assert len(c.DockerSpawner.allowed_images) == len(offered)
    assert os.path.exists(c.JupyterHub.template_paths[0])


TEST_CULL = "DLCOURSE_TESTS_ONLY_KERNEL_CULL"  # images/course/start/jupyter_server_config.py


def server_kernel_manager(monkeypatch, **env):
    """The kernel manager a course image's Jupyter server builds from its config file, in `env`."""
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    for name in ("KERNEL_CULL_IDLE_TIMEOUT", TEST_CULL):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    server_config = PyFileConfigLoader("jupyter_server_config.py", str(ROOT / "images/course/start")).load_config()
    return AsyncMappingKernelManager(config=server_config)


def test_the_tests_only_kernel_culling_sets_timeout_and_interval_and_keeps_connected_kernels(monkeypatch):
    """The end-to-end cull test's image layer sets it; the server then culls within seconds,
    still never a kernel a browser is connected to."""
    km = server_kernel_manager(monkeypatch, KERNEL_CULL_IDLE_TIMEOUT="1800", **{TEST_CULL: "8,2"})
    assert (km.cull_idle_timeout, km.cull_interval, km.cull_connected) == (8, 2, False)
    km = server_kernel_manager(monkeypatch, KERNEL_CULL_IDLE_TIMEOUT="1800")
    assert (km.cull_idle_timeout, km.cull_interval, km.cull_connected) == (1800, 120, False)


def test_no_classroom_can_reach_the_tests_only_kernel_culling(hub, tmp_path, monkeypatch):
    """Only the end-to-end test sets it: not the spawner's environment (whatever the settings),
    not the hub's own environment passed on to servers, not any image's Dockerfile."""
    monkeypatch.setenv(TEST_CULL, "8,2")  # even a hub that had it in its own environment
    c = Room(tmp_path, "[culling]\nkernel_idle_timeout = 300\n").config()
    assert set(c.DockerSpawner.environment) == {"KERNEL_CULL_IDLE_TIMEOUT"}
    _, config = spawn(hub.app, c, "ada", "foundations", monkeypatch)
    env = dict(item.split("=", 1) for item in config["Env"])
    assert TEST_CULL not in env and env["KERNEL_CULL_IDLE_TIMEOUT"] == "300", env
    for dockerfile in sorted((ROOT / "images").glob("*/Dockerfile")):
        assert TEST_CULL not in dockerfile.read_text(), f"{dockerfile.relative_to(ROOT)} sets {TEST_CULL}"
    with pytest.raises(ConfigError, match="kernel_idle_timeout' = 8; allowed: 0 \\(never\\) or 300"):
        Room(tmp_path, "[culling]\nkernel_idle_timeout = 8\n").config()
