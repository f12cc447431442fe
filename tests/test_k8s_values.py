"""The Kubernetes values validate against the Zero to JupyterHub chart's schema, offline.

The chart's schema and defaults are read from Z2JH_CHART (a folder holding the
chart's values.schema.yaml and values.yaml, e.g. an unpacked `helm pull
jupyterhub/jupyterhub`), else from a shared/z2jh folder beside the checkout;
without either, the schema tests are skipped and say why."""

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from jupyterhub import orm
from jupyterhub.scopes import _check_scopes_exist
from jupyterhub.spawner import Spawner
from jupyterhub.user import User
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from dlcourse import auth
from dlcourse.auth import RosterGate
from dlcourse.hubconfig import INSTRUCTOR_SCOPES
from dlcourse.manifest import ROOT, load_course, load_images
from dlcourse.settings import AUTH_TYPES, ConfigError, load_roster, load_settings
from tools import k8s_values


def chart_dir() -> Path:
    """Z2JH_CHART, else a shared/z2jh folder beside the checkout; without either the schema tests are skipped."""
    if os.environ.get("Z2JH_CHART"):
        return Path(os.environ["Z2JH_CHART"])
    beside = ROOT.parent / "shared" / "z2jh"
    if (beside / "values.schema.yaml").exists():
        return beside
    pytest.skip(
        "no Zero to JupyterHub chart data: set Z2JH_CHART to a folder with the chart's values.schema.yaml "
        "and values.yaml (an unpacked `helm pull jupyterhub/jupyterhub`), or put it in shared/z2jh beside the checkout"
    )


def merged(defaults: dict, values: dict) -> dict:
    """Helm's merge: maps merge key by key, everything else is replaced."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    path = tmp_path_factory.mktemp("k8s") / "classroom.toml"
    path.write_text(
        (ROOT / "hub" / "classroom.toml")
        .read_text()
        .replace('registry = ""', 'registry = "registry.uni.example/dlcourse"')
    )
    return load_settings(path)


@pytest.fixture(scope="module")
def values(settings, tmp_path_factory):
    return k8s_values.build(settings, load_images(), ROOT / "hub" / "roster.example.csv")


def test_values_validate_against_the_charts_schema(values, tmp_path):
    chart = chart_dir()
    schema = yaml.safe_load((chart / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((chart / "values.yaml").read_text())
    rendered = yaml.safe_load(k8s_values.render(values))  # what helm reads
    jsonschema.validate(merged(defaults, rendered), schema)


def test_the_schema_check_would_catch_a_wrong_key(values):
    chart = chart_dir()
    schema = yaml.safe_load((chart / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((chart / "values.yaml").read_text())
    broken = merged(values, {"singleuser": {"storge": {}}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(merged(defaults, broken), schema)


def test_every_environment_is_a_profile_with_an_image_the_makefile_builds(values, settings):
    images, course = load_images(), load_course()
    built = {
        f"{settings['kubernetes']['registry']}/{images.images[f].name.split('/')[-1]}:{images.tag}"
        for f in images.images
    }
    by_slug = {p["slug"]: p for p in values["singleuser"]["profileList"]}
    for env in {nb.environment for nb in course.notebooks}:
        assert env in by_slug, f"no profile for environment {env}"
        assert by_slug[env]["kubespawner_override"]["image"] in built
    assert sum(1 for p in by_slug.values() if p.get("default")) == 1


def test_gpu_profiles_request_gpus_and_cpu_profiles_do_not(values):
    profiles = values["singleuser"]["profileList"]
    gpu = [p for p in profiles if p["slug"].endswith("-gpu")]
    assert {p["slug"] for p in gpu} == {"pytorch-gpu", "tensorflow-gpu", "jax-gpu"}
    for p in gpu:
        assert p["kubespawner_override"]["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    for p in profiles:
        if p not in gpu:
            assert "extra_resource_limits" not in p["kubespawner_override"]


def test_servers_start_with_the_course_merge_home_storage_shm_and_culling(values):
    single = values["singleuser"]
    assert single["cmd"] == "start-singleuser"
    assert single["storage"]["homeMountPath"] == "/home/jovyan" and single["storage"]["type"] == "dynamic"
    assert {"name": "dshm", "mountPath": "/dev/shm"} in single["storage"]["extraVolumeMounts"]
    assert single["uid"] == 1000
    assert values["cull"] == {"enabled": True, "timeout": 3600, "every": 60}
    assert values["prePuller"]["continuous"]["enabled"] is True


def test_servers_are_isolated_from_each_other_and_the_metadata_address(values):
    policy = values["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    rules = policy["egressAllowRules"]
    assert rules["cloudMetadataServer"] is False and rules["privateIPs"] is False  # no other student's server
    assert rules["dnsPortsPrivateIPs"] is True  # names still resolve


def settings_from(tmp_path, extra: str) -> dict:
    """The shipped classroom.toml with a registry, and `extra` appended (validated by load_settings)."""
    path = tmp_path / "classroom.toml"
    text = (ROOT / "hub" / "classroom.toml").read_text()
    path.write_text(text.replace('registry = ""', 'registry = "registry.uni.example/dlcourse"') + "\n" + extra)
    return load_settings(path)


def build(settings: dict) -> dict:
    return k8s_values.build(settings, load_images(), ROSTER_EXAMPLE)


ROSTER_EXAMPLE = ROOT / "hub" / "roster.example.csv"


def real_spawner(username: str, roster: Path = ROSTER_EXAMPLE):
    """A real JupyterHub Spawner of a real hub user, with the classroom's real roster gate."""
    db = orm.new_session_factory("sqlite:///:memory:")()
    orm_user = orm.User(name=username)
    db.add(orm_user)
    db.commit()
    return Spawner(user=User(orm_user, settings={}, db=db), authenticator=RosterGate(roster_path=str(roster)))


def by_slug(profile_list: list[dict]) -> dict:
    return {p["slug"]: p["kubespawner_override"] for p in profile_list}


def test_environment_limits_are_each_profiles_overrides_and_jupyterhub_reads_them(tmp_path):
    s = settings_from(tmp_path, '[limits.environment.pytorch]\nmemory = "8g"\ncpus = 4\nshm_size = "2GiB"\n')
    profiles = by_slug(build(s)["singleuser"]["profileList"])
    for slug in ("pytorch", "pytorch-gpu"):
        assert profiles[slug]["mem_limit"] == "8G" and profiles[slug]["mem_guarantee"] == "1G"
        assert profiles[slug]["cpu_limit"] == 4.0 and profiles[slug]["cpu_guarantee"] == 1.0
        assert profiles[slug]["volumes"]["dshm"]["emptyDir"]["sizeLimit"] == "2Gi"  # Kubernetes: binary is Gi
    for slug in ("foundations", "jax", "jax-gpu"):
        assert profiles[slug]["mem_limit"] == "4G" and profiles[slug]["cpu_limit"] == 2.0
        assert profiles[slug]["volumes"]["dshm"]["emptyDir"]["sizeLimit"] == "1Gi"
    spawner = real_spawner("ada")  # KubeSpawner's mem_limit/cpu_limit are JupyterHub's Spawner traits
    spawner.mem_limit, spawner.cpu_limit = profiles["pytorch"]["mem_limit"], profiles["pytorch"]["cpu_limit"]
    spawner.mem_guarantee = profiles["pytorch"]["mem_guarantee"]
    assert (spawner.mem_limit, spawner.mem_guarantee, spawner.cpu_limit) == (8 * 1024**3, 1024**3, 4.0)


def test_a_memory_limit_under_the_guarantee_lowers_the_guarantee(tmp_path):
    s = settings_from(tmp_path, '[limits.environment.foundations]\nmemory = "512M"\n')
    assert by_slug(build(s)["singleuser"]["profileList"])["foundations"]["mem_guarantee"] == "512M"


def test_role_limits_follow_the_roster_role_through_the_hubs_profile_list(tmp_path):
    s = settings_from(tmp_path, '[limits.role.instructor]\nmemory = "8G"\n[limits.environment.jax]\ncpus = 3\n')
    values = build(s)
    snippet = values["hub"]["extraConfig"]["dlcourse-role-limits"]
    c = Config()
    c.KubeSpawner.profile_list = values["singleuser"]["profileList"]  # what the chart sets before extraConfig
    exec(snippet, {"c": c})  # as the chart's jupyterhub_config.py runs hub.extraConfig
    profile_list = c.KubeSpawner.profile_list
    assert callable(profile_list)
    teacher, student = by_slug(profile_list(real_spawner("instructor"))), by_slug(profile_list(real_spawner("ada")))
    assert {p["mem_limit"] for p in teacher.values()} == {"8G"}
    assert {p["mem_limit"] for p in student.values()} == {"4G"}
    assert teacher["jax"]["cpu_limit"] == student["jax"]["cpu_limit"] == 3.0  # the environment's, kept
    assert teacher["jax"]["image"] == student["jax"]["image"]
    assert "dlcourse-role-limits" not in build(settings_from(tmp_path, ""))["hub"].get("extraConfig", {})


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[limits]\npids = 2048\n", "limits.pids"),
        ("[limits.environment.jax]\npids = 512\n", "limits.environment.jax.pids"),
        ("[limits.role.student]\npids = 256\n", "limits.role.student.pids"),
    ],
)
def test_a_pids_limit_kubernetes_cannot_apply_is_refused(tmp_path, extra, key):
    text = (ROOT / "hub" / "classroom.toml").read_text()
    if extra.startswith("[limits]"):  # replace the shipped value
        text, extra = text.replace("pids = 1024", "pids = 2048"), ""
    path = tmp_path / "classroom.toml"
    path.write_text(text.replace('registry = ""', 'registry = "registry.uni.example/dlcourse"') + "\n" + extra)
    with pytest.raises(ConfigError, match=rf"'{re.escape(key)}' = \d+ cannot be applied on Kubernetes.*podPidsLimit"):
        build(load_settings(path))


def test_the_default_pids_is_accepted_and_the_header_says_it_is_not_applied(tmp_path, values):
    build(settings_from(tmp_path, "[limits.environment.jax]\npids = 1024\n"))
    assert "limits.pids (1024) is not applied on Kubernetes" in k8s_values.render(values).split("\nhub:")[0]


def test_roles_are_the_docker_classrooms_instructor_and_admin_roles(values):
    roster = load_roster(ROSTER_EXAMPLE)
    roles = values["hub"]["loadRoles"]
    assert roles["instructor"]["scopes"] == list(INSTRUCTOR_SCOPES)
    _check_scopes_exist(roles["instructor"]["scopes"])  # JupyterHub's own check of role scopes
    assert roles["instructor"]["users"] == sorted(m.username for m in roster.values() if m.role == "instructor")
    assert roles["admin"] == {"users": ["labadmin"]}  # the roster's admin rows, not its instructors
    assert "admin_users" not in values["hub"]["config"].get("Authenticator", {})


@pytest.mark.parametrize("auth_type", AUTH_TYPES)
def test_every_login_type_uses_the_classrooms_authenticator_with_the_mounted_roster(tmp_path, auth_type):
    extra = {
        "roster": "",
        "github": 'client_id = "abc"\noauth_callback_url = "https://hub.uni.example/hub/oauth_callback"\n',
        "google": 'client_id = "abc"\nhosted_domain = ["uni.example"]\n',
        "lti13": 'client_id = "abc"\nissuer = "https://lms.example"\nauthorize_url = "https://lms.example/auth"\n'
        'jwks_endpoint = "https://lms.example/jwks"\n',
    }[auth_type]
    path = tmp_path / "classroom.toml"
    text = (ROOT / "hub" / "classroom.toml").read_text().replace('registry = ""', 'registry = "r.example/dl"')
    path.write_text(text.replace('type = "roster"', f'type = "{auth_type}"\n{extra}'))
    s = load_settings(path)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "username,role\nada.l@uni.example,instructor\n"
        if auth_type in ("google", "lti13")
        else "username,role\nada,instructor\n"
    )
    hub = k8s_values.build(s, load_images(), roster)["hub"]
    assert hub["config"]["JupyterHub"]["authenticator_class"] == auth.authenticator_class(auth_type)
    assert hub["config"]["RosterGate"]["roster_path"] == hub["extraFiles"]["roster"]["mountPath"]
    assert hub["extraFiles"]["roster"]["stringData"] == roster.read_text()
    assert "allowed_users" not in str(hub["config"]), "the roster file decides, re-read at each login"
    assert "client_secret" not in str(hub["config"]), "secrets never go into the values file"
    cls = import_item(hub["config"]["JupyterHub"]["authenticator_class"])
    config = Config(copy.deepcopy(hub["config"]))
    config.RosterGate.roster_path = str(roster)  # the pod's path, here
    if auth_type != "roster":  # the roster login needs the hub's database; the others load offline
        gate = cls(config=config)
        assert gate.roster().keys() == load_roster(roster, auth_type).keys()
        assert gate.client_id == ({"abc"} if auth_type == "lti13" else "abc")


def test_auth_options_pass_through_and_a_wrong_one_is_refused(tmp_path):
    s = settings_from(tmp_path, "[auth.options.NativeAuthenticator]\ncheck_common_password = false\n")
    assert build(s)["hub"]["config"]["NativeAuthenticator"] == {"check_common_password": False}
    s = settings_from(tmp_path, '[auth.options.NativeAuthenticator]\ncheck_common_password = "sometimes"\n')
    with pytest.raises(ConfigError, match=r"auth\.options\.NativeAuthenticator\.check_common_password"):
        build(s)


def test_the_mounted_modules_are_enough_to_import_the_authenticator(values, tmp_path):
    for item in values["hub"]["extraFiles"].values():  # as the chart mounts them
        target = tmp_path / Path(item["mountPath"]).relative_to("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item["stringData"])
    pythonpath = tmp_path / Path(values["hub"]["extraEnv"]["PYTHONPATH"]).relative_to("/")
    name = values["hub"]["config"]["JupyterHub"]["authenticator_class"]
    module, cls = name.rsplit(".", 1)
    code = f"import {module}; print({module}.__file__); {module}.{cls}"
    done = subprocess.run(
        [sys.executable, "-P", "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(pythonpath)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(pythonpath)), "imported the checkout's dlcourse, not the mounted one"


def test_an_empty_registry_is_refused_with_the_key(settings):
    s = copy.deepcopy(settings)
    s["kubernetes"]["registry"] = ""
    with pytest.raises(ConfigError, match=r"kubernetes\.registry"):
        k8s_values.build(s, load_images(), ROOT / "hub" / "roster.example.csv")


def test_the_shared_folder_is_one_read_write_many_claim_read_only_except_for_instructors(tmp_path):
    s = settings_from(tmp_path, "").copy()
    s["kubernetes"] = {**s["kubernetes"], "shared_storage_class": "nfs-client", "shared_capacity": "20Gi"}
    values = build(s)
    storage = values["singleuser"]["storage"]
    [volume] = [v for v in storage["extraVolumes"] if v["name"] == "shared"]
    [mount] = [m for m in storage["extraVolumeMounts"] if m["name"] == "shared"]
    claim = k8s_values.shared_claim(s)
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert mount == {"name": "shared", "mountPath": "/home/jovyan/shared", "readOnly": True}
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["storageClassName"] == "nfs-client"
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    # the chart's jupyterhub_config.py runs hub.extraConfig; KubeSpawner then calls the hook
    c = Config()
    exec(values["hub"]["extraConfig"]["dlcourse-shared-folder"], {"c": c})
    hook = c.KubeSpawner.pre_spawn_hook
    modes = {}
    for name in ("instructor", "ada", "labadmin"):
        spawner = real_spawner(name)
        spawner.volume_mounts = copy.deepcopy(storage["extraVolumeMounts"])  # what KubeSpawner gets from the chart
        hook(spawner)
        [m] = [m for m in spawner.volume_mounts if m["name"] == "shared"]
        modes[name] = m["readOnly"]
        assert [m for m in spawner.volume_mounts if m["name"] == "dshm"] == [storage["extraVolumeMounts"][0]]
    assert modes == {"instructor": False, "ada": True, "labadmin": False}


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('shared_capacity = "5G"', "kubernetes.shared_capacity"),
        ('shared_storage_class = "NFS Client"', "kubernetes.shared_storage_class"),
        ('storage_class = "-x"', "kubernetes.storage_class"),
    ],
)
def test_a_shared_folder_size_or_class_kubernetes_would_refuse_is_refused(tmp_path, extra, key):
    path = tmp_path / "classroom.toml"
    path.write_text(f"[kubernetes]\n{extra}\n")
    with pytest.raises(ConfigError, match=re.escape(f"'{key}'") + ".*allowed"):
        load_settings(path)
