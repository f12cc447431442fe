"""The Kubernetes values validate against the Zero to JupyterHub chart's schema, offline.

The chart's schema and defaults are read from Z2JH_CHART (a folder holding the
chart's values.schema.yaml and values.yaml, e.g. an unpacked `helm pull
jupyterhub/jupyterhub`), else from a shared/z2jh folder beside the checkout;
without either, the schema tests are skipped and say why."""

import copy
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from dlcourse.manifest import ROOT, load_course, load_images
from dlcourse.settings import ConfigError, load_settings
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


def test_roster_login_carries_the_roster_and_makes_instructors_admins(values):
    hub = values["hub"]
    assert hub["config"]["JupyterHub"]["authenticator_class"] == "dlcourse.auth.RosterAuthenticator"
    assert hub["config"]["Authenticator"]["admin_users"] == ["instructor"]
    assert hub["extraFiles"]["roster"]["stringData"] == (ROOT / "hub" / "roster.example.csv").read_text()
    mounted = {f["mountPath"] for f in hub["extraFiles"].values()}
    assert "/usr/local/etc/dlcourse/dlcourse/auth.py" in mounted
    assert "/usr/local/etc/dlcourse/dlcourse/settings.py" in mounted


def test_oauth_login_uses_the_roster_as_allowed_users(settings):
    s = copy.deepcopy(settings)
    s["auth"].update(type="github", client_id="abc", oauth_callback_url="https://hub.uni.example/hub/oauth_callback")
    hub = k8s_values.build(s, load_images(), ROOT / "hub" / "roster.example.csv")["hub"]
    assert hub["config"]["JupyterHub"]["authenticator_class"] == "github"
    assert "ada" in hub["config"]["Authenticator"]["allowed_users"]
    assert "client_secret" not in str(hub), "secrets never go into the values file"


def test_an_empty_registry_is_refused_with_the_key(settings):
    s = copy.deepcopy(settings)
    s["kubernetes"]["registry"] = ""
    with pytest.raises(ConfigError, match=r"kubernetes\.registry"):
        k8s_values.build(s, load_images(), ROOT / "hub" / "roster.example.csv")
