"""Values for the Zero to JupyterHub Helm chart, from the same classroom configuration.

One file in (hub/classroom.toml, the roster, images/images.toml, the manifest),
one values file out (deploy/kubernetes/values.yaml, not committed: it holds the
roster). The chart does the scheduling, storage and proxying; this only maps our
settings onto its values:

- a profile per course environment (the project's images, pushed to
  kubernetes.registry), and "<environment> with a GPU" profiles that request
  nvidia.com/gpu (the scheduler assigns GPUs: no pool of our own on Kubernetes);
- CPU/memory limits and guarantees, a larger /dev/shm, a PVC per student at
  /home/jovyan;
- the image's start hook (course merge) as the server command, as under Docker;
- idle culling, the image pre-puller;
- the roster login: the same RosterAuthenticator, mounted into the chart's hub
  image (which ships NativeAuthenticator) with the roster; or OAuth/LTI, with the
  roster as allowed users and instructors as admins.

Usage: python -m tools.k8s_values [OUTPUT]      (make k8s-values)
"""

from __future__ import annotations

from pathlib import Path

from dlcourse.manifest import ROOT, Images, load_images
from dlcourse.settings import CLASSROOM_TOML, ConfigError, environment_choices, limits_for, load_roster, load_settings
from tools.cli import cli

OUTPUT = ROOT / "deploy" / "kubernetes" / "values.yaml"
HUB_FILES = Path("/usr/local/etc/dlcourse")  # where the hub pod gets our authenticator and roster
# The modules of the dlcourse package that the roster login needs, mounted as the package into the chart's hub.
GLUE = {
    f"dlcourse/{name}": ROOT / "dlcourse" / name for name in ("__init__.py", "manifest.py", "settings.py", "auth.py")
}


def k8s_quantity(size: str) -> str:
    """Docker's 4G / 512M as Kubernetes' 4G / 512M (decimal suffixes kept, upper case)."""
    return size[:-1] + size[-1].upper()


def image_ref(images: Images, environment: str, registry: str) -> dict:
    image = images.by_environment(environment)
    return {"name": f"{registry}/{image.name.split('/')[-1]}", "tag": images.tag}


def profiles(settings: dict, images: Images, registry: str) -> list[dict]:
    k8s, result = settings["kubernetes"], []
    for choice in environment_choices(images, settings["environments"]["offered"]):
        env = choice["environment"]
        limits = limits_for(settings, env, "student")
        ref = image_ref(images, env, registry)
        override = {
            "image": f"{ref['name']}:{ref['tag']}",
            "mem_limit": k8s_quantity(limits["memory"]),
            "cpu_limit": float(limits["cpus"]),
        }
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
                **override,
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


def auth_values(settings: dict, roster: dict, roster_text: str) -> dict:
    auth = settings["auth"]
    instructors = sorted(m.username for m in roster.values() if m.role == "instructor")
    hub: dict = {"config": {"Authenticator": {"admin_users": instructors}}}
    if auth["type"] == "roster":
        files = {
            key.replace("/", "-").replace(".", "-").replace("_", "-"): {
                "mountPath": str(HUB_FILES / key),
                "stringData": path.read_text(),
            }
            for key, path in GLUE.items()
        }
        files["roster"] = {"mountPath": str(HUB_FILES / "roster.csv"), "stringData": roster_text}
        hub["extraFiles"] = files
        hub["extraEnv"] = {"PYTHONPATH": str(HUB_FILES)}
        hub["config"]["JupyterHub"] = {"authenticator_class": "dlcourse.auth.RosterAuthenticator"}
        hub["config"]["RosterAuthenticator"] = {
            "roster_path": str(HUB_FILES / "roster.csv"),
            "minimum_password_length": auth["minimum_password_length"],
            "allowed_failed_logins": auth["allowed_failed_logins"],
            "seconds_before_next_try": auth["lockout_seconds"],
        }
        hub["extraConfig"] = {
            "dlcourse-templates": (
                "import os, nativeauthenticator\n"
                "c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), 'templates')]\n"
            )
        }
        return hub
    hub["config"]["Authenticator"]["allowed_users"] = sorted(roster)
    if auth["type"] in ("github", "google"):
        cls = {"github": "GitHubOAuthenticator", "google": "GoogleOAuthenticator"}[auth["type"]]
        hub["config"]["JupyterHub"] = {"authenticator_class": auth["type"]}
        hub["config"][cls] = {"client_id": auth["client_id"], "oauth_callback_url": auth["oauth_callback_url"]}
        if auth["type"] == "github" and auth["allowed_organizations"]:
            hub["config"][cls]["allowed_organizations"] = auth["allowed_organizations"]
        if auth["type"] == "google" and auth["hosted_domain"]:
            hub["config"][cls]["hosted_domain"] = auth["hosted_domain"]
        # the secret: helm ... --set hub.config.<class>.client_secret=$OAUTH_CLIENT_SECRET (README)
    else:
        hub["config"]["JupyterHub"] = {"authenticator_class": "ltiauthenticator.lti13.auth.LTI13Authenticator"}
        hub["config"]["LTI13Authenticator"] = {
            "client_id": [auth["client_id"]],
            "issuer": auth["issuer"],
            "authorize_url": auth["authorize_url"],
            "jwks_endpoint": auth["jwks_endpoint"],
        }
    return hub


def build(settings: dict, images: Images, roster_path: Path) -> dict:
    k8s = settings["kubernetes"]
    if not k8s["registry"]:
        raise ConfigError(
            f"{CLASSROOM_TOML.relative_to(ROOT)}: 'kubernetes.registry' is empty; set the registry "
            'your cluster pulls from, e.g. "registry.my-uni.edu/dlcourse"'
        )
    roster = load_roster(roster_path, settings["auth"]["type"], settings["auth"]["options"])
    limits = limits_for(settings, settings["environments"]["default"], "student")
    culling = settings["culling"]
    storage: dict = {
        "type": "dynamic",
        "capacity": k8s["storage_capacity"],
        "homeMountPath": "/home/jovyan",
        "extraVolumes": [
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": k8s_quantity(limits["shm_size"])}}
        ],
        "extraVolumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
    }
    if k8s["storage_class"]:
        storage["dynamic"] = {"storageClass": k8s["storage_class"]}
    return {
        "hub": {**auth_values(settings, roster, roster_path.read_text()), "db": {"type": "sqlite-pvc"}},
        "singleuser": {
            "image": image_ref(images, settings["environments"]["default"], registry=k8s["registry"]),
            "cmd": "start-singleuser",  # the image's start hook: course merge, then the server
            "defaultUrl": "/lab/tree/course/START-HERE.md",
            "uid": 1000,
            "fsGid": 1000,
            "allowPrivilegeEscalation": False,
            "cpu": {"limit": float(limits["cpus"]), "guarantee": round(float(limits["cpus"]) / 4, 2)},
            "memory": {"limit": k8s_quantity(limits["memory"]), "guarantee": "1G"},
            "startTimeout": settings["hub"]["start_timeout"],
            "extraEnv": {"KERNEL_CULL_IDLE_TIMEOUT": str(culling["kernel_idle_timeout"])},
            "storage": storage,
            "profileList": profiles(settings, images, k8s["registry"]),
        },
        "cull": {
            "enabled": culling["server_idle_timeout"] > 0,
            "timeout": culling["server_idle_timeout"] or 3600,
            "every": 60,
        },
        "prePuller": {"hook": {"enabled": True}, "continuous": {"enabled": True}, "pullProfileListImages": True},
    }


def render(values: dict) -> str:
    import yaml

    header = (
        "# Generated by `make k8s-values` from hub/classroom.toml, the roster, images/images.toml and\n"
        "# notebooks/course.toml. Do not edit: change those and regenerate. Holds the roster: keep it private.\n"
    )
    return header + yaml.safe_dump(values, sort_keys=False, width=120)


def main(argv: list[str]) -> int:
    settings = load_settings()
    out = Path(argv[0]) if argv else OUTPUT
    values = build(settings, load_images(), ROOT / settings["hub"]["roster"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(values))
    print(f"==> wrote {out} ({len(values['singleuser']['profileList'])} profiles)")
    return 0


if __name__ == "__main__":
    cli(main)
