"""Announcements to the class: jupyterhub-announcement as a hub service, and the glue.

The service (its page at /services/announcements/) keeps the messages in the hub's state
volume; the hub shows the latest one on every page it renders (the home page, the start
form, the page a student waits on while their server starts) through JupyterHub's own
`announcement` template variable, read from that file. Only the roster's instructors and
admins may post: they hold the custom scope POST_SCOPE (dlcourse.hubconfig gives it to the
instructor role), which the service's OAuth tokens carry when their user has it. The
package itself lets only hub admins post; `main` swaps in its handlers with that one check
changed, and nothing else.

Run by the hub: python -m dlcourse.announcements (environment: ANNOUNCEMENTS_FILE, the port).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from pathlib import Path

from dlcourse.ports import ANNOUNCEMENTS_PORT

SERVICE = "announcements"
POST_SCOPE = "custom:announcements:post"
POST_DESCRIPTION = "Post announcements that every student sees on the hub's pages"
FILE = "announcements.json"  # in the hub's state volume (so make backup keeps it)
LIFETIME_DAYS = 7.0  # the service purges older messages; the hub stops showing them too


class Latest:
    """The hub's `announcement` template variable: the latest message, as the hub's pages show it
    (JupyterHub calls it with the current user at each page it renders). The file is read again
    only when it changed."""

    def __init__(self, path: Path, lifetime_days: float = LIFETIME_DAYS, now=dt.datetime.now):
        self.path, self.lifetime, self.now = Path(path), dt.timedelta(days=lifetime_days), now
        self._seen: tuple[int, int] | None = None
        self._entry: dict | None = None

    def __call__(self, user=None) -> str:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return ""
        if (st.st_mtime_ns, st.st_size) != self._seen:
            try:
                entries = json.loads(self.path.read_text())
                self._entry = entries[-1] if entries else None
            except (OSError, ValueError, IndexError, KeyError, TypeError):
                self._entry = None  # being rewritten: the next page reads it again
                return ""
            self._seen = (st.st_mtime_ns, st.st_size)
        entry = self._entry
        if not entry or not entry.get("announcement"):
            return ""  # none yet, or cleared (the service posts an empty message to clear)
        try:
            when = dt.datetime.fromisoformat(entry["timestamp"])
        except (KeyError, TypeError, ValueError):
            return ""
        if self.now() - when > self.lifetime:
            return ""
        # the message is the service's sanitized HTML (a, strong, em, p, ul, li, ...); the rest is ours
        who = html.escape(str(entry.get("user", "")))
        return f'{entry["announcement"]} <small class="text-muted">({who}, {when:%Y-%m-%d %H:%M})</small>'


def may_post(user: dict | None) -> bool:
    return bool(user) and (bool(user.get("admin")) or POST_SCOPE in (user.get("scopes") or ()))


def serve(sockets) -> None:
    """Run jupyterhub-announcement on SOCKETS, already listening (dlcourse.service_start binds them)."""
    from jupyterhub_announcement import announcement, handlers
    from tornado.httpserver import HTTPServer
    from traitlets.config import Config

    class PostersAreAdmins:
        """The package's pages and its update handler ask user["admin"]; here that means "may
        post" (a hub admin, or a user whose token holds POST_SCOPE). Nothing else changes."""

        def get_current_user(self):
            user = super().get_current_user()
            return {**user, "admin": may_post(user)} if user else user

    class ViewHandler(PostersAreAdmins, handlers.AnnouncementViewHandler):
        pass

    class UpdateHandler(PostersAreAdmins, handlers.AnnouncementUpdateHandler):
        pass

    announcement.AnnouncementViewHandler = ViewHandler  # the names AnnouncementService.initialize uses
    announcement.AnnouncementUpdateHandler = UpdateHandler
    state = Path(os.environ["ANNOUNCEMENTS_FILE"]).parent
    config = Config()
    config.AnnouncementService.port = int(os.environ.get("ANNOUNCEMENTS_PORT", ANNOUNCEMENTS_PORT))
    config.AnnouncementService.config_file = ""  # everything is set here
    config.AnnouncementService.cookie_secret_file = str(state / "announcements_cookie_secret")
    config.AnnouncementService.fixed_message = (
        "Instructors post here; every student sees the latest message on the hub's pages."
    )
    config.AnnouncementQueue.persist_path = os.environ["ANNOUNCEMENTS_FILE"]
    config.AnnouncementQueue.lifetime_days = LIFETIME_DAYS
    app = announcement.AnnouncementService(config=config)
    app.initialize([])
    # its start() serves with app.listen(port): on the bound sockets instead, nothing else changed
    app.app.listen = lambda port, **kwargs: HTTPServer(app.app, **kwargs).add_sockets(sockets)
    app.start()
