# The classroom hub: JupyterHub + DockerSpawner + the roster authenticator.
# Everything an instructor sets lives in hub/classroom.toml (validated by
# dlcourse/settings.py); this file only maps it onto the libraries' options.
import dataclasses
import os
import secrets
import sys
from pathlib import Path

from dlcourse import spawn_form, spawn_hooks
from dlcourse.manifest import load_images
from dlcourse.settings import ConfigError, environment_choices, load_roster, load_settings

CONFIG = Path("/srv/classroom")
STATE = Path("/srv/jupyterhub")
PROJECT = os.environ["CLASSROOM_PROJECT"]  # compose project: names of user containers/volumes
NETWORK = os.environ["CLASSROOM_NETWORK"]
ROSTER = Path("/srv/roster") / os.environ.get("ROSTER_FILE", "roster.csv")

try:
    images = load_images(CONFIG / "images.toml")
    if os.environ.get("CLASSROOM_IMAGE_TAG"):  # run another tag of the course images (tests, roll-outs)
        images = dataclasses.replace(images, tag=os.environ["CLASSROOM_IMAGE_TAG"])
    settings = load_settings(CONFIG / "classroom.toml", images)
    roster = load_roster(ROSTER)
    if settings["auth"]["type"] in ("github", "google") and not os.environ.get("OAUTH_CLIENT_SECRET"):
        raise ConfigError(
            f"'auth.type' = {settings['auth']['type']!r} needs the environment variable "
            "OAUTH_CLIENT_SECRET (put it in .env next to the Makefile)"
        )
    choices = environment_choices(images, settings["environments"]["offered"], CONFIG / "course.toml")
except ConfigError as err:
    sys.exit(f"classroom configuration error: {err}")

c = get_config()
hub, auth = settings["hub"], settings["auth"]

# --- the hub itself: state in the volume, secrets generated once and kept there
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
token_file = STATE / "proxy_token"
if not token_file.exists():
    token_file.write_text(secrets.token_hex(32))
    token_file.chmod(0o600)
c.ConfigurableHTTPProxy.auth_token = token_file.read_text().strip()
c.JupyterHub.bind_url = "http://:8000"
if hub["https_cert"]:
    c.JupyterHub.bind_url = "https://:8000"
    c.JupyterHub.ssl_cert = f"/srv/tls/{hub['https_cert']}"
    c.JupyterHub.ssl_key = f"/srv/tls/{hub['https_key']}"
c.JupyterHub.upgrade_db = True  # a JupyterHub upgrade migrates (and backs up) the database
c.JupyterHub.cleanup_servers = False  # a hub restart (make roster, upgrades) leaves servers running
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_connect_ip = "hub"  # compose service name on the classroom network

# --- who gets in
instructors = {m.username for m in roster.values() if m.role == "instructor"}
if auth["type"] == "roster":
    import nativeauthenticator

    c.JupyterHub.authenticator_class = "dlcourse.auth.RosterAuthenticator"
    c.JupyterHub.template_paths = [f"{os.path.dirname(nativeauthenticator.__file__)}/templates/"]
    c.RosterAuthenticator.roster_path = str(ROSTER)
    c.RosterAuthenticator.minimum_password_length = auth["minimum_password_length"]
    c.RosterAuthenticator.allowed_failed_logins = auth["allowed_failed_logins"]
    c.RosterAuthenticator.seconds_before_next_try = auth["lockout_seconds"]
else:
    # OAuth / LTI: the provider proves identity, the roster decides who may enter.
    c.JupyterHub.authenticator_class = {
        "github": "github",
        "google": "google",
        "lti13": "ltiauthenticator.lti13.auth.LTI13Authenticator",
    }[auth["type"]]
    c.Authenticator.allowed_users = set(roster)
    if auth["type"] in ("github", "google"):
        c.OAuthenticator.client_id = auth["client_id"]
        c.OAuthenticator.client_secret = os.environ.get("OAUTH_CLIENT_SECRET", "")
        c.OAuthenticator.oauth_callback_url = auth["oauth_callback_url"]
        if auth["allowed_organizations"]:
            c.GitHubOAuthenticator.allowed_organizations = set(auth["allowed_organizations"])
        if auth["hosted_domain"]:
            c.GoogleOAuthenticator.hosted_domain = auth["hosted_domain"]
    else:
        c.LTI13Authenticator.client_id = [auth["client_id"]]
        c.LTI13Authenticator.issuer = auth["issuer"]
        c.LTI13Authenticator.authorize_url = auth["authorize_url"]
        c.LTI13Authenticator.jwks_endpoint = auth["jwks_endpoint"]
c.Authenticator.admin_users = instructors

# --- each student's server
c.JupyterHub.spawner_class = "dlcourse.spawner.ClassroomSpawner"  # DockerSpawner, Docker calls on 4 threads
c.DockerSpawner.allowed_images = {ch["environment"]: ch["image"] for ch in choices}
c.DockerSpawner.image = c.DockerSpawner.allowed_images[settings["environments"]["default"]]
c.DockerSpawner.options_form = spawn_form.render(
    choices, settings["environments"]["default"], gpu_choice=settings["gpu"]["policy"] == "exclusive"
)
c.DockerSpawner.pull_policy = "never"  # images are built on this host (make up)
c.DockerSpawner.prefix = PROJECT
c.DockerSpawner.name_template = "{prefix}-{username}"
c.DockerSpawner.network_name = NETWORK
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True  # never restart a stale container with an old image
c.DockerSpawner.volumes = {f"{PROJECT}-home-{{username}}": "/home/jovyan"}
c.DockerSpawner.notebook_dir = "/home/jovyan"
c.DockerSpawner.default_url = "/lab/tree/course/START-HERE.md"
hooks = spawn_hooks.SpawnHooks(settings, PROJECT)  # limits, isolation, GPUs: per server, at start
hooks.rebuild()
c.DockerSpawner.pre_spawn_hook = hooks.pre_spawn
c.DockerSpawner.post_stop_hook = hooks.post_stop
c.DockerSpawner.options_from_form = spawn_form.options_from_form
c.DockerSpawner.environment = {"KERNEL_CULL_IDLE_TIMEOUT": str(settings["culling"]["kernel_idle_timeout"])}
c.Spawner.start_timeout = hub["start_timeout"]
c.Spawner.http_timeout = 120

# --- idle servers are stopped by jupyterhub-idle-culler, with only the scopes it needs
if settings["culling"]["server_idle_timeout"]:
    c.JupyterHub.load_roles = [
        {
            "name": "idle-culler",
            "services": ["idle-culler"],
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        }
    ]
    c.JupyterHub.services = [
        {
            "name": "idle-culler",
            "command": [
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={settings['culling']['server_idle_timeout']}",
                "--cull-every=60",
            ],
        }
    ]
