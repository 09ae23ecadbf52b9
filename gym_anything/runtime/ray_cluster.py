"""The one place gym-anything talks to Ray: importing it, joining a cluster, and the options of its actors.

Both users of Ray (the vector env's sub-env actors, :mod:`gym_anything.vector.ray`, and the evaluation's
episode actors, :mod:`gym_anything.benchmark.ray`) get Ray, connect and build actor options here, so
resources, spreading over nodes and the leak-check marker mean the same in both.
"""

from __future__ import annotations

import socket
from typing import Any

from .guardian import OWNER_VARIABLE, owner

STANDARD_RESOURCES = ("CPU", "GPU", "memory")


def ray_module() -> Any:
    """The ``ray`` module, or an ImportError saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError("running on Ray needs Ray: pip install 'gym-anything[ray]'") from exc
    return ray


def connect(address: str | None, quiet: bool = False) -> bool:
    """Join Ray at ``address`` unless this process already has; True if this call started the connection (the
    caller then shuts it down). ``address``: ``"auto"`` (a cluster started with ``ray start`` on this node),
    ``"host:port"``, ``"ray://host:10001"``, ``"local"`` (a new single-node Ray in this process's machine) or
    None (the one this process initialised, else a new local one). ``quiet``: the actors' output is not
    printed here."""
    ray = ray_module()
    if ray.is_initialized():
        return False
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise ValueError(f"the Ray address must be 'auto', 'local', 'host:port' or 'ray://host:port', got {address!r}")
    check_address(address)  # Ray itself retries an address nobody answers at for minutes
    ray.init(address=None if address in (None, "local") else address, include_dashboard=False,
             log_to_driver=not quiet)
    return True


REACH_TIMEOUT = 5.0  # s to wait for a Ray cluster's port to answer


def check_address(address: str | None) -> None:
    """A ConnectionError, at once, if nothing listens at ``address`` (``host:port`` or ``ray://host:port``;
    ``auto``, ``local`` and None pass: Ray answers those itself, at once)."""
    if address in (None, "local", "auto"):
        return
    if not isinstance(address, str):
        raise ValueError(f"the Ray address must be 'auto', 'local', 'host:port' or 'ray://host:port', got {address!r}")
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"the Ray address must be 'auto', 'local', 'host:port' or 'ray://host:port', got {address!r}")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=REACH_TIMEOUT).close()
    except OSError as exc:
        raise ConnectionError(f"no Ray cluster answers at {address} ({exc}); start one with 'ray start --head' or "
                              "give --ray auto on a cluster node") from None


def parse_resources(text: str) -> dict[str, float]:
    """``"CPU=1,memory=2e9,app_node=1"`` -> ``{"CPU": 1.0, ...}`` (the command line's form of resources)."""
    resources: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            resources[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"resources must be NAME=NUMBER[,NAME=NUMBER...], got {part!r} in {text!r}") from None
    return resources


def actor_options(resources: dict[str, float] | None, scheduling_strategy: Any = "SPREAD",
                  what: str = "resources") -> dict[str, Any]:
    """Ray actor options from Ray-style resource names (``CPU``, default 1; ``GPU``; ``memory`` in bytes; any
    custom resource a node advertises). Each actor carries this process's leak-check marker, set explicitly
    because a remote node's workers do not inherit it. ``what`` names the argument in errors."""
    wanted = {"CPU": 1.0, **(resources or {})}
    for name, amount in wanted.items():
        if not isinstance(name, str) or isinstance(amount, bool) or not isinstance(amount, (int, float)) \
                or amount < 0:
            raise ValueError(f"{what}[{name!r}] must be a non-negative number, got {amount!r}")
    custom = {k: float(v) for k, v in wanted.items() if k not in STANDARD_RESOURCES}
    options: dict[str, Any] = {"num_cpus": wanted["CPU"], "num_gpus": wanted.get("GPU", 0),
                               "resources": custom, "max_restarts": 0, "scheduling_strategy": scheduling_strategy,
                               "runtime_env": {"env_vars": {OWNER_VARIABLE: owner()}}}
    if "memory" in wanted:
        options["memory"] = wanted["memory"]
    return options


def fault_kind(exc: Exception) -> str:
    """What a Ray error says about the actor: ``actor_timeout``, ``env_error`` (the call raised), ``actor_died``."""
    ray = ray_module()
    if isinstance(exc, ray.exceptions.GetTimeoutError):
        return "actor_timeout"
    if isinstance(exc, ray.exceptions.RayTaskError):
        return "env_error"
    return "actor_died"


def unplaced_message(what: str, options: dict[str, Any], timeout: float) -> str:
    """Why an actor is not up after ``timeout`` s: most often, no node has the resources it asks for."""
    ray = ray_module()
    return (f"{what} was not placed within {timeout:.0f}s: the cluster may lack {options['num_cpus']} CPU and "
            f"{options['resources']} per actor (available: {ray.available_resources()})")
