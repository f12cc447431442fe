"""The instructor-facing configuration of the classroom: defaults, validation, roster.

One module holds the defaults and the checks (the way The Littlest JupyterHub's
configurer does), used by the hub at start (hub/jupyterhub_config.py), by the
Makefile (`python3 -m tools.check ...`) and by the tests. A wrong value
stops everything with one message naming the key, the value and what is allowed:
the hub never starts half-configured.

Files: hub/classroom.toml (the instructor's settings; see the comments there) and
the roster CSV it names (username,role[,section]). Secrets come from the
environment (OAUTH_CLIENT_SECRET), never from these files.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from dlcourse.manifest import ROOT, ConfigError, Images, load_course, load_images

CLASSROOM_TOML = ROOT / "hub" / "classroom.toml"

AUTH_TYPES = ("roster", "github", "google", "lti13")
GPU_POLICIES = ("none", "shared", "exclusive")
SOLUTIONS = ("shown", "hidden")
LIMIT_KEYS = ("memory", "cpus", "pids", "shm_size")
# The roster's role column. "admin": a hub admin (the lab's administrator: every user, every
# server, passwords, the hub itself). "instructor": the JupyterHub role "instructor" (the admin
# page, reading users, opening, starting and stopping servers, metrics; see dlcourse.hubconfig),
# not an admin. Each role may have its own limits ([limits.role.<role>]).
ROLES = ("student", "instructor", "admin")
# What a roster row holds for each login type: the username that login type's authenticator
# produces (after normalize_username), so that the roster admits exactly the people it names.
#   roster: a name chosen for the class (NativeAuthenticator accounts);
#   github: the GitHub login (GitHubOAuthenticator's username_claim "login"): up to 39 letters,
#     digits and hyphens, which may start with a digit;
#   google: the Google account's e-mail address (GoogleOAuthenticator's username_claim "email";
#     dlcourse.auth keeps the domain, strip_domain = False, so that one rule holds for any hosted_domain);
#   lti13: the e-mail address the LMS sends (LTI13Authenticator's username_key "email").
_EMAIL = re.compile(
    r"^(?=.{3,254}$)[a-z0-9._+'-]{1,64}@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
)
USERNAME = {
    "roster": (re.compile(r"^[a-z][a-z0-9_-]{0,31}$"), "1-32 of a-z 0-9 _ - starting with a letter"),
    "github": (re.compile(r"^[a-z0-9][a-z0-9-]{0,38}$"), "a GitHub login: 1-39 of a-z 0-9 -, not starting with -"),
    "google": (_EMAIL, "the Google account's e-mail address, like ada.lovelace@uni.edu"),
    "lti13": (_EMAIL, "the e-mail address the LMS sends, like ada.lovelace@uni.edu"),
    # [auth.options] changed how the authenticator makes usernames: what that option gives
    "custom": (
        re.compile(r"^[a-z0-9][a-z0-9._@+'-]{0,127}$"),
        "1-128 of a-z 0-9 . _ @ + ' - starting with a letter or digit (the username your [auth.options] give)",
    ),
}
# The authenticator options that decide which username a login type gives, with the values the
# rules above assume. [auth.options] setting one to another value (Google's strip_domain = true,
# LTI's username_key = "custom_uname") makes the roster's rows follow USERNAME["custom"].
USERNAME_OPTIONS = {
    "roster": {"username_map": {}},
    "github": {"username_map": {}, "username_claim": "login"},
    "google": {"username_map": {}, "username_claim": "email", "strip_domain": False},
    "lti13": {"username_map": {}, "username_key": "email"},
}


def username_rule(auth_type: str, options: dict | None = None) -> str:
    """The USERNAME rule the roster's rows follow for this login type and these authenticator
    options ({class name: {option: value}}, as [auth.options] holds them)."""
    assumed = USERNAME_OPTIONS[auth_type]
    for traits in (options or {}).values():
        for trait, value in traits.items():
            if trait in assumed and value != assumed[trait]:
                return "custom"
    return auth_type


# A size (limits.memory, limits.shm_size): a number and a binary unit K, M or G in any case,
# optionally followed by B, i or iB ("4g", "4G", "4GB", "4Gi", "4GiB", "1.5G"). It is stored as
# "<number><K|M|G>", the one form both libraries read alike: JupyterHub's ByteSpecification
# (DockerSpawner.mem_limit) takes upper-case K, M, G, T only, docker-py's parse_bytes (shm_size,
# which the spawn hook lower-cases) b, k, m, g only.
SIZE = re.compile(r"^(?P<number>(0|[1-9][0-9]*)(\.[0-9]+)?)(?P<unit>[kmg])(ib?|b)?$", re.I)
SIZE_UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}
# The smallest sizes that mean what they say: an idle server alone uses about 105 MB, and Docker
# reads a shm_size of 0 as "its default" (64M).
SIZE_MINIMUM = {"memory": "256M", "shm_size": "1M"}
URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
# [auth.options]: other options of the selected authenticator, ClassName.option = value (see
# hub/classroom.toml). Checked against the real class when the hub starts (dlcourse.hubconfig); here,
# what the names alone tell: secrets never go in the file, and options the classroom sets itself, or
# that would let in someone off the roster or make an admin the roster does not name, are refused.
OPTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OPTIONS_FROM_KEYS = {
    "client_id": "auth.client_id",
    "oauth_callback_url": "auth.oauth_callback_url",
    "allowed_organizations": "auth.allowed_organizations",
    "hosted_domain": "auth.hosted_domain",
    "issuer": "auth.issuer",
    "authorize_url": "auth.authorize_url",
    "jwks_endpoint": "auth.jwks_endpoint",
    "minimum_password_length": "auth.minimum_password_length",
    "allowed_failed_logins": "auth.allowed_failed_logins",
    "seconds_before_next_try": "auth.lockout_seconds",
    "roster_path": "hub.roster",
}
OPTIONS_THE_ROSTER_DECIDES = (
    "allow_all",
    "allow_existing_users",
    "allowed_users",
    "blocked_users",
    "admin_users",
    "allowed_groups",
    "admin_groups",
    "allowed_google_groups",
    "admin_google_groups",
    "manage_groups",
    "manage_roles",
    "enable_signup",
    "open_signup",
    "allow_self_approval_for",
    "import_from_firstuse",
    "auth_refresh_age",
    "refresh_pre_spawn",
    "roster_check_seconds",
    "codes_path",
)

DEFAULTS: dict = {
    "hub": {
        "port": 8000,  # public port on this host
        "https_cert": "",  # file in hub/tls/ ("" = plain HTTP)
        "https_key": "",
        "roster": "hub/roster.csv",  # relative to the repository
        "start_timeout": 300,  # seconds a server may take to start
    },
    "auth": {
        "type": "roster",
        "minimum_password_length": 10,
        "allowed_failed_logins": 5,
        "lockout_seconds": 300,
        "client_id": "",  # github / google / lti13
        "oauth_callback_url": "",  # github / google
        "allowed_organizations": [],  # github
        "hosted_domain": [],  # google
        "issuer": "",  # lti13
        "authorize_url": "",  # lti13
        "jwks_endpoint": "",  # lti13
        "options": {},  # other options of the authenticator: {GoogleOAuthenticator = {username_claim = "email"}}
    },
    "environments": {
        "offered": [],  # [] = every environment of images/images.toml
        "default": "foundations",
    },
    "limits": {
        "memory": "4G",
        "cpus": 2.0,
        "pids": 1024,
        "shm_size": "1G",
        "environment": {},  # per environment: {pytorch = {memory = "8G"}}
        "role": {},  # per role: {instructor = {memory = "8G"}} (wins over environment)
    },
    "gpu": {
        "policy": "none",
        "devices": [],  # exclusive: one entry per server: "0", "0,1", or a MIG UUID
    },
    "kubernetes": {  # make k8s-values (Zero to JupyterHub); ignored by the Docker classroom
        "registry": "",  # where the cluster pulls the images from, e.g. "registry.my-uni.edu/dlcourse"
        "storage_capacity": "10Gi",  # each student's home volume
        "storage_class": "",  # "" = the cluster's default storage class
        "shared_capacity": "5Gi",  # the class's shared folder (~/shared): one ReadWriteMany volume
        "shared_storage_class": "",  # a class that offers ReadWriteMany (NFS, CephFS, ...); "" = the default
        "gpu_profiles": True,  # also offer "<environment> with a GPU" (requests nvidia.com/gpu)
        "gpus_per_server": 1,
    },
    "course": {
        "solutions": "shown",  # "hidden": the images leave out the reference solutions (a graded class)
    },
    "culling": {
        "server_idle_timeout": 3600,  # stop a server idle this long (seconds; 0 = never)
        "kernel_idle_timeout": 1800,  # shut down a kernel idle this long, freeing its (GPU) memory
    },
    "grading": {  # make grade: each student's notebook runs in a sandbox container of its own
        "memory": "2G",
        "cpus": 1.0,
        "pids": 512,
        "disk": "512M",  # its only writable space (in memory, counted in memory)
        "notebook_timeout": 900,  # seconds one notebook may run in all; then it is stopped, 0 points
        "cell_timeout": 300,  # seconds one cell may run (nbgrader's Execute.timeout)
        "parallel": 1,  # sandboxes at once
        "cpu_weight": 256,  # Docker's --cpu-shares (students' servers have 1024): they stay responsive
    },
}
GRADING_RANGES = {  # key: (lowest, highest, what)
    "notebook_timeout": (30, 86400, "seconds"),
    "cell_timeout": (10, 86400, "seconds"),
    "parallel": (1, 64, "sandboxes at once"),
    "cpu_weight": (2, 1024, "(Docker's --cpu-shares; student servers have 1024)"),
}


KINDS = {  # how classroom.toml spells each kind of value, for the messages
    str: 'a string, in quotes ("...")',
    int: "a whole number (int)",
    float: "a number",
    bool: "true or false",
    list: "a list, [...]",
    dict: "a table, {...}",
}


@dataclass(frozen=True)
class Member:
    username: str
    role: str
    section: str
    line: int


def _merge(defaults: dict, given: dict, where: str) -> dict:
    merged = copy.deepcopy(defaults)
    for section, values in given.items():
        if section not in defaults:
            raise ConfigError(f"{where}: unknown section [{section}]; allowed: {', '.join(defaults)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        for key, value in values.items():
            if key not in defaults[section]:
                raise ConfigError(f"{where}: unknown key '{section}.{key}'; allowed: {', '.join(defaults[section])}")
            want = type(defaults[section][key])
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, want) or (want is int and isinstance(value, bool)):
                raise ConfigError(f"{where}: '{section}.{key}' = {value!r}; allowed: {KINDS[want]}")
            merged[section][key] = value
    return merged


def _choice(settings: dict, key: str, allowed, where: str) -> None:
    section, name = key.split(".")
    value = settings[section][name]
    if value not in allowed:
        raise ConfigError(f"{where}: '{key}' = {value!r}; allowed: {', '.join(map(str, allowed))}")


def load_settings(path: Path = CLASSROOM_TOML, images: Images | None = None) -> dict:
    """The validated settings, defaults filled in."""
    images = images or load_images()
    where = str(path)
    try:
        given = tomllib.loads(path.read_text()) if path.exists() else {}
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where}: not valid TOML ({err})") from None
    s = _merge(DEFAULTS, given, where)
    if not 1 <= s["hub"]["port"] <= 65535:
        raise ConfigError(f"{where}: 'hub.port' = {s['hub']['port']}; allowed: 1 to 65535")
    if bool(s["hub"]["https_cert"]) != bool(s["hub"]["https_key"]):
        raise ConfigError(
            f"{where}: 'hub.https_cert' and 'hub.https_key' go together: set both (files in hub/tls/) or neither"
        )
    for key in ("https_cert", "https_key"):
        value = s["hub"][key]
        if value and ("/" in value or value.startswith(".")):
            raise ConfigError(f"{where}: 'hub.{key}' = {value!r} must be a file name inside hub/tls/")
    if not 30 <= s["hub"]["start_timeout"] <= 1800:
        raise ConfigError(f"{where}: 'hub.start_timeout' = {s['hub']['start_timeout']}; allowed: 30 to 1800 seconds")
    _choice(s, "auth.type", AUTH_TYPES, where)
    _range(s, "auth.minimum_password_length", 8, 72, "(bcrypt reads at most 72 bytes of a password)", where)
    _range(s, "auth.allowed_failed_logins", 0, 100, "(0 = never lock an account)", where)
    _range(s, "auth.lockout_seconds", 1, 86400, "seconds", where)
    for key in ("allowed_organizations", "hosted_domain"):
        for item in s["auth"][key]:
            if not isinstance(item, str) or not item.strip():
                raise ConfigError(f"{where}: 'auth.{key}' contains {item!r}; allowed: a list of names (strings)")
    for key in ("oauth_callback_url", "issuer", "authorize_url", "jwks_endpoint"):
        value = s["auth"][key]
        if value and not URL.match(value):
            raise ConfigError(f"{where}: 'auth.{key}' = {value!r}; allowed: an http:// or https:// URL")
    _check_auth_options(s["auth"]["options"], where)
    if s["auth"]["type"] in ("github", "google", "lti13") and not s["auth"]["client_id"]:
        raise ConfigError(
            f"{where}: 'auth.type' = {s['auth']['type']!r} needs 'auth.client_id' "
            "(and the secret in the environment variable OAUTH_CLIENT_SECRET for github/google)"
        )
    if s["auth"]["type"] == "lti13":
        for key in ("issuer", "authorize_url", "jwks_endpoint"):
            if not s["auth"][key]:
                raise ConfigError(
                    f"{where}: 'auth.type' = 'lti13' needs 'auth.{key}' (from your LMS's tool registration)"
                )
    envs = images.environments
    offered = s["environments"]["offered"] or envs
    for env in offered:
        if env not in envs:
            raise ConfigError(f"{where}: 'environments.offered' contains {env!r}; allowed: {', '.join(envs)}")
    s["environments"]["offered"] = offered
    _choice(s, "environments.default", offered, where)
    s["limits"].update(_check_limits({k: s["limits"][k] for k in LIMIT_KEYS}, "limits", where))
    for group, names in (("environment", envs), ("role", ROLES)):
        for name, override in s["limits"][group].items():
            at = f"limits.{group}.{name}"
            if name not in names:
                raise ConfigError(f"{where}: '{at}': {name!r} is not a {group}; allowed: {', '.join(names)}")
            if not isinstance(override, dict) or set(override) - set(LIMIT_KEYS):
                raise ConfigError(f"{where}: '{at}' must be a table of {', '.join(LIMIT_KEYS)}")
            checked = _check_limits({**{k: s["limits"][k] for k in LIMIT_KEYS}, **override}, at, where)
            s["limits"][group][name] = {k: checked[k] for k in override}
    _choice(s, "gpu.policy", GPU_POLICIES, where)
    _choice(s, "course.solutions", SOLUTIONS, where)
    devices = s["gpu"]["devices"]
    if s["gpu"]["policy"] == "exclusive":
        if not devices or not all(isinstance(d, str) and d.strip() for d in devices):
            raise ConfigError(
                f"{where}: 'gpu.policy' = 'exclusive' needs 'gpu.devices', one entry per server, "
                'e.g. ["0", "1"] or ["0,1", "2,3"] or MIG UUIDs (nvidia-smi -L)'
            )
        seen: list[str] = [i.strip() for d in devices for i in d.split(",")]
        twice = sorted({i for i in seen if seen.count(i) > 1})
        if twice:
            raise ConfigError(f"{where}: 'gpu.devices' gives device(s) {twice} to more than one server")
    k8s = s["kubernetes"]
    if k8s["registry"] and not re.match(r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$", k8s["registry"]):
        raise ConfigError(
            f"{where}: 'kubernetes.registry' = {k8s['registry']!r}; allowed: a registry host and "
            "path like registry.example.org/dlcourse"
        )
    for key in ("storage_capacity", "shared_capacity"):
        if not re.match(r"^[1-9][0-9]*(Mi|Gi|Ti)$", k8s[key]):
            raise ConfigError(f"{where}: 'kubernetes.{key}' = {k8s[key]!r}; allowed: like 10Gi")
    for key in ("storage_class", "shared_storage_class"):
        if k8s[key] and not re.match(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", k8s[key]):
            raise ConfigError(
                f"{where}: 'kubernetes.{key}' = {k8s[key]!r}; allowed: \"\" (the cluster's default) or a "
                "storage class name (lower case letters, digits, '-' and '.')"
            )
    if not 1 <= k8s["gpus_per_server"] <= 16:
        raise ConfigError(f"{where}: 'kubernetes.gpus_per_server' = {k8s['gpus_per_server']}; allowed: 1 to 16")
    for key in ("server_idle_timeout", "kernel_idle_timeout"):
        value = s["culling"][key]
        if value != 0 and not 300 <= value <= 7 * 86400:
            raise ConfigError(f"{where}: 'culling.{key}' = {value}; allowed: 0 (never) or 300 to 604800 seconds")
    _check_grading(s, where)
    return s


def _check_grading(s: dict, where: str) -> None:
    grading = s["grading"]
    limits = _check_limits({**grading, "shm_size": grading["disk"]}, "grading", where)
    size = normalize_size(grading["disk"])
    if size is None or size_bytes(size) < size_bytes("64M"):
        raise ConfigError(
            f"{where}: 'grading.disk' = {grading['disk']!r}; allowed: a size of at least 64M, like 512M or 1G"
        )
    grading.update(memory=limits["memory"], cpus=limits["cpus"], disk=size)
    for key, (low, high, note) in GRADING_RANGES.items():
        _range(s, f"grading.{key}", low, high, note, where)
    if grading["cell_timeout"] > grading["notebook_timeout"]:
        raise ConfigError(
            f"{where}: 'grading.cell_timeout' = {grading['cell_timeout']} is longer than "
            f"'grading.notebook_timeout' = {grading['notebook_timeout']}; allowed: at most the notebook's timeout"
        )


def _range(settings: dict, key: str, low: int, high: int, note: str, where: str) -> None:
    section, name = key.split(".")
    value = settings[section][name]
    if not low <= value <= high:
        raise ConfigError(f"{where}: '{key}' = {value}; allowed: {low} to {high} {note}")


def normalize_size(value) -> str | None:
    """A size as the libraries read it ("4g" -> "4G", "1.5GiB" -> "1.5G"), or None if it is not one."""
    match = SIZE.match(value) if isinstance(value, str) else None
    return f"{match['number']}{match['unit'].upper()}" if match else None


def size_bytes(size: str) -> int:
    """The bytes of a normalised size, as both libraries count them (1G = 1024M, fractions rounded down)."""
    return int(Fraction(size[:-1]) * SIZE_UNITS[size[-1]])


def _check_limits(limits: dict, at: str, where: str) -> dict:
    """The limits with their sizes normalised and cpus a float; a value a library would refuse
    (or read as something else: a size of 0 is "no limit" to Docker) is an error."""
    checked = dict(limits)
    for key in ("memory", "shm_size"):
        size = normalize_size(limits[key])
        if size is None or size_bytes(size) < size_bytes(SIZE_MINIMUM[key]):
            raise ConfigError(
                f"{where}: '{at}.{key}' = {limits[key]!r}; allowed: a size of at least {SIZE_MINIMUM[key]}, "
                "a number and a unit K, M or G (1G = 1024M), like 512M, 4G, 1.5G"
            )
        checked[key] = size
    cpus = limits["cpus"]
    if isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or not 0.1 <= cpus <= 256:
        raise ConfigError(f"{where}: '{at}.cpus' = {cpus!r}; allowed: a number from 0.1 to 256")
    checked["cpus"] = float(cpus)
    pids = limits["pids"]
    if isinstance(pids, bool) or not isinstance(pids, int) or not 64 <= pids <= 65536:
        raise ConfigError(f"{where}: '{at}.pids' = {pids!r}; allowed: a whole number from 64 to 65536")
    return checked


def _check_auth_options(options: dict, where: str) -> None:
    """What [auth.options] may hold, by name; the values are checked against the real class by
    dlcourse.hubconfig.check_auth_options when the hub starts."""
    example = '[auth.options.GoogleOAuthenticator] username_claim = "email"'
    for cls, traits in options.items():
        at = f"auth.options.{cls}"
        if not OPTION_NAME.match(cls) or not isinstance(traits, dict):
            raise ConfigError(
                f"{where}: '{at}' = {traits!r}; allowed: a table of one authenticator class's options, like {example}"
            )
        for trait, value in traits.items():
            key = f"{at}.{trait}"
            if "secret" in trait.lower():
                raise ConfigError(
                    f"{where}: '{key}' = {value!r}; allowed: no secrets in this file: the OAuth client secret "
                    "goes in the environment variable OAUTH_CLIENT_SECRET (or in .env next to the Makefile)"
                )
            if not OPTION_NAME.match(trait):
                raise ConfigError(f"{where}: '{key}': {trait!r} is not an option name; allowed: like {example}")
            if trait in OPTIONS_FROM_KEYS:
                raise ConfigError(
                    f"{where}: '{key}' = {value!r}; allowed: not here: the classroom sets {trait} from "
                    f"'{OPTIONS_FROM_KEYS[trait]}'"
                )
            if trait in OPTIONS_THE_ROSTER_DECIDES:
                raise ConfigError(
                    f"{where}: '{key}' = {value!r}; allowed: not here: the roster decides who gets in and "
                    "who is an admin (its role column), and the classroom keeps it so"
                )


def limits_for(settings: dict, environment: str, role: str) -> dict:
    """The limits of one server: the defaults, then its environment's, then its role's."""
    limits = settings["limits"]
    return {
        **{k: limits[k] for k in LIMIT_KEYS},
        **limits["environment"].get(environment, {}),
        **limits["role"].get(role, {}),
    }


def normalize_username(raw: str) -> str:
    """A roster name as the hub will see it: every login type's authenticator lower-cases
    (JupyterHub's Authenticator.normalize_username); the CSV's spaces are trimmed."""
    return raw.strip().lower()


def parse_roster(
    text: str, where: str = "roster", auth_type: str = "roster", options: dict | None = None
) -> dict[str, Member]:
    """username -> Member. Names are normalised (trimmed, lower case) and validated by the rule
    of the login type and its [auth.options] (username_rule)."""
    if auth_type not in USERNAME_OPTIONS:
        raise ConfigError(f"{where}: 'auth.type' = {auth_type!r}; allowed: {', '.join(USERNAME_OPTIONS)}")
    pattern, rule = USERNAME[username_rule(auth_type, options)]
    rows = list(csv.reader(io.StringIO(text)))
    members: dict[str, Member] = {}
    for line, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if line == 1 and row[0].strip().lower() == "username":
            continue  # header
        if len(row) < 2:
            raise ConfigError(f"{where} line {line}: expected 'username,role[,section]', got {','.join(row)!r}")
        name, role = normalize_username(row[0]), row[1].strip().lower()
        if not pattern.match(name):
            raise ConfigError(
                f"{where} line {line}: username {row[0].strip()!r} is not allowed with auth.type = "
                f"{auth_type!r}; use {rule}"
            )
        if role not in ROLES:
            raise ConfigError(f"{where} line {line}: role {row[1].strip()!r} for {name!r}; allowed: {', '.join(ROLES)}")
        if name in members:
            raise ConfigError(
                f"{where} line {line}: username {row[0].strip()!r} collides with line "
                f"{members[name].line} ({name!r} after normalising)"
            )
        members[name] = Member(name, role, row[2].strip() if len(row) > 2 else "", line)
    if not any(m.role in ("instructor", "admin") for m in members.values()):
        raise ConfigError(f"{where}: no instructor and no admin; at least one row needs role 'instructor' or 'admin'")
    return members


def load_roster(path: Path, auth_type: str = "roster", options: dict | None = None) -> dict[str, Member]:
    """The roster file, checked against the username rule of the login type and the
    authenticator's options (the settings' auth.type and auth.options)."""
    if not path.exists():
        raise ConfigError(f"roster {path} does not exist (copy hub/roster.example.csv and edit it)")
    return parse_roster(path.read_text(), str(path), auth_type, options)


def environment_choices(images: Images, offered: list[str], course_path: Path | None = None) -> list[dict]:
    """What the spawn form shows: each environment with its description and the parts it serves."""
    course = load_course(course_path, images=images) if course_path else load_course(images=images)
    choices = []
    for env in offered:
        image = images.by_environment(env)
        parts = sorted({nb.part for nb in course.notebooks if nb.environment == env})
        choices.append(
            {
                "environment": env,
                "display_name": image.display_name,
                "description": image.description,
                "image": f"{image.name}:{images.tag}",
                "parts": [f"Part {p}: {course.parts[p]}" for p in parts],
            }
        )
    return choices
