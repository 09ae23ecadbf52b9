"""Creating a software: ``gym-anything create`` (docs/creation.md).

``scaffold`` writes a first ``envs/<software>/`` from a Debian package; ``explore`` runs actions on a fresh
instance and writes what it saw; ``create_run`` is the creation-audit loop (a creator with tools, the audit gate
and the auditor agent, feedback rounds, memory); ``amplify`` writes many more tasks from the accepted ones;
``report`` sums up run folders.

Layer: above ``runtime``, ``specs``, ``core``, ``audit`` and ``models`` (it launches apps, writes specs, audits
them and talks to models); nothing below imports it.
"""

from __future__ import annotations

from .amplify import amplify
from .creators import ChatCreator, CommandCreator, Creator
from .explore import ExploreError, ExploreResult, explore, find_text
from .loop import RunResult, create_run
from .tools import Settings

__all__ = ["ChatCreator", "CommandCreator", "Creator", "ExploreError", "ExploreResult", "RunResult", "Settings",
           "amplify", "create_run", "explore", "find_text"]
