"""Values for the Zero to JupyterHub Helm chart, from the same classroom configuration.

One file in (hub/classroom.toml, the roster, images/images.toml, the manifest),
one values file out (deploy/kubernetes/values.yaml, not committed: it holds the
roster). The chart does the scheduling, storage and proxying; this only maps our
settings onto its values (Zero to JupyterHub 4, KubeSpawner 7, JupyterHub 5):

- a profile per course environment (the project's images, pushed to
  kubernetes.registry), and "<environment> with a GPU" profiles that request
  nvidia.com/gpu (the scheduler assigns GPUs: no pool of our own on Kubernetes);
- the limits as under Docker (dlcourse.settings.limits_for: the defaults, then the
  environment's, then the role's): each profile's kubespawner_override holds its
  environment's memory and CPU limits and guarantees and /dev/shm size; the roster
  role's limits are applied by a small hub.extraConfig (a profile_list callable that
  reads the member's role from the roster, as the Docker spawn hook does);
  limits.pids has no KubeSpawner option (a pod's process limit is its node's kubelet
  podPidsLimit): only its default is accepted, and the file's header says so;
- a PVC per student at /home/jovyan, and the class's shared folder at ~/shared: one
  ReadWriteMany PVC (deploy/kubernetes/shared-pvc.yaml, written beside the values; the chart
  makes no such claim) mounted read-only, writable for the roster's admins and instructors
  (a small hub.extraConfig, as the Docker spawn hook does); the image's start hook (course merge) as the
  server command, as under Docker; idle culling, the image pre-puller;
- the login as under Docker (dlcourse.hubconfig): the authenticator class of the
  login type (dlcourse.auth, mounted into the chart's hub image, which ships
  NativeAuthenticator, OAuthenticator and LTIAuthenticator) with the roster,
  [auth.options] passed through (checked against the real class), the roster's
  instructors in the "instructor" role (INSTRUCTOR_SCOPES) and its admins in the
  "admin" role (hub.loadRoles).

Usage: python -m tools.k8s_values [OUTPUT]      (make k8s-values)
"""

from __future__ import annotations

import copy
from pathlib import Path

from traitlets.config import Config

from dlcourse import auth, volumes
from dlcourse.hubconfig import CULL_EVERY, INSTRUCTOR_DESCRIPTION, INSTRUCTOR_SCOPES, authenticator, check_auth_options
from dlcourse.manifest import ROOT, Images, load_images
from dlcourse.settings import (
    CLASSROOM_TOML,
    DEFAULTS,
    ROLES,
    ConfigError,
    environment_choices,
    limits_for,
    load_roster,
    load_settings,
    size_bytes,
)
from tools.cli import cli

OUTPUT = ROOT / "deploy" / "kubernetes" / "values.yaml"
SHARED_PVC = "shared-pvc.yaml"  # written beside the values: `kubectl apply -f` it once
SHARED_CLAIM = "dlcourse-shared"
HUB_FILES = Path("/usr/local/etc/dlcourse")  # where the hub pod gets our authenticator and roster
ROSTER = HUB_FILES / "roster.csv"
# The modules of the dlcourse package that the login needs (dlcourse.auth and what it imports),
# mounted as the package into the chart's hub.
GLUE = {
    f"dlcourse/{name}": ROOT / "dlcourse" / name
    for name in ("__init__.py", "manifest.py", "settings.py", "codes.py", "auth.py")
}
MEMORY_GUARANTEE = "1G"  # what the scheduler reserves per server (at most its limit); CPU: a quarter of the limit
PIDS_NOT_APPLIED = (
    f"limits.pids ({DEFAULTS['limits']['pids']}) is not applied on Kubernetes: a pod's process limit is "
    "its node's podPidsLimit (kubelet configuration)"
)
# hub.extraConfig: the roster's role picks the limits ([limits.role.<role>]), as the Docker
# classroom's spawn hook does. Zero to JupyterHub runs it after setting
# c.KubeSpawner.profile_list from singleuser.profileList; KubeSpawner 7 calls a callable
# profile_list with the spawner for the start form and again at the start.
ROLE_LIMITS_CONFIG = """\
# [limits.role.<role>] of hub/classroom.toml: each profile's overrides for the member's roster role
import copy

_dlcourse_role_overrides = {overrides!r}
_dlcourse_profiles = c.KubeSpawner.profile_list


def _dlcourse_profile_list(spawner):
    member = spawner.authenticator.roster().get(spawner.user.name)
    by_slug = _dlcourse_role_overrides.get(member.role if member else "student", {{}})
    profiles = copy.deepcopy(_dlcourse_profiles)
    for profile in profiles:
        profile["kubespawner_override"].update(copy.deepcopy(by_slug.get(profile["slug"], {{}})))
    return profiles


c.KubeSpawner.profile_list = _dlcourse_profile_list
"""


# hub.extraConfig: ~/shared is mounted read-only (singleuser.storage.extraVolumeMounts); the
# roster's admins and instructors get it writable, as in the Docker classroom.
SHARED_WRITABLE_CONFIG = """\
# ~/shared: writable for the roster roles {writers!r}, read-only for everyone else
def _dlcourse_shared_writable(spawner):
    member = spawner.authenticator.roster().get(spawner.user.name)
    if member is not None and member.role in {writers!r}:
        spawner.volume_mounts = [
            dict(m, readOnly=False) if m.get("name") == {volume!r} else m for m in spawner.volume_mounts
        ]


c.KubeSpawner.pre_spawn_hook = _dlcourse_shared_writable
"""


def shared_claim(settings: dict) -> dict:
    """The shared folder's PersistentVolumeClaim (ReadWriteMany: every server mounts it)."""
    k8s = settings["kubernetes"]
    spec: dict = {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": k8s["shared_capacity"]}}}
    if k8s["shared_storage_class"]:
        spec["storageClassName"] = k8s["shared_storage_class"]
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": SHARED_CLAIM}, "spec": spec}


def k8s_quantity(size: str) -> str:
    """A normalised size (binary K/M/G, dlcourse.settings) as a Kubernetes quantity: 1G -> 1Gi."""
    return f"{size[:-1]}{size[-1]}i"


def dshm_volume(shm_size: str) -> dict:
    return {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": k8s_quantity(shm_size)}}


def server_resources(limits: dict) -> dict:
    """One server's limits as KubeSpawner options. Sizes stay in the normalised form, which
    JupyterHub's ByteSpecification (mem_limit, mem_guarantee) reads as binary units, like Docker."""
    return {
        "mem_limit": limits["memory"],
        "mem_guarantee": min(limits["memory"], MEMORY_GUARANTEE, key=size_bytes),
        "cpu_limit": limits["cpus"],
        "cpu_guarantee": round(limits["cpus"] / 4, 2),
        "volumes": {"dshm": dshm_volume(limits["shm_size"])},  # merged into the chart's volumes by name
    }


def refuse_pids(settings: dict) -> None:
    """limits.pids cannot be applied on Kubernetes: any value but the default is refused."""
    default, limits = DEFAULTS["limits"]["pids"], settings["limits"]
    given = [("limits.pids", limits["pids"])] + [
        (f"limits.{group}.{name}.pids", override["pids"])
        for group in ("environment", "role")
        for name, override in limits[group].items()
        if "pids" in override
    ]
    for key, value in given:
        if value != default:
            raise ConfigError(
                f"{CLASSROOM_TOML.relative_to(ROOT)}: '{key}' = {value} cannot be applied on Kubernetes: "
                "KubeSpawner has no per-server process limit, a pod's is its node's kubelet setting "
                f"podPidsLimit. Allowed with `make k8s-values`: {default} (the default) or no '{key}'; "
                "set podPidsLimit in your nodes' kubelet configuration instead"
            )


def image_ref(images: Images, environment: str, registry: str) -> dict:
    image = images.by_environment(environment)
    return {"name": f"{registry}/{image.name.split('/')[-1]}", "tag": images.tag}


def profiles(settings: dict, images: Images, registry: str) -> list[dict]:
    k8s, result = settings["kubernetes"], []
    for choice in environment_choices(images, settings["environments"]["offered"]):
        env = choice["environment"]
        ref = image_ref(images, env, registry)
        override = {"image": f"{ref['name']}:{ref['tag']}", **server_resources(limits_for(settings, env, "student"))}
        used_for = "; ".join(choice["parts"]) or "no notebooks yet"
        result.append(
            {
                "display_name": choice["display_name"],
                "slug": env,
                "description": f"{choice['description']} For {used_for}.",
                "default": env == settings["environments"]["default"],
                "kubespawner_override": override,
            }
        )
        if k8s["gpu_profiles"] and images.by_environment(env).framework:
            gpu = {
                **copy.deepcopy(override),
                "extra_resource_limits": {"nvidia.com/gpu": str(k8s["gpus_per_server"])},
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            }
            result.append(
                {
                    "display_name": f"{choice['display_name']} with a GPU",
                    "slug": f"{env}-gpu",
                    "description": f"{choice['description']} With {k8s['gpus_per_server']} GPU(s) "
                    "while your server runs.",
                    "kubespawner_override": gpu,
                }
            )
    return result


def role_overrides(settings: dict, profile_list: list[dict]) -> dict:
    """{role: {profile slug: the overrides whose values differ from the student's}}, for the
    roles whose limits differ from a student's in some environment."""
    result: dict = {}
    for role in ROLES:
        for profile in profile_list:
            env = profile["slug"].removesuffix("-gpu")
            mine = server_resources(limits_for(settings, env, role))
            changed = {k: v for k, v in mine.items() if profile["kubespawner_override"][k] != v}
            if changed:
                result.setdefault(role, {})[profile["slug"]] = changed
    return result


def roles(roster: dict) -> dict:
    """hub.loadRoles: the roster's admins are the admin role's users, its instructors the
    instructor role's (dlcourse.hubconfig's scopes), as in the Docker classroom."""
    by_role = {role: sorted(m.username for m in roster.values() if m.role == role) for role in ("admin", "instructor")}
    return {
        "admin": {"users": by_role["admin"]},
        "instructor": {
            "description": INSTRUCTOR_DESCRIPTION,
            "scopes": list(INSTRUCTOR_SCOPES),
            "users": by_role["instructor"],
        },
    }


def auth_values(settings: dict, roster: dict, roster_text: str) -> dict:
    """The login as dlcourse.hubconfig sets it up: the login type's authenticator class, which
    reads the roster (mounted with the dlcourse modules it needs), [auth.options] passed through."""
    a = settings["auth"]
    name = auth.authenticator_class(a["type"])
    config: dict = {"JupyterHub": {"authenticator_class": name}, "RosterGate": {"roster_path": str(ROSTER)}}
    hub: dict = {"config": config}
    if a["type"] == "roster":
        config["RosterAuthenticator"] = {
            "minimum_password_length": a["minimum_password_length"],
            "allowed_failed_logins": a["allowed_failed_logins"],
            "seconds_before_next_try": a["lockout_seconds"],
        }  # codes_path: its default, in the hub's database volume (/srv/jupyterhub)
        hub["extraConfig"] = {
            "dlcourse-templates": (
                "import os, nativeauthenticator\n"
                "c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), 'templates')]\n"
            )
        }
    elif a["type"] in ("github", "google"):
        config["OAuthenticator"] = {"client_id": a["client_id"]}
        if a["oauth_callback_url"]:
            config["OAuthenticator"]["oauth_callback_url"] = a["oauth_callback_url"]
        if a["allowed_organizations"]:
            config["GitHubOAuthenticator"] = {"allowed_organizations": sorted(a["allowed_organizations"])}
        if a["hosted_domain"]:
            config["GoogleOAuthenticator"] = {"hosted_domain": list(a["hosted_domain"])}
        # the secret: helm ... --set hub.config.OAuthenticator.client_secret=$OAUTH_CLIENT_SECRET (README)
    else:
        config["LTI13Authenticator"] = {
            "client_id": [a["client_id"]],
            "issuer": a["issuer"],
            "authorize_url": a["authorize_url"],
            "jwks_endpoint": a["jwks_endpoint"],
        }
    check_auth_options(a["options"], authenticator(name), Config(copy.deepcopy(config)))
    for cls, traits in a["options"].items():
        config.setdefault(cls, {}).update(copy.deepcopy(traits))
    files = {
        key.replace("/", "-").replace(".", "-").replace("_", "-"): {
            "mountPath": str(HUB_FILES / key),
            "stringData": path.read_text(),
        }
        for key, path in GLUE.items()
    }
    files["roster"] = {"mountPath": str(ROSTER), "stringData": roster_text}
    hub["extraFiles"] = files
    hub["extraEnv"] = {"PYTHONPATH": str(HUB_FILES)}
    hub["loadRoles"] = roles(roster)
    return hub


def build(settings: dict, images: Images, roster_path: Path) -> dict:
    k8s = settings["kubernetes"]
    if not k8s["registry"]:
        raise ConfigError(
            f"{CLASSROOM_TOML.relative_to(ROOT)}: 'kubernetes.registry' is empty; set the registry "
            'your cluster pulls from, e.g. "registry.my-uni.edu/dlcourse"'
        )
    refuse_pids(settings)
    roster = load_roster(roster_path, settings["auth"]["type"], settings["auth"]["options"])
    base = server_resources(limits_for(settings, settings["environments"]["default"], "student"))
    culling = settings["culling"]
    storage: dict = {
        "type": "dynamic",
        "capacity": k8s["storage_capacity"],
        "homeMountPath": volumes.HOME,
        "extraVolumes": [
            base["volumes"]["dshm"],
            {"name": "shared", "persistentVolumeClaim": {"claimName": SHARED_CLAIM}},
        ],
        "extraVolumeMounts": [
            {"name": "dshm", "mountPath": "/dev/shm"},
            {"name": "shared", "mountPath": volumes.SHARED, "readOnly": True},
        ],
    }
    if k8s["storage_class"]:
        storage["dynamic"] = {"storageClass": k8s["storage_class"]}
    profile_list = profiles(settings, images, k8s["registry"])
    hub = {**auth_values(settings, roster, roster_path.read_text()), "db": {"type": "sqlite-pvc"}}
    hub.setdefault("extraConfig", {})["dlcourse-shared-folder"] = SHARED_WRITABLE_CONFIG.format(
        writers=volumes.SHARED_WRITERS, volume="shared"
    )
    by_role = role_overrides(settings, profile_list)
    if by_role:
        hub.setdefault("extraConfig", {})["dlcourse-role-limits"] = ROLE_LIMITS_CONFIG.format(overrides=by_role)
    return {
        "hub": hub,
        "singleuser": {
            "image": image_ref(images, settings["environments"]["default"], registry=k8s["registry"]),
            "cmd": "start-singleuser",  # the image's start hook: course merge, then the server
            "defaultUrl": "/lab/tree/course/START-HERE.md",
            "uid": 1000,
            "fsGid": 1000,
            "allowPrivilegeEscalation": False,
            "cpu": {"limit": base["cpu_limit"], "guarantee": base["cpu_guarantee"]},
            "memory": {"limit": base["mem_limit"], "guarantee": base["mem_guarantee"]},
            "startTimeout": settings["hub"]["start_timeout"],
            "extraEnv": {"KERNEL_CULL_IDLE_TIMEOUT": str(culling["kernel_idle_timeout"])},
            "storage": storage,
            "profileList": profile_list,
            # the chart's defaults, stated so no edit drops them: a server accepts connections from
            # the hub and the proxy only, reaches no other private address (another student's server)
            # but the hub and DNS, and never the cloud's metadata address (as the Docker classroom's
            # firewall service does)
            "networkPolicy": {
                "enabled": True,
                "egressAllowRules": {"cloudMetadataServer": False, "privateIPs": False, "dnsPortsPrivateIPs": True},
            },
        },
        "cull": {
            "enabled": culling["server_idle_timeout"] > 0,
            "timeout": culling["server_idle_timeout"] or 3600,
            "every": CULL_EVERY,
        },
        "prePuller": {"hook": {"enabled": True}, "continuous": {"enabled": True}, "pullProfileListImages": True},
    }


def render(values: dict) -> str:
    import yaml

    header = (
        "# Generated by `make k8s-values` from hub/classroom.toml, the roster, images/images.toml and\n"
        "# notebooks/course.toml. Do not edit: change those and regenerate. Holds the roster: keep it private.\n"
        f"# {PIDS_NOT_APPLIED}.\n"
    )
    return header + yaml.safe_dump(values, sort_keys=False, width=120)


def main(argv: list[str]) -> int:
    settings = load_settings()
    out = Path(argv[0]) if argv else OUTPUT
    values = build(settings, load_images(), ROOT / settings["hub"]["roster"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(values))
    print(f"==> wrote {out} ({len(values['singleuser']['profileList'])} profiles)")
    import yaml

    claim = out.parent / SHARED_PVC
    claim.write_text(
        "# The class's shared folder (~/shared), made once before the chart: kubectl apply -f this file\n"
        "# in the hub's namespace. Generated by `make k8s-values` from hub/classroom.toml [kubernetes].\n"
        + yaml.safe_dump(shared_claim(settings), sort_keys=False)
    )
    print(f"==> wrote {claim} (kubectl apply -n <namespace> -f it once: the shared folder's volume)")
    return 0


if __name__ == "__main__":
    cli(main)
