"""Start, stop and inspect a classroom (a compose project), for the Makefile and the tests.

The real classroom is project "dlcourse"; the tests use their own project name,
port and network, so they never touch a running class.

Usage: python3 -m tools.stack up|down|status|logs|roster|codes|backup|restore ARCHIVE|share PATH [--replace]
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from dlcourse import volumes as vols
from dlcourse.manifest import COURSE_TOML, IMAGES_TOML, ROOT, load_images
from dlcourse.settings import CLASSROOM_TOML, ConfigError, load_roster, load_settings
from tools import classroom_network
from tools.cli import cli, say

PROJECT = "dlcourse"


@functools.cache
def compose() -> list[str]:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise SystemExit(
        "error: neither 'docker compose' nor 'docker-compose' is installed "
        "(Debian/Ubuntu: apt-get install docker-compose)"
    )


@dataclass
class Classroom:
    project: str = PROJECT
    port: int | None = None  # None: from classroom.toml
    roster: Path | None = None  # None: from classroom.toml
    network: str | None = None
    settings_path: Path | None = None  # None: <checkout>/hub/classroom.toml
    image_tag: str = ""  # "" = the tag of images/images.toml
    tls_dir: Path | None = None  # where https_cert and https_key are; None: <checkout>/hub/tls
    checkout: Path = ROOT  # where the instructor's files are (the relative roster path is taken from here)

    def __post_init__(self):
        self.settings_path = Path(self.settings_path or self.checkout / CLASSROOM_TOML.relative_to(ROOT))
        self.tls_dir = Path(self.tls_dir or self.checkout / "hub" / "tls")
        self._given_roster = self.roster
        self.reload()
        self.network = self.network or f"{self.project}-classroom"

    def reload(self) -> None:
        """Read the settings again (after a restore wrote them)."""
        self.settings = load_settings(self.settings_path)
        self.port = self.port or self.settings["hub"]["port"]
        self.roster = Path(self._given_roster or self.checkout / self.settings["hub"]["roster"]).resolve()
        self.scheme = "https" if self.settings["hub"]["https_cert"] else "http"

    def members(self) -> dict:
        """The roster, checked by the rule of the settings' login type."""
        return load_roster(self.roster, self.settings["auth"]["type"], self.settings["auth"]["options"])

    def config_files(self) -> dict[str, Path]:
        """What the hub reads at start besides its state volume: kind -> file (for the
        configuration hash and the backup). TLS files only when the settings name them."""
        files = {"settings": self.settings_path, "roster": self.roster}
        for key in ("https_cert", "https_key"):
            if self.settings["hub"][key]:
                files[key] = self.tls_dir / self.settings["hub"][key]
        return files

    def proxy_config_hash(self) -> str:
        """What the proxy reads: the HTTPS files (a renewed certificate recreates it; nothing
        else does, so settings changes never drop students' connections)."""
        files = {k: p for k, p in self.config_files().items() if k.startswith("https_")}
        return _digest(files, extra=f"{self.settings['hub']['https_cert']}/{self.settings['hub']['https_key']}")

    def config_hash(self) -> str:
        """Changes whenever anything the hub reads at start changes: the settings, the roster's
        path and content, the TLS files, the manifests, the image tag. It is the hub's
        environment, so `compose up` recreates the hub when it changes (compose does not look
        into bind-mounted files, and an editor that replaces a file leaves the old one mounted)."""
        inputs = {**self.config_files(), "images": IMAGES_TOML, "course": COURSE_TOML}
        return _digest(inputs, extra=f"tag {self.image_tag}")

    @property
    def url(self) -> str:
        return f"{self.scheme}://localhost:{self.port}"

    def env(self) -> dict[str, str]:
        # the network's fixed addresses, once `up` has made it (other commands never create anything)
        net = classroom_network.current(self.network) or classroom_network.ClassroomNetwork(self.network, "", "")
        return {
            **os.environ,
            **(net.env() if net.subnet else {}),
            "COMPOSE_PROJECT_NAME": self.project,
            "HUB_IMAGE": load_images().hub_ref,
            "HUB_PORT": str(self.port),
            "CLASSROOM_NETWORK": self.network,
            "ROSTER_DIR": str(self.roster.parent),
            "ROSTER_FILE": self.roster.name,
            "CLASSROOM_IMAGE_TAG": self.image_tag,
            "CLASSROOM_TOML": str(self.settings_path.resolve()),
            "TLS_DIR": str(Path(self.tls_dir).resolve()),
            "CLASSROOM_GRADING_VOLUME": self.grading_volume,
            "CLASSROOM_CONFIG_HASH": self.config_hash(),
            "PROXY_CONFIG_HASH": self.proxy_config_hash(),
        }

    def compose(self, *args: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*compose(), "-f", str(ROOT / "docker-compose.yml"), *args],
            env=self.env(),
            cwd=ROOT,
            check=check,
            text=True,
            capture_output=capture,
        )

    def hub_exec(self, *cmd: str) -> str:
        return self.compose("exec", "-T", "hub", *cmd, capture=True).stdout

    def ready(self) -> bool:
        try:
            import ssl

            ctx = ssl._create_unverified_context()  # the instructor's own certificate may be self-signed
            with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=3, context=ctx) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    SERVICES = ("hub", "proxy", "firewall")  # docker-compose.yml: each has a health check

    def hub_state(self, service: str = "hub") -> tuple[str, str, int]:
        """A service's container (state, health, restart count), as Docker reports them."""
        container = self.compose("ps", "-q", service, capture=True, check=False).stdout.strip()
        if not container:
            return "missing", "", 0
        out = subprocess.run(
            [
                "docker",
                "inspect",
                "-f",
                "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}} {{.RestartCount}}",
                container,
            ],
            capture_output=True,
            text=True,
        ).stdout.split()
        if len(out) != 3:
            return "missing", "", 0
        return out[0], out[1], int(out[2])

    def wait_healthy(self, timeout: float) -> None:
        """Wait for the health checks of the hub (JupyterHub answers) and the proxy (it routes
        /hub/health to the hub), as `docker compose up --wait` does; Debian's docker-compose 1.29
        has no --wait, so the health status is read from Docker here, for either compose."""
        deadline = time.monotonic() + timeout
        while True:
            states = {service: self.hub_state(service) for service in self.SERVICES}
            if all(health == "healthy" for _, health, _ in states.values()):
                return
            for service, (state, _, restarts) in states.items():
                # A configuration error makes a service exit: say it now. "unhealthy" alone is not
                # one: on a busy machine (a hub hashing a new roster's codes on two loaded cores) the
                # first checks can fail past the start period; the deadline below still holds.
                if restarts > 0 or state == "exited":
                    self.compose("logs", "--tail", "20", service, check=False)
                    raise SystemExit(f"error: the {service} exited at start (its log is above); nothing was changed")
            if time.monotonic() > deadline:
                self.compose("logs", "--tail", "40", *self.SERVICES, check=False)
                raise SystemExit(
                    f"error: the classroom did not become healthy at {self.url} within {timeout:.0f} s (logs above)"
                )
            time.sleep(0.5)

    def hub_config_hash(self) -> str | None:
        """The configuration hash the running hub was started with (None: no hub)."""
        container = self.compose("ps", "-q", "hub", capture=True, check=False).stdout.strip()
        if not container:
            return None
        env = subprocess.run(
            ["docker", "inspect", "-f", "{{json .Config.Env}}", container], capture_output=True, text=True
        ).stdout
        found = [v.split("=", 1)[1] for v in json.loads(env or "[]") if v.startswith("CLASSROOM_CONFIG_HASH=")]
        return found[0] if found else ""

    def up(self, timeout: float = 120) -> bool:
        """Start the classroom, or apply what changed: the hub is recreated when its configuration
        hash differs (student servers keep running). True when the hub was (re)created."""
        self.reload()
        self.members()
        changed = self.hub_config_hash() != self.config_hash()
        classroom_network.ensure(self.network, self.project)
        subprocess.run(["docker", "volume", "create", self.grading_volume], check=True, capture_output=True)
        self.ensure_shared()
        self.compose("up", "-d", "--remove-orphans")
        self.wait_healthy(timeout)
        return changed

    def restart_hub(self, timeout: float = 120) -> None:
        self.compose("restart", "hub")
        self.wait_healthy(timeout)

    def user_containers(self) -> list[str]:
        out = subprocess.run(
            ["docker", "ps", "-a", "--format", "{{.Names}}", "--filter", f"name=^{self.project}-"],
            capture_output=True,
            text=True,
        ).stdout.split()
        services = {f"{self.project}-{service}-1" for service in self.SERVICES}  # compose v2's names; v1's use "_"
        return [n for n in out if not n.startswith(f"{self.project}_") and n not in services]

    def down(self, volumes: bool = False) -> None:
        """Stop the hub and every student server. volumes=True also deletes all data (tests only)."""
        for name in self.user_containers():
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        self.compose("down", "--remove-orphans", *(["--volumes"] if volumes else []), check=False)
        if volumes:
            vols = [v for v in self.volumes() if self._plain_volume(v)]
            if vols:
                subprocess.run(["docker", "volume", "rm", *vols], capture_output=True)
            classroom_network.remove(self.network)

    def codes(self) -> str:
        """The pending enrolment codes as `make codes` prints them (one "  name  code" line each)."""
        return self.hub_exec("python3", "-m", "dlcourse.codes")

    def pending_codes(self) -> dict[str, str]:
        """The pending enrolment codes, username -> code."""
        rows = (line.split() for line in self.codes().splitlines())
        return {row[0]: row[1] for row in rows if len(row) == 2}

    # --- backups: the hub's state volume and every student's home volume
    def volumes(self) -> list[str]:
        def ls(*filters: str) -> list[str]:
            args = [a for f in filters for a in ("--filter", f)]
            return subprocess.run(
                ["docker", "volume", "ls", "-q", *args], capture_output=True, text=True
            ).stdout.split()

        state = ls(f"label=com.docker.compose.project={self.project}")
        prefix = vols.home_prefix(self.project)
        homes = [v for v in ls(f"name=^{prefix}") if v.startswith(prefix)]
        own = [v for v in ls(f"name=^{self.project}-") if v in (self.grading_volume, self.shared_volume)]
        return sorted(state) + sorted(own) + sorted(homes)

    @property
    def grading_volume(self) -> str:
        """nbgrader's gradebook and the snapshots of make grade (tools/grade.py)."""
        return f"{self.project}-grading"

    @property
    def shared_volume(self) -> str:
        """The folder instructors share with the class (~/shared in every server; dlcourse.volumes)."""
        return vols.shared_volume(self.project)

    def _plain_volume(self, volume: str) -> bool:
        """A volume this classroom made itself (a home, grading, shared), not one of compose's."""
        return volume.startswith(vols.home_prefix(self.project)) or volume in (self.grading_volume, self.shared_volume)

    def _exists(self, volume: str) -> bool:
        return subprocess.run(["docker", "volume", "inspect", volume], capture_output=True).returncode == 0

    def ensure_shared(self) -> None:
        """The shared folder's volume, owned by the servers' user (instructors' servers write it)."""
        if not self._exists(self.shared_volume):
            subprocess.run(["docker", "volume", "create", self.shared_volume], check=True, capture_output=True)
            self._helper("-v", f"{self.shared_volume}:/data", f"chown {vols.OWNER} /data && chmod 755 /data")

    def share(self, path: Path, replace: bool = False) -> str:
        """Copy a file or folder into ~/shared of every server (read-only for students). An entry
        of that name already there is kept unless replace=True. Returns the name it has there."""
        path = Path(path)
        if not path.exists():
            raise SystemExit(f"error: FILE={str(path)!r}: no such file or folder; give one to share")
        name = path.resolve().name
        self.ensure_shared()
        script = (
            'set -e; if [ -e "/data/$1" ] && [ "$2" != replace ]; then echo "exists" >&2; exit 3; fi; '
            'rm -rf "/data/.incoming" && cp -R "/src/$1" "/data/.incoming" && chown -R '
            f'{vols.OWNER} "/data/.incoming" && chmod -R u+rwX,go+rX,go-w "/data/.incoming" && '
            'rm -rf "/data/$1" && mv "/data/.incoming" "/data/$1"'
        )
        image = f"debian:{load_images().debian}-slim"
        mounts = ["-v", f"{self.shared_volume}:/data", "-v", f"{path.resolve().parent}:/src:ro"]
        proc = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", *mounts, image, "sh", "-c", script, "share", name,
             "replace" if replace else "keep"],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if proc.returncode == 3:
            raise SystemExit(
                f"error: FILE={str(path)!r}: ~/shared/{name} exists already and was left as it was; "
                "to replace it: make share FILE=... REPLACE=1"
            )
        if proc.returncode != 0:
            raise SystemExit(f"error: sharing {path} failed: {proc.stderr.strip()}")
        return name

    def _helper(self, *args: str) -> None:
        """Run tar in a throw-away container of the local Debian base image."""
        image = f"debian:{load_images().debian}-slim"
        subprocess.run(
            ["docker", "run", "--rm", "--network", "none", *args[:-1], image, "sh", "-c", args[-1]],
            check=True,
            capture_output=True,
        )

    def _tar(self, what: str, *args: str) -> str:
        """tar in a helper container; tar's own error text when it fails. Exit 1 (a file changed
        while it was read: a student working during the backup) is a warning, returned."""
        try:
            self._helper(*args)
        except subprocess.CalledProcessError as err:
            text = (err.stderr or b"").decode(errors="replace").strip()  # _helper captures bytes
            if err.returncode == 1:
                return f"{what}: {text or 'some files changed while they were read'}"
            raise SystemExit(f"error: {what} failed (tar exit {err.returncode}): {text}") from None
        return ""

    def backup(self, dest: Path) -> Path:
        """One archive a fresh checkout can be restored from: the hub's state (its database
        copied online with SQLite's backup, so nobody is paused), every student's home, and
        the instructor's files (settings, roster, TLS files, .env). Mode 600: it holds
        password hashes and the cookie secret."""
        volumes = self.volumes()
        if not volumes:
            raise SystemExit(f"error: classroom {self.project!r} has no volumes to back up")
        dest.mkdir(parents=True, exist_ok=True)
        archive = dest / f"{self.project}-{dt.datetime.now().strftime('%Y-%m-%dT%H%M%S')}.tar"
        hub_running = self.hub_state()[0] == "running"
        warnings: list[str] = []
        with tempfile.TemporaryDirectory() as tmp:
            files = {kind: path for kind, path in self.config_files().items() if path.is_file()}
            env_file = self.checkout / ".env"
            if env_file.is_file():
                files["env"] = env_file
            Path(tmp, "config").mkdir()
            for kind, path in files.items():
                shutil.copyfile(path, Path(tmp, "config", kind))
            for volume in volumes:
                say(f"backing up {volume}")
                mounts = ["-v", f"{volume}:/data:ro", "-v", f"{tmp}:/backup"]
                tar = f"tar --numeric-owner -C /data -czf /backup/{volume}.tar.gz"
                if self._plain_volume(volume):
                    warnings.append(self._tar(volume, *mounts, f"{tar} ."))
                    continue
                runtime = f"--exclude='./{PROXY_PID}'"  # a pid of this host's hub: a restored hub would act on it
                if not hub_running:
                    warnings.append(self._tar(volume, *mounts, f"{tar} {runtime} ."))
                    continue
                # the hub's state while it runs: the database through SQLite's online backup, the rest as files
                self.hub_exec("python3", "-c", ONLINE_DB_COPY)
                live = " ".join(f"--exclude='./{DB}{suffix}'" for suffix in ("", "-journal", "-wal", "-shm"))
                script = f"{tar} {live} {runtime} --transform='s,^./{DB_COPY}$,./{DB},' ."
                try:
                    warnings.append(self._tar(volume, *mounts, script))
                finally:
                    self.hub_exec("rm", "-f", f"/srv/jupyterhub/{DB_COPY}")
            manifest = {
                "project": self.project,
                "created": dt.datetime.now().isoformat(),
                "volumes": volumes,
                "config": sorted(files),
            }
            Path(tmp, "manifest.json").write_text(json.dumps(manifest, indent=1))
            fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.close(fd)
            subprocess.run(["tar", "-cf", str(archive), "-C", tmp, "."], check=True)
        for warning in filter(None, warnings):
            say(f"warning: {warning}")
        return archive

    def _config_targets(self, kinds: list[str]) -> dict[str, Path]:
        """Where a restore writes each archived file of the instructor's (the roster and TLS
        names come from the restored settings)."""
        targets = {kind: path for kind, path in self.config_files().items() if kind in kinds}
        if "env" in kinds:
            targets["env"] = self.checkout / ".env"
        return targets

    def restore(self, archive: Path) -> list[str]:
        """Bring an archive back into this classroom (volumes renamed to its project, the
        instructor's files into its checkout). Refuses to overwrite a volume that exists, or a
        file that exists with other content (a settings file with nothing but the defaults, as
        a fresh checkout has, is replaced): nothing is ever lost by a restore."""
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["tar", "-xf", str(archive), "-C", tmp], check=True)
            manifest = json.loads(Path(tmp, "manifest.json").read_text())
            source = manifest["project"]
            targets = {v: self.project + v[len(source) :] for v in manifest["volumes"]}
            existing = [t for t in targets.values() if self._exists(t)]
            if existing:
                raise SystemExit(
                    f"error: these volumes exist and a restore would overwrite them: {', '.join(existing)}. "
                    "Restore on a fresh host, or remove them first (docker volume rm ...) if you are sure."
                )
            self._restore_config(Path(tmp, "config"), manifest.get("config", []))
            for volume, target in targets.items():
                say(f"restoring {target}")
                labels = []
                if not self._plain_volume(target):  # the hub's state belongs to compose
                    labels = [
                        "--label",
                        f"com.docker.compose.project={self.project}",
                        "--label",
                        f"com.docker.compose.volume={target.split('_', 1)[-1]}",
                    ]
                subprocess.run(["docker", "volume", "create", *labels, target], check=True, capture_output=True)
                mounts = ["-v", f"{target}:/data", "-v", f"{tmp}:/backup:ro"]
                self._tar(f"restoring {target}", *mounts, f"tar --numeric-owner -C /data -xzf /backup/{volume}.tar.gz")
        return list(targets.values())

    def _restore_config(self, folder: Path, kinds: list[str]) -> None:
        """Write the archived instructor's files, or none of them when one would overwrite other content."""
        before = self.settings_path.read_bytes() if self.settings_path.exists() else None
        if "settings" in kinds:
            archived = (folder / "settings").read_bytes()
            if before not in (None, archived) and not _only_defaults(self.settings_path):
                raise SystemExit(_clash([self.settings_path]))
            self.settings_path.parent.mkdir(parents=True, exist_ok=True)
            self.settings_path.write_bytes(archived)
            self.reload()  # the roster and TLS file names are the restored settings'
        targets = {kind: path for kind, path in self._config_targets(kinds).items() if kind != "settings"}
        clashes = [p for kind, p in targets.items() if p.exists() and p.read_bytes() != (folder / kind).read_bytes()]
        if clashes:
            if before is None:
                self.settings_path.unlink()
            else:
                self.settings_path.write_bytes(before)
            self.reload()
            raise SystemExit(_clash(clashes))
        for kind, path in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / kind, path)
        written = [self.settings_path] if "settings" in kinds else []
        for path in [*written, *targets.values()]:
            say(f"restored {path}")


DB = "jupyterhub.sqlite"
PROXY_PID = "jupyterhub-proxy.pid"
DB_COPY = "jupyterhub-backup.sqlite"
# Run in the hub container: a consistent copy of the live database, without stopping anyone.
ONLINE_DB_COPY = f"""
import sqlite3
live = sqlite3.connect("/srv/jupyterhub/{DB}")
copy = sqlite3.connect("/srv/jupyterhub/{DB_COPY}")
with copy:
    live.backup(copy)
copy.close()
live.close()
"""


def _digest(files: dict[str, Path], extra: str) -> str:
    digest = hashlib.sha256()
    for kind, path in sorted(files.items()):
        data = path.read_bytes() if path.is_file() else b"(missing)"
        digest.update(f"{kind}\0{path}\0{len(data)}\0".encode() + data)
    digest.update(extra.encode())
    return digest.hexdigest()[:16]


def _clash(paths: list[Path]) -> str:
    return (
        f"error: these files exist with other content and a restore would overwrite them: "
        f"{', '.join(map(str, paths))}. Move them away first if the backup's versions should win; nothing was changed."
    )


def _only_defaults(path: Path) -> bool:
    """A settings file that sets nothing but the defaults (a fresh checkout's)."""
    try:
        return load_settings(path) == load_settings(Path(os.devnull))
    except ConfigError:
        return False


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    room = Classroom()
    if command == "up":
        if not room.roster.exists():
            example = ROOT / "hub" / "roster.example.csv"
            room.roster.write_text(example.read_text().splitlines()[0] + "\ninstructor,admin,\n")
            say(
                f"No roster yet: created {room.roster.relative_to(ROOT)} with you, 'instructor', as the lab's "
                "admin; add your instructors and students there"
            )
        say(f"Starting the classroom (project {room.project})")
        running = room.hub_config_hash() is not None
        if room.up() and running:
            say(
                "The settings, the roster or the TLS files changed: the hub was restarted with them (servers kept running)"
            )
        members = room.members()
        say(f"The classroom is up: {room.url}/  ({len(members)} on the roster)")
        staff = {m.username for m in members.values() if m.role in ("admin", "instructor")}
        lines = [row for row in room.codes().splitlines() if row.split()[:1] and row.split()[0] in staff]
        if lines:
            print("    First login for admins and instructors (username, one-time code; you will choose a password):")
            print("\n".join(lines))
        print("    Students' codes: make roster.  Stop: make down (keeps all data).")
    elif command == "down":
        room.down()
        say("Classroom stopped; the hub's state and every student's files are kept (make up to start again)")
    elif command == "status":
        room.compose("ps")
        print("Student servers:", ", ".join(room.user_containers()) or "none")
        print(f"Hub at {room.url}: {'answering' if room.ready() else 'not answering'}")
    elif command == "logs":
        room.compose("logs", "--tail", "200", "-f", "hub")
    elif command == "roster":
        members = room.members()
        say(
            f"Roster OK: {len(members)} people; restarting the hub to create new accounts (student servers keep running)"
        )
        room.restart_hub()
        print("Pending enrolment codes (hand each student theirs):")
        print(room.codes().rstrip())
    elif command == "codes":
        print(room.codes().rstrip())
    elif command == "backup":
        archive = room.backup(Path(os.environ.get("BACKUP_DIR") or ROOT / "backups"))
        say(f"Backup written: {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    elif command == "share":
        if len(argv) < 2 or not argv[1]:
            raise SystemExit("usage: make share FILE=<file or folder> [REPLACE=1]")
        name = room.share(Path(argv[1]), replace="--replace" in argv[2:])
        say(f"Shared: ~/shared/{name} in every server (students read it, instructors may change it)")
    elif command == "restore":
        archive = Path(argv[1]) if len(argv) > 1 else None
        if not archive or not archive.is_file():
            raise SystemExit("usage: make restore BACKUP=backups/<file>.tar")
        restored = room.restore(archive)
        say(f"Restored {len(restored)} volumes; start the classroom with: make up")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    cli(main, subprocess.CalledProcessError)
