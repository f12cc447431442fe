"""The classroom's Docker volumes: one place for their names and where servers mount them.

- each student's home, <project>-home-<username>, at /home/jovyan;
- the folder the instructors share with the class, <project>-shared, at ~/shared: read-only
  in students' servers, writable in the roster's admins' and instructors' (make share puts
  files there too); in make backup like the homes.
"""

from __future__ import annotations

HOME = "/home/jovyan"
SHARED = f"{HOME}/shared"
SHARED_WRITERS = ("admin", "instructor")  # roster roles whose servers may write ~/shared
OWNER = "1000:1000"  # the servers' user (jovyan), owner of the shared folder's files


def home_prefix(project: str) -> str:
    return f"{project}-home-"


def home_volume(project: str, username: str) -> str:
    """A student's home volume; DockerSpawner fills in "{username}" itself when given that."""
    return f"{home_prefix(project)}{username}"


def shared_volume(project: str) -> str:
    return f"{project}-shared"


def server_volumes(project: str, role: str = "student") -> dict:
    """DockerSpawner's `volumes` for a server of a member with this roster role."""
    mode = "rw" if role in SHARED_WRITERS else "ro"
    return {
        home_volume(project, "{username}"): HOME,
        shared_volume(project): {"bind": SHARED, "mode": mode},
    }
