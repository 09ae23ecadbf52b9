"""Leak probes of the audit: privileged values in a text (OCR, HOME files), paths and rights inside the sandbox."""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..runtime.sandbox import SANDBOX_HOME
from ..verification.ocr import squash

MIN_SECRET_CHARS = 4  # shorter privileged values ("B7", "42") are too common to count as a leak


def secret_strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) pairs for every privileged leaf value, with common renderings of numbers."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from secret_strings(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, (list, tuple, set)):
        for i, v in enumerate(value):
            yield from secret_strings(v, f"{key}[{i}]")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        texts = {repr(value), f"{number:.2f}", f"{number:,.2f}"}
        if number.is_integer():
            texts.add(str(int(number)))
        for text in texts:
            yield key, text
    else:
        yield key, str(value)


def _checkable(text: str) -> bool:
    return sum(ch not in string.punctuation and not ch.isspace() for ch in text) >= MIN_SECRET_CHARS


def leaked_values(private: dict[str, Any], visible: tuple[str, ...], haystack: str, instruction: str) -> list[str]:
    """Privileged values (not declared visible, not in the instruction) that occur in ``haystack``."""
    found, hay, told = [], squash(haystack), squash(instruction)
    for key, text in secret_strings({k: v for k, v in private.items() if k not in visible}):
        needle = squash(text)
        if _checkable(needle) and needle not in told and needle in hay:
            found.append(f"{key}={text!r}")
    return sorted(set(found))


def probe_sandbox(env, secrets: list[Path]) -> list[str]:
    """Paths that a process inside the episode's sandbox can see (each must be hidden)."""
    script = "; ".join(f"if test -e '{p}' || test -r '{p}'; then echo 'VISIBLE {p}'; fi" for p in secrets)
    out = env.unwrapped.runner.run_in_sandbox(["sh", "-c", script + "; echo probe-ran"])
    if "probe-ran" not in out.stdout:
        return [f"the probe did not run: {out.stderr.strip()[:300]}"]
    return [line.removeprefix("VISIBLE ") for line in out.stdout.splitlines() if line.startswith("VISIBLE ")]


def probe_rights(env) -> list[str]:
    """How the app could read host secrets through its own rights (empty: it cannot).

    Inside the episode's sandbox, as the app: a root-only file the audit puts in HOME (mode 0600, when the
    driver is root) and ``/etc/shadow`` (where the host has one) must not be readable and the app must hold no
    capability; seen from the host, no process of the app may run as root.
    """
    home = env.unwrapped.episode_home
    secret = home / f".audit-root-only-{secrets.token_hex(6)}"
    targets = ["/etc/shadow"] if Path("/etc/shadow").exists() else []
    if os.geteuid() == 0:
        secret.write_text("root-only\n")
        os.chmod(secret, 0o600)  # owned by the driver: root
        targets.append(f"{SANDBOX_HOME}/{secret.name}")
    script = "; ".join(f"if cat '{t}' 2>/dev/null | grep -q .; then echo 'READABLE {t}'; fi" for t in targets)
    script += "; grep CapEff /proc/self/status; echo probe-ran"
    try:
        out = env.unwrapped.runner.run_in_sandbox(["sh", "-c", script])
    finally:
        secret.unlink(missing_ok=True)
    if "probe-ran" not in out.stdout:
        return [f"the probe did not run: {out.stderr.strip()[:300]}"]
    problems = [f"{line.removeprefix('READABLE ')} is readable" for line in out.stdout.splitlines()
                if line.startswith("READABLE ")]
    host_uids = env.unwrapped.runner.app_host_uids()
    if not host_uids or 0 in host_uids:
        problems.append(f"the app's processes run as host uids {sorted(host_uids)} (root is 0)")
    caps = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("CapEff:")]
    if caps != ["0000000000000000"]:
        problems.append(f"the app holds capabilities (CapEff {caps})")
    return problems


def home_text(home: Path, limit: int = 20_000_000) -> str:
    """Everything under the episode HOME as text (for a privileged-value scan)."""
    chunks, total = [], 0
    for path in sorted(home.rglob("*")):
        if path.is_file() and total < limit:
            data = path.read_bytes()[: limit - total]
            total += len(data)
            chunks.append(data.decode("utf-8", "replace"))
    return "\n".join(chunks)
