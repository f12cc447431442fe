"""DockerSpawner, with its calls to the Docker API (create, start, inspect, stop)
on 4 threads shared by all servers instead of DockerSpawner's single thread, so
30 students starting together do not queue behind each other's container
creation (measured: see README, Capacity)."""

from concurrent.futures import ThreadPoolExecutor

from dockerspawner import DockerSpawner


class ClassroomSpawner(DockerSpawner):
    _pool = ThreadPoolExecutor(4, thread_name_prefix="docker")

    @property
    def executor(self):
        return self._pool
