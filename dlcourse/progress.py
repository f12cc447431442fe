"""The class's progress page: a JupyterHub service at /services/progress/ (started by the hub,
logged in through the hub with OAuth: no new password).

Instructors and admins (the roster's role column) see every student by notebook: points of
the maximum, when it was graded, or "not started", filterable by section and sortable, with a
heatmap of the class. A student sees their own row and links to their feedback
(~/feedback/<notebook>.html in their own server); asking for another student's row is 403.
The grades are what `make grade` wrote in the grading volume (grades.json, read-only here).

/services/progress/                 the class (teaching roles) or one's own row (students)
/services/progress/student/<name>   one student's row
/services/progress/api/grades       the same data as JSON, with the same rule on who sees what
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from urllib.parse import quote, urlencode

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from dlcourse.manifest import load_course, load_images
from dlcourse.settings import load_roster, load_settings

TEACHING = ("instructor", "admin")
SORTS = ("name", "section", "total")


class Classroom:
    """What the page reads: the grades, the roster (who teaches), the course (column order);
    `config` is the folder of classroom.toml, images.toml and course.toml."""

    def __init__(self, grades: Path, roster: Path, config: Path):
        self.grades_path, self.roster_path, self.config = grades, roster, config

    def grades(self) -> dict:
        try:
            return json.loads(self.grades_path.read_text())
        except (OSError, ValueError):  # nothing graded yet
            return {"students": {}, "sections": {}, "max_points": {}}

    def members(self) -> dict:
        settings = load_settings(self.config / "classroom.toml", load_images(self.config / "images.toml"))
        return load_roster(self.roster_path, settings["auth"]["type"], settings["auth"]["options"])

    def notebooks(self) -> list[tuple[str, str]]:
        course = load_course(self.config / "course.toml", load_images(self.config / "images.toml"))
        return [(nb.file, nb.title) for nb in course.notebooks]


def rows(room: Classroom, names: list[str] | None = None, section: str = "", sort: str = "name") -> dict:
    """The table: every student (or NAMES) by every notebook of the course."""
    grades, members = room.grades(), room.members()
    students = [m for m in members.values() if m.role == "student" and (names is None or m.username in names)]
    if section:
        students = [m for m in students if m.section == section]
    notebooks = room.notebooks()
    table = []
    for m in students:
        graded = grades["students"].get(m.username, {})
        cells = {}
        for file, _ in notebooks:
            entry = graded.get(file)
            if entry is None:
                cells[file] = {"status": "not started", "max_points": grades["max_points"].get(file)}
            else:
                cells[file] = {k: entry[k] for k in ("status", "points", "max_points", "graded_at", "reason")}
        total = sum(c.get("points", 0) for c in cells.values())
        table.append({"student": m.username, "section": m.section, "notebooks": cells, "total": total})
    key = {"name": lambda r: r["student"], "section": lambda r: (r["section"], r["student"])}
    table.sort(key=key.get(sort, lambda r: (-r["total"], r["student"])))
    sections = sorted({m.section for m in members.values() if m.role == "student" and m.section})
    return {"notebooks": notebooks, "rows": table, "sections": sections, "updated_at": grades.get("updated_at", "")}


def colour(fraction: float | None) -> str:
    """Heatmap colour: grey for not started, red (0) through yellow to green (all points)."""
    if fraction is None:
        return "#e0e0e0"
    f = min(max(fraction, 0.0), 1.0)
    red, green = (220, int(60 + 340 * f)) if f < 0.5 else (int(220 - 360 * (f - 0.5)), 200)
    return f"#{min(red, 255):02x}{min(green, 200):02x}50"


def heatmap(data: dict) -> str:
    """An SVG picture of the class: one row per student, one column per notebook."""
    size, left, top = 18, 120, 16
    notebooks, table = data["notebooks"], data["rows"]
    width, height = left + size * len(notebooks) + 4, top + size * len(table) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" class="heatmap">']
    parts.append("<title>Points of the maximum, per student and notebook (grey: not started)</title>")
    for j, _ in enumerate(notebooks):
        parts.append(f'<text x="{left + size * j + 4}" y="12" font-size="10">{j + 1}</text>')
    for i, row in enumerate(table):
        y = top + size * i
        parts.append(f'<text x="0" y="{y + 13}" font-size="11">{html.escape(row["student"])}</text>')
        for j, (file, title) in enumerate(notebooks):
            cell = row["notebooks"][file]
            scored = "points" in cell and cell["status"] != "not started" and cell.get("max_points")
            fraction = cell["points"] / cell["max_points"] if scored else None
            label = f"{row['student']}, {title}: " + (
                f"{cell['points']:g} of {cell['max_points']:g}" if fraction is not None else cell["status"]
            )
            parts.append(
                f'<rect x="{left + size * j}" y="{y}" width="{size - 2}" height="{size - 2}" '
                f'fill="{colour(fraction)}"><title>{html.escape(label)}</title></rect>'
            )
    return "".join(parts) + "</svg>"


def cell_html(cell: dict) -> str:
    if "points" not in cell or cell["status"] == "not started":
        return '<td class="not-started">not started</td>'
    title = html.escape(f"graded {cell['graded_at']}" + (f": {cell['reason']}" if cell["reason"] else ""))
    return f'<td class="{cell["status"]}" title="{title}">{cell["points"]:g} / {cell["max_points"]:g}</td>'


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Progress</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 3px 6px; font-size: 13px; }}
th a {{ color: inherit; }} td.not-started {{ color: #999; }} td.stopped {{ background: #fde2e2; }}
</style></head><body>
<h1>{heading}</h1>
<p>Graded {updated}. To grade again, run <code>make grade</code> on the classroom's host
(<code>make grade NOTEBOOK=&lt;file&gt; SECTION=&lt;name&gt;</code> for part of it).</p>
{filters}
{picture}
<table id="progress"><thead><tr>{header}</tr></thead><tbody>
{body}
</tbody></table>
{links}
</body></html>
"""


def render(data: dict, prefix: str, teaching: bool, section: str, sort: str, server_url: str = "") -> str:
    def link(label: str, **query) -> str:
        return f'<a href="{prefix}?{urlencode({k: v for k, v in query.items() if v})}">{html.escape(label)}</a>'

    notebooks = data["notebooks"]
    header = "".join(
        [
            f"<th>{link('Student', section=section, sort='name') if teaching else 'Student'}</th>",
            f"<th>{link('Section', section=section, sort='section') if teaching else 'Section'}</th>",
            *(f'<th title="{html.escape(t)}">{j + 1}</th>' for j, (_, t) in enumerate(notebooks)),
            f"<th>{link('Total', section=section, sort='total') if teaching else 'Total'}</th>",
        ]
    )
    body = "\n".join(
        "<tr>"
        + f'<td class="student">{html.escape(r["student"])}</td><td>{html.escape(r["section"])}</td>'
        + "".join(cell_html(r["notebooks"][f]) for f, _ in notebooks)
        + f"<td>{r['total']:g}</td></tr>"
        for r in data["rows"]
    )
    filters = ""
    if teaching:
        choices = [link("all", sort=sort)] + [link(s, section=s, sort=sort) for s in data["sections"]]
        filters = f"<p>Section: {' · '.join(choices)}</p>"
    links = "<ol>" + "".join(f"<li>{html.escape(t)}</li>" for _, t in notebooks) + "</ol>"
    if not teaching and server_url and data["rows"]:
        feedback = [
            f'<li><a href="{server_url}files/feedback/{quote(f[: -len(".ipynb")])}.html">{html.escape(t)}</a></li>'
            for f, t in notebooks
            if data["rows"][0]["notebooks"][f]["status"] in ("graded", "stopped")
        ]
        links += "<h2>Your feedback</h2><ul>" + ("".join(feedback) or "<li>nothing graded yet</li>") + "</ul>"
    return PAGE.format(
        heading="Class progress" if teaching else "Your progress",
        updated=html.escape(data["updated_at"] or "never"),
        filters=filters,
        picture=heatmap(data) if teaching else "",
        header=header,
        body=body,
        links=links,
    )


class Handler(HubOAuthenticated, web.RequestHandler):
    @property
    def room(self) -> Classroom:
        return self.settings["room"]

    def role(self) -> str:
        member = self.room.members().get(self.current_user["name"])
        return member.role if member else ""

    def visible(self, name: str | None) -> tuple[list[str] | None, bool]:
        """Whose rows this user may see: everyone's (None) for teaching roles, else their own."""
        teaching = self.role() in TEACHING
        me = self.current_user["name"]
        if name is not None and name != me and not teaching:
            raise web.HTTPError(403, "a student sees only their own row")
        return ([name] if name else None) if teaching else [me], teaching

    def page(self, name: str | None) -> None:
        names, teaching = self.visible(name)
        section, sort = self.get_argument("section", ""), self.get_argument("sort", "name")
        if sort not in SORTS:
            raise web.HTTPError(400, f"sort={sort!r}; allowed: {', '.join(SORTS)}")
        data = rows(self.room, names, section if teaching else "", sort)
        server = (
            url_path_join(os.environ.get("JUPYTERHUB_BASE_URL", "/"), "user", quote(self.current_user["name"])) + "/"
        )
        prefix = self.settings["prefix"]
        self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
        self.write(render(data, prefix, teaching and name is None, section, sort, server_url=server))


class ClassPage(Handler):
    @web.authenticated
    def get(self):
        self.page(None)


class StudentPage(Handler):
    @web.authenticated
    def get(self, name: str):
        self.page(name)


class GradesApi(Handler):
    @web.authenticated
    def get(self):
        names, _ = self.visible(self.get_argument("student", None))
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(rows(self.room, names, self.get_argument("section", ""))))


def make_app(room: Classroom, prefix: str) -> web.Application:
    return web.Application(
        [
            (prefix, ClassPage),
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
            (url_path_join(prefix, "student", "([^/]+)"), StudentPage),
            (url_path_join(prefix, "api", "grades"), GradesApi),
        ],
        cookie_secret=os.urandom(32),  # sessions end with the service; the hub logs them in again
        room=room,
        prefix=prefix,
    )


def serve(sockets) -> None:
    """Serve the page on SOCKETS, already listening (dlcourse.service_start binds them)."""
    from tornado.httpserver import HTTPServer

    from dlcourse.hubconfig import HubPaths

    paths = HubPaths.from_environment(os.environ)
    room = Classroom(Path(os.environ.get("CLASSROOM_GRADES", "/srv/grading/grades.json")), paths.roster, paths.config)
    HTTPServer(make_app(room, os.environ["JUPYTERHUB_SERVICE_PREFIX"])).add_sockets(sockets)
    ioloop.IOLoop.current().start()
