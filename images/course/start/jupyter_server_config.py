# Server settings for every course image (installed as /etc/jupyter/jupyter_server_config.py).
# Kernel culling: a kernel idle for KERNEL_CULL_IDLE_TIMEOUT seconds (0 = never; the hub
# passes [culling] kernel_idle_timeout) is shut down, so a forgotten notebook gives its
# memory (GPU memory included) back even while the student's server stays up.
import os

c = get_config()
c.MappingKernelManager.cull_idle_timeout = int(os.environ.get("KERNEL_CULL_IDLE_TIMEOUT", "3600"))
c.MappingKernelManager.cull_interval = 120
# Only kernels no browser is connected to (the notebook's tab closed, or its connection
# lost) are culled. A student who is reading, with the tab open and the kernel idle,
# expects to find their variables and trained models when they run the next cell;
# losing them to a pause costs a rerun of the whole notebook. The price, said in the
# README: an open tab keeps its kernel's memory until it is closed (its websocket,
# pinged by the server, also keeps the server active for the hub's idle culler).
c.MappingKernelManager.cull_connected = False

# The meter in JupyterLab's status bar (jupyter-resource-usage): the memory of the server and
# its kernels against the server's limit, MEM_LIMIT, which JupyterHub's spawner sets from the
# limit the container got ([limits] memory); amber within 10% of it. CPU too (CPU_LIMIT).
c.ResourceUseDisplay.track_cpu_percent = True
c.ResourceUseDisplay.mem_warning_threshold = 0.1

# Tests only: "IDLE,INTERVAL" seconds, so the end-to-end test watches a kernel being culled
# within seconds. Only that test sets it, as an ENV of an image layer it builds on its own
# image tag: no Dockerfile of the course, no setting and no spawner environment of the hub
# sets it (tests/test_hub_config.py checks), and a student cannot change their server's
# environment. [culling] kernel_idle_timeout keeps its validation (0 or 300 to 604800).
TEST_CULL = "DLCOURSE_TESTS_ONLY_KERNEL_CULL"
if os.environ.get(TEST_CULL):
    idle, interval = (int(v) for v in os.environ[TEST_CULL].split(","))
    c.MappingKernelManager.cull_idle_timeout = idle
    c.MappingKernelManager.cull_interval = interval
