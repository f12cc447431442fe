"""The classroom's own code, importable by the hub and by the tools.

- manifest: images/images.toml and notebooks/course.toml, read and validated
- settings: hub/classroom.toml and the roster, their defaults and validation
- auth, spawner, spawn_form, spawn_hooks, gpu_pool: the glue JupyterHub loads
  (the roster login, DockerSpawner with its limits, isolation and GPUs)

The hub image installs this package into its virtual environment; manifest and
settings use the standard library only, so the Makefile can use them before any
virtual environment exists.
"""
