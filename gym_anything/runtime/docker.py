"""The Docker runner: the env's application in a container built from the same ``env.yaml``.

The image is generated from the spec (Debian base + Xvfb, openbox with our rc.xml, fonts + the env's
``packages``) and cached under a tag made of the build context's digest. Each episode gets a fresh container
(``--network=none``, read-only root, the spec's ``resources`` as limits) running Xvfb + openbox + the app as
uid 1000. Only three host folders are mounted: the episode HOME at /home/agent, a private folder as the
container's /tmp/.X11-unix and one for the app's log; never the privileged data, the repository or the
package. The host connects to the display through that socket (claimed as ``:N`` in the host's
/tmp/.X11-unix) and drives it with the local runner's XTEST client, capture and settle loop.

Works against any Docker API: a Docker engine (``DOCKER_HOST``) or podman's service
(``scripts/setup-docker.sh``). The socket mount means the engine must run on this machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from ..specs.model import SoftwareSpec
from .base import RuntimeFault, SandboxUnavailable
from .guardian import SCRATCH_PREFIX, guardian, owner, owner_env, process_start
from .limits import Limiter
from .local import LocalRunner, _descendants, _Resources, _uids, spec_limits
from .sandbox import SANDBOX_HOME, SANDBOX_UID, sandbox_env
from .xserver import OPENBOX_RC, X11_DIR

BASE_IMAGE = os.environ.get("GYM_ANYTHING_DOCKER_BASE", "localhost/gym-anything-base:bookworm")
PODMAN_SOCKET = os.environ.get("GYM_ANYTHING_PODMAN_SOCKET", "/run/podman/podman.sock")
RUNTIME_PACKAGES = ("xvfb", "openbox", "fonts-dejavu-core")
LABEL = "gym-anything"  # every container we create carries it; the owner and env are in labels under it
DISPLAY_BASE = 100  # container displays are claimed on the host from :100 upwards
LOG_DIR = "/var/log/gym-anything"  # in the container: the app's output and exit status
SETUP_HINT = ("run scripts/setup-docker.sh (podman serving the Docker API, as root) or point DOCKER_HOST at "
              "a Docker engine on this machine")

_EPISODE_SCRIPT = f"""#!/bin/bash
# One episode: Xvfb, then openbox, then (once the host found the window manager ready and created
# {LOG_DIR}/start) the app given as arguments. The container ends when Xvfb or openbox exits (70: Xvfb,
# 71: openbox); the app's output and exit status go to {LOG_DIR}.
set -u
n=$1 size=$2
shift 2
mkdir -p -m 700 /tmp/runtime /tmp/wm
Xvfb ":$n" -screen 0 "${{size}}x24" -nolisten tcp -noreset -extension GLX -dpi 96 &
xvfb=$!
until [ -S "/tmp/.X11-unix/X$n" ]; do kill -0 "$xvfb" 2>/dev/null || exit 70; sleep 0.005; done
HOME=/tmp/wm XDG_CONFIG_HOME=/tmp/wm XDG_CACHE_HOME=/tmp/wm openbox --sm-disable \\
  --config-file /opt/gym-anything/openbox-rc.xml &
wm=$!
until [ -e {LOG_DIR}/start ]; do kill -0 "$xvfb" "$wm" 2>/dev/null || break; sleep 0.005; done
(echo "$BASHPID" > {LOG_DIR}/app.pid; "$@" > {LOG_DIR}/app.log 2>&1; echo $? > {LOG_DIR}/app.exit) &
wait -n "$xvfb" "$wm"
kill -0 "$xvfb" 2>/dev/null && exit 71
exit 70
"""


class DockerUnavailable(SandboxUnavailable):
    """No Docker API (or SDK, or base image) is available: says what to run."""


def connect() -> Any:
    """A ``docker.DockerClient`` for ``$DOCKER_HOST``, else podman's or Docker's default socket."""
    try:
        import docker
    except ImportError:
        raise DockerUnavailable("the Docker runner needs the docker SDK: pip install 'gym-anything[docker]'") from None
    if os.environ.get("DOCKER_HOST"):
        candidates = [os.environ["DOCKER_HOST"]]
    else:
        candidates = [f"unix://{PODMAN_SOCKET}", "unix:///var/run/docker.sock"]
    problems = []
    for url in candidates:
        if url.startswith("unix://") and not Path(url.removeprefix("unix://")).exists():
            problems.append(f"{url}: no such socket")
            continue
        try:
            client = docker.DockerClient(base_url=url, timeout=600)
            client.ping()
            return client
        except Exception as exc:  # noqa: BLE001 - the SDK raises many kinds of connection errors
            problems.append(f"{url}: {type(exc).__name__}: {exc}")
    raise DockerUnavailable(f"no Docker API is reachable ({'; '.join(problems)}); {SETUP_HINT}")


# --- the image ------------------------------------------------------------------------------------


def dockerfile(spec: SoftwareSpec) -> str:
    """The Dockerfile for ``spec``: runtime layers first (shared by every env), then the app's packages."""
    apt = ("RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
           "--no-install-recommends {} >/dev/null && rm -rf /var/lib/apt/lists/*")
    return "\n".join([
        f"FROM {BASE_IMAGE}",
        apt.format(" ".join(RUNTIME_PACKAGES)),
        f"RUN useradd --uid {SANDBOX_UID} --create-home --home-dir {SANDBOX_HOME} agent",
        apt.format(" ".join(sorted(spec.packages))),
        # Image layers keep whole-second mtimes, which invalidates the font cache written in the same step
        # (every app start would rescan the fonts into HOME): rebuild it once the font folders are final.
        "RUN fc-cache -f",
        "COPY openbox-rc.xml episode.sh /opt/gym-anything/",  # last: changing our scripts reuses the layers above
        f'LABEL {LABEL}.env="{spec.id}"',
        "",
    ])


def build_context(spec: SoftwareSpec) -> dict[str, bytes]:
    return {"Dockerfile": dockerfile(spec).encode(), "openbox-rc.xml": OPENBOX_RC.encode(),
            "episode.sh": _EPISODE_SCRIPT.encode()}


def image_tag(spec: SoftwareSpec) -> str:
    """``localhost/gym-anything-<env>:<digest>``: the digest covers every file of the build context."""
    digest = hashlib.sha256()
    for name, data in sorted(build_context(spec).items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return f"localhost/gym-anything-{spec.id}:{digest.hexdigest()[:16]}"


def ensure_image(client: Any, spec: SoftwareSpec) -> str:
    """The image for ``spec``, built unless an image with the same context digest exists."""
    import docker

    tag = image_tag(spec)
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.get(tag)
        return tag
    try:
        client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        raise DockerUnavailable(f"the base image {BASE_IMAGE} does not exist; {SETUP_HINT}") from None
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name, data in build_context(spec).items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    archive.seek(0)
    try:
        # The RUN steps download packages: they need the host's network (the episodes never get one).
        client.images.build(fileobj=archive, custom_context=True, tag=tag, network_mode="host", rm=True,
                            labels={LABEL: "image", f"{LABEL}.env": spec.id})
    except docker.errors.BuildError as exc:
        log = "".join(str(entry.get("stream", entry.get("error", ""))) for entry in exc.build_log)
        raise RuntimeError(f"building the image for {spec.id} failed: {exc}\n{log[-3000:]}") from None
    return tag


# --- processes, display numbers, owners -------------------------------------------------------------


def _accepts_connections(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _claim_display() -> int:
    """A display number free on this host, held by a lock file with our pid (host Xvfbs then skip it)."""
    X11_DIR.mkdir(mode=0o1777, exist_ok=True)
    for number in range(DISPLAY_BASE, DISPLAY_BASE + 1000):
        if os.path.lexists(X11_DIR / f"X{number}"):
            continue
        try:
            fd = os.open(f"/tmp/.X{number}-lock", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as lock:
            lock.write(f"{os.getpid():10d}\n")
        return number
    raise RuntimeFault("display_failed", f"no free display number in :{DISPLAY_BASE}..:{DISPLAY_BASE + 999}")


def _release_display(number: int, only_if_dead: bool = False) -> None:
    lock = Path(f"/tmp/.X{number}-lock")
    try:
        holder = int(lock.read_text().strip())
    except (OSError, ValueError):
        return
    if only_if_dead and process_start(holder) is not None:
        return
    if holder == os.getpid() or only_if_dead:
        with contextlib.suppress(OSError):
            (X11_DIR / f"X{number}").unlink()
        with contextlib.suppress(OSError):
            lock.unlink()


def _labels(spec: SoftwareSpec, number: int, workdir: Path) -> dict[str, str]:
    return {LABEL: "episode", f"{LABEL}.env": spec.id, f"{LABEL}.owner": owner(),
            f"{LABEL}.owner-pid": str(os.getpid()), f"{LABEL}.owner-start": process_start(os.getpid()) or "",
            f"{LABEL}.display": str(number), f"{LABEL}.workdir": str(workdir)}


def _sandbox_options(spec: SoftwareSpec) -> dict[str, Any]:
    """What every container of an env gets: the app's user, no network, a read-only root, the spec's limits."""
    limits = spec_limits(spec)
    return dict(network_mode="none", user=f"{SANDBOX_UID}:{SANDBOX_UID}", read_only=True,
                tmpfs={"/tmp": "rw,mode=1777"}, working_dir=SANDBOX_HOME, mem_limit=limits.memory,
                memswap_limit=limits.memory, nano_cpus=None if limits.cpus is None else int(limits.cpus * 1e9),
                pids_limit=limits.pids)


def cleanup_orphans(client: Any = None) -> list[str]:
    """Remove our containers whose owner process is dead (with their display claims and work folders).

    Returns the names of the removed containers.
    """
    client = client or connect()
    removed = []
    for container in client.containers.list(all=True, filters={"label": f"{LABEL}=episode"}):
        labels = container.labels
        pid = labels.get(f"{LABEL}.owner-pid", "")
        if pid.isdigit() and process_start(int(pid)) == labels.get(f"{LABEL}.owner-start"):
            continue  # the owner is alive: not an orphan
        with contextlib.suppress(Exception):  # already gone: someone else cleaned it up
            container.remove(force=True)
            removed.append(container.name)
        number = labels.get(f"{LABEL}.display", "")
        if number.isdigit():
            _release_display(int(number), only_if_dead=True)
        workdir = Path(labels.get(f"{LABEL}.workdir", "/nonexistent"))
        if workdir.parent.name.startswith(SCRATCH_PREFIX) and workdir.parent.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(workdir, ignore_errors=True)  # usually gone already: the owner's guardian removes it
    return removed


# --- one episode's container ----------------------------------------------------------------------


class _ContainerApp:
    """The app started in the container (by a shell that records its exit status), seen like a Popen."""

    def __init__(self, pid: int, log_dir: Path):
        self.pid, self._start, self._log_dir = pid, process_start(pid), log_dir
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and process_start(self.pid) != self._start:
            try:
                self.returncode = int((self._log_dir / "app.exit").read_text().strip())
            except (OSError, ValueError):
                self.returncode = -9  # the wrapper itself was killed
        return self.returncode


class ContainerDisplay:
    """One episode's container: Xvfb + openbox, reachable from the host as ``:N`` (the XServer interface),
    and the app ``argv``, started by :meth:`start_app` once the host has seen the window manager ready."""

    def __init__(self, client: Any, image: str, spec: SoftwareSpec, workdir: Path, home: Path, argv: list[str]):
        self.client, self.image, self.spec, self.workdir, self.home = client, image, spec, workdir, home
        self.argv = argv
        self.container: Any = None
        self.number = -1
        # (host pid, start time) of the container's first process, Xvfb and openbox
        self._init: tuple[int, str | None] = (-1, None)
        self._xvfb: tuple[int, str | None] | None = None
        self._wm: tuple[int, str | None] | None = None

    @property
    def name(self) -> str:
        return f":{self.number}"

    @property
    def x_dir(self) -> Path:
        return self.workdir / "x11"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "logs"

    def start(self, timeout: float = 20.0) -> None:
        self.number = _claim_display()
        for folder in (self.x_dir, self.log_dir):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            os.chmod(folder, 0o1777)
        width, height = self.spec.resolution
        self.container = self.client.containers.create(
            self.image, ["/opt/gym-anything/episode.sh", str(self.number), f"{width}x{height}", *self.argv],
            environment=owner_env(sandbox_env(self.number, self.spec.env)),
            volumes={str(self.home): {"bind": SANDBOX_HOME, "mode": "rw"},
                     str(self.x_dir): {"bind": str(X11_DIR), "mode": "rw"},
                     str(self.log_dir): {"bind": LOG_DIR, "mode": "rw"}},
            labels=_labels(self.spec, self.number, self.workdir), **_sandbox_options(self.spec))
        self.container.start()
        self.container.reload()
        pid = int(self.container.attrs["State"]["Pid"] or -1)
        self._init = (pid, process_start(pid))
        path = self.x_dir / f"X{self.number}"
        deadline = time.monotonic() + timeout
        while not _accepts_connections(path):  # the socket file appears before Xvfb listens on it
            if not self._running(self._init) or time.monotonic() > deadline:
                raise RuntimeFault("display_failed", f"the container's Xvfb did not start: {self.logs()}")
            time.sleep(0.005)
        self._xvfb = self._child("Xvfb")
        os.symlink(path, X11_DIR / f"X{self.number}")

    def logs(self) -> str:
        with contextlib.suppress(Exception):
            return self.container.logs(tail=20).decode(errors="replace")
        return "(no container logs)"

    def _child(self, comm: str) -> tuple[int, str | None] | None:
        """(pid, start) of the container's ``comm`` process, a child of the container's first process."""
        pid = self._init[0]
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                with contextlib.suppress(OSError):
                    if Path(f"/proc/{child}/comm").read_text().strip() == comm:
                        return int(child), process_start(int(child))
        return None

    @staticmethod
    def _running(process: tuple[int, str | None] | None) -> bool:
        return process is not None and process[1] is not None and process_start(process[0]) == process[1]

    def alive(self) -> bool:
        """Xvfb runs (checked on its host pid: cheap enough for every settle iteration)."""
        if self._xvfb is None:
            return self._running(self._init)
        return self._running(self._xvfb)

    def wm_alive(self) -> bool:
        if self._wm is None:
            self._wm = self._child("openbox")
            if self._wm is None:  # not started yet: the container's script runs it right after Xvfb
                return self._running(self._init)
        return self._running(self._wm)

    def start_app(self, timeout: float = 10.0) -> _ContainerApp:
        """Let the container's script start the app (no ``exec``: podman keeps a monitor per exec for minutes)."""
        (self.log_dir / "start").touch()
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, ValueError):  # not written yet
                inner = int((self.log_dir / "app.pid").read_text())  # the app's shell, in the container's pids
                pid = self._init[0]
                for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                    status = Path(f"/proc/{child}/status").read_text()
                    if status.split("NSpid:", 1)[1].split("\n", 1)[0].split()[-1] == str(inner):
                        return _ContainerApp(int(child), self.log_dir)
            if not self._running(self._init) or time.monotonic() > deadline:
                raise RuntimeFault("app_not_ready", f"the container did not start the app: {self.logs()}")
            time.sleep(0.002)

    def kill_now(self) -> None:
        """SIGKILL the container's X server at once (thread-safe): every connection to it closes."""
        if self._xvfb is not None and self._running(self._xvfb):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self._xvfb[0], 9)

    def stop(self) -> None:
        if self.container is not None:
            with contextlib.suppress(Exception):  # already removed (e.g. by cleanup_orphans)
                self.container.remove(force=True)
            self.container = None
        if self.number >= 0:
            _release_display(self.number)
        self._init, self._xvfb, self._wm = (-1, None), None, None


class _ContainerResources(_Resources):
    """The app lives in the display's container: stopping the app removes the container."""

    def stop_app(self) -> None:
        self.app = None
        self.disconnect()
        if self.server is not None:
            self.server.stop()
        self.server = None


class DockerRunner(LocalRunner):
    """The local runner's driving (XTEST, capture, settle, faults) on a fresh container per episode."""

    def __init__(self, spec: SoftwareSpec, hidden_paths: list[Path]):
        self._client = connect()
        # A dead owner's guardian killed its containers' processes; their stopped containers go here.
        cleanup_orphans(self._client)
        self.image = ensure_image(self._client, spec)
        workdir = Path(tempfile.mkdtemp(prefix=f"{spec.id}-", dir=guardian().scratch))
        self._init_state(spec, hidden_paths, _ContainerResources(workdir, spec_limits(spec), None))
        self._app_log = workdir / "logs" / "app.log"
        self._argv: list[str] = []
        # No display yet: each episode's container is created in launch(), with that episode's HOME mounted.

    @property
    def container(self) -> Any:
        """The current episode's container (harness and tests only), or None."""
        server = self._res.server
        return server.container if isinstance(server, ContainerDisplay) else None

    def _new_limiter(self, res: _Resources) -> Limiter:
        return Limiter(res.limits)  # the container's own limits apply (set in ContainerDisplay.start)

    def _new_display(self, res: _Resources) -> ContainerDisplay:
        assert self._home is not None
        return ContainerDisplay(self._client, self.image, self.spec, self._res.workdir, self._home, self._argv)

    def prepare(self, home: Path, args: list[str]) -> None:
        """No warm start: each episode gets a fresh container, made in launch() (warm_reset falls back to cold)."""
        return None

    def _hand_over(self, home: Path) -> None:
        """The app runs as uid 1000 in the container: hand it the HOME the setup wrote as root."""
        if os.geteuid() == 0:
            for path in [home, *home.rglob("*")]:
                os.lchown(path, SANDBOX_UID, SANDBOX_UID)

    def _start_app(self, home: Path, argv: list[str]) -> None:
        self._hand_over(home)
        self._argv = argv
        self._start_display()  # a new container for this episode; waits for its window manager
        server = self._res.server
        assert isinstance(server, ContainerDisplay)
        self._res.app = server.start_app()

    def app_host_uids(self) -> set[int]:
        """Host uids of the container's processes (its first process and everything below it)."""
        server = self._res.server
        if not isinstance(server, ContainerDisplay) or server._init[0] < 0:
            return set()
        pid = server._init[0]
        return _uids(_descendants(pid) | {pid})

    def build_home(self, home: Path, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        """Run a ``home_build`` command in a container of the env's image (the app's user, environment, limits,
        no network) with ``home`` mounted as HOME, to its end or ``timeout``."""
        self._hand_over(home)
        container = self._client.containers.create(
            self.image, list(argv), environment=owner_env(sandbox_env(0, self.spec.env)),
            volumes={str(home): {"bind": SANDBOX_HOME, "mode": "rw"}},
            labels=_labels(self.spec, -1, self._res.workdir), **_sandbox_options(self.spec))
        try:
            container.start()
            try:
                code = int(container.wait(timeout=timeout)["StatusCode"])
                note = ""
            except Exception:  # noqa: BLE001 - the engine's read timeout: the build ran too long
                code, note = -9, f"\n[killed after {timeout:g} s]"
            out = container.logs(stdout=True, stderr=False).decode(errors="replace")
            err = container.logs(stdout=False, stderr=True).decode(errors="replace") + note
            return subprocess.CompletedProcess(argv, code, out, err)
        finally:
            with contextlib.suppress(Exception):
                container.remove(force=True)

    def run_in_sandbox(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a command in the episode's container as the app's user, with the app's environment."""
        server = self._res.server
        assert isinstance(server, ContainerDisplay) and server.container is not None, "launch() the app first"
        result = server.container.exec_run(argv, user=f"{SANDBOX_UID}:{SANDBOX_UID}", workdir=SANDBOX_HOME,
                                           environment=sandbox_env(server.number, self.spec.env), demux=True)
        out, err = result.output
        return subprocess.CompletedProcess(argv, result.exit_code, (out or b"").decode(errors="replace"),
                                           (err or b"").decode(errors="replace"))
