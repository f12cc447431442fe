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
from pathlib import Path

from dlcourse.manifest import ROOT, ConfigError, Images, load_course, load_images

CLASSROOM_TOML = ROOT / "hub" / "classroom.toml"

AUTH_TYPES = ("roster", "github", "google", "lti13")
GPU_POLICIES = ("none", "shared", "exclusive")
SOLUTIONS = ("shown", "hidden")
LIMIT_KEYS = ("memory", "cpus", "pids", "shm_size")
ROLES = ("student", "instructor")
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
SIZE = re.compile(r"^[1-9][0-9]*(\.[0-9]+)?[kmg]$", re.I)

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
                raise ConfigError(f"{where}: '{section}.{key}' = {value!r} must be a {want.__name__}")
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
    if s["auth"]["minimum_password_length"] < 8:
        raise ConfigError(
            f"{where}: 'auth.minimum_password_length' = {s['auth']['minimum_password_length']}; allowed: 8 or more"
        )
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
    _check_limits(s["limits"], "limits", where)
    for group, names in (("environment", envs), ("role", ROLES)):
        for name, override in s["limits"][group].items():
            at = f"limits.{group}.{name}"
            if name not in names:
                raise ConfigError(f"{where}: '{at}': {name!r} is not a {group}; allowed: {', '.join(names)}")
            if not isinstance(override, dict) or set(override) - set(LIMIT_KEYS):
                raise ConfigError(f"{where}: '{at}' must be a table of {', '.join(LIMIT_KEYS)}")
            _check_limits({**{k: s["limits"][k] for k in LIMIT_KEYS}, **override}, at, where)
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
    if not re.match(r"^[1-9][0-9]*(Mi|Gi|Ti)$", k8s["storage_capacity"]):
        raise ConfigError(f"{where}: 'kubernetes.storage_capacity' = {k8s['storage_capacity']!r}; allowed: like 10Gi")
    if not 1 <= k8s["gpus_per_server"] <= 16:
        raise ConfigError(f"{where}: 'kubernetes.gpus_per_server' = {k8s['gpus_per_server']}; allowed: 1 to 16")
    for key in ("server_idle_timeout", "kernel_idle_timeout"):
        value = s["culling"][key]
        if value != 0 and not 300 <= value <= 7 * 86400:
            raise ConfigError(f"{where}: 'culling.{key}' = {value}; allowed: 0 (never) or 300 to 604800 seconds")
    return s


def _check_limits(limits: dict, at: str, where: str) -> None:
    for key in ("memory", "shm_size"):
        if not isinstance(limits[key], str) or not SIZE.match(limits[key]):
            raise ConfigError(f"{where}: '{at}.{key}' = {limits[key]!r}; allowed: a size like 512M, 4G")
    if not isinstance(limits["cpus"], (int, float)) or not 0.1 <= limits["cpus"] <= 256:
        raise ConfigError(f"{where}: '{at}.cpus' = {limits['cpus']!r}; allowed: 0.1 to 256")
    if not isinstance(limits["pids"], int) or not 64 <= limits["pids"] <= 65536:
        raise ConfigError(f"{where}: '{at}.pids' = {limits['pids']!r}; allowed: 64 to 65536")


def limits_for(settings: dict, environment: str, role: str) -> dict:
    """The limits of one server: the defaults, then its environment's, then its role's."""
    limits = settings["limits"]
    return {
        **{k: limits[k] for k in LIMIT_KEYS},
        **limits["environment"].get(environment, {}),
        **limits["role"].get(role, {}),
    }


def normalize_username(raw: str) -> str:
    return raw.strip().lower()


def parse_roster(text: str, where: str = "roster") -> dict[str, Member]:
    """username -> Member. Names are normalised (trimmed, lower case) and validated."""
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
        if not USERNAME.match(name):
            raise ConfigError(
                f"{where} line {line}: username {row[0].strip()!r} is not allowed; use 1-32 of "
                "a-z 0-9 _ - starting with a letter"
            )
        if role not in ROLES:
            raise ConfigError(f"{where} line {line}: role {row[1].strip()!r} for {name!r}; allowed: {', '.join(ROLES)}")
        if name in members:
            raise ConfigError(
                f"{where} line {line}: username {row[0].strip()!r} collides with line "
                f"{members[name].line} ({name!r} after normalising)"
            )
        members[name] = Member(name, role, row[2].strip() if len(row) > 2 else "", line)
    if not any(m.role == "instructor" for m in members.values()):
        raise ConfigError(f"{where}: no instructor; at least one row needs role 'instructor'")
    return members


def load_roster(path: Path) -> dict[str, Member]:
    if not path.exists():
        raise ConfigError(f"roster {path} does not exist (copy hub/roster.example.csv and edit it)")
    return parse_roster(path.read_text(), str(path))


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
