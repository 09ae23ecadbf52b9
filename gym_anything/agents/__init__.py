"""Agents: the protocol the evaluation runner drives, built-in agents, and loading agents by name."""

from .base import BUILTIN_AGENTS, Agent, OracleAgent, RandomAgent, load_agent, public_info

__all__ = ["Agent", "BUILTIN_AGENTS", "OracleAgent", "RandomAgent", "load_agent", "public_info"]
