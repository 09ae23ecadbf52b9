"""Where applications run: the runner interface and the local (Xvfb + bubblewrap) runner."""

from .base import Runner, RuntimeFault, SandboxUnavailable, Settled

__all__ = ["Runner", "RuntimeFault", "SandboxUnavailable", "Settled"]
