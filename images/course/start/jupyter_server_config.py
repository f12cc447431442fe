# Server settings for every course image (installed as /etc/jupyter/jupyter_server_config.py).
# Idle kernels are shut down so they give their memory (GPU memory included) back
# even while the student's server stays up. KERNEL_CULL_IDLE_TIMEOUT (seconds,
# 0 = never) comes from the hub's configuration.
import os

c = get_config()
c.MappingKernelManager.cull_idle_timeout = int(os.environ.get("KERNEL_CULL_IDLE_TIMEOUT", "3600"))
c.MappingKernelManager.cull_interval = 120
c.MappingKernelManager.cull_connected = True  # an open but idle notebook tab does not pin the GPU
