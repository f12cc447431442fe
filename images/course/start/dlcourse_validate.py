"""nbgrader's Validate button in a student's server, with nbgrader imported on first use.

nbgrader's own server extension (nbgrader.server_extensions.validate_assignment) imports nbgrader
at every server start: about 0.9 CPU-seconds of the server's start, spent again by each of 30
students arriving at once, for a button most of them press later or never. This extension serves
the same two routes with nbgrader's own handlers, imported when the first request reaches one of
them: each route's handler here, on a request, becomes nbgrader's handler for that route
(`prepare`, which tornado runs before it looks up the method, swaps the request handler's class;
both are JupyterHandlers and nbgrader's adds only methods). The authentication, checks and answers
are nbgrader's, unchanged. The placeholder methods are `web.authenticated`, as jupyter_server
requires of every handler it registers, and never run.

Enabled in place of nbgrader's extension by images/course/Dockerfile.
"""

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

# nbgrader's routes (its handlers module's default_handlers), relative to the server's base URL
ROUTES = ("/assignments/validate", "/nbgrader_version")


def nbgraders_handler(route: str) -> type[JupyterHandler]:
    from nbgrader.server_extensions.validate_assignment.handlers import default_handlers

    return dict(default_handlers)[route]


class OnFirstUse(JupyterHandler):
    """Route ROUTE of nbgrader's validate extension: each request is handled by nbgrader's handler."""

    route = ""

    async def prepare(self):
        self.__class__ = nbgraders_handler(self.route)  # from here on the request is nbgrader's
        return await JupyterHandler.prepare(self)

    @web.authenticated
    def get(self):  # never runs (see prepare)
        raise web.HTTPError(500)

    post = get


def _jupyter_server_extension_points():
    return [{"module": "dlcourse_validate"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    web_app.settings["root_dir"] = serverapp.root_dir  # what nbgrader's handler reads (as its loader sets it)
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, r), type("OnFirstUse", (OnFirstUse,), {"route": r})) for r in ROUTES]
    web_app.add_handlers(".*$", handlers)
    serverapp.log.info("nbgrader's validate routes are served; nbgrader loads on their first request")
