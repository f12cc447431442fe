"""The classroom's fixed ports and names inside its networks (docker-compose.yml), in one light
module: the hub's configuration, the proxy, the firewall and the health checks all read them."""

PUBLIC_PORT = 8000  # the proxy's public port in its container (compose publishes it as hub.port)
HUB_PORT = 8081  # JupyterHub's own port on the classroom network (the proxy sends unrouted requests there)
PROXY_API_PORT = 8001  # the proxy's REST API ...
PROXY_API_HOST = "proxy-api"  # ... on the hub's and proxy's own network (compose: control), never the students'
# The hub's managed services, on the hub's own container (the firewall lets students reach only
# the hub's 8081): JupyterHub gives each 10 s to answer at start, then exits (its health check
# waits for them, so a hub counts as started only when they listen).
PROGRESS_PORT = 10101  # the progress page (dlcourse.progress)
ANNOUNCEMENTS_PORT = 10102  # jupyterhub-announcement (dlcourse.announcements)
SERVICE_PORTS = (PROGRESS_PORT, ANNOUNCEMENTS_PORT)
