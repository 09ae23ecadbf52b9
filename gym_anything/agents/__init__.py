"""Agents: the protocol the evaluation runner drives, built-in agents, VLM agents, test-time auditing, and
loading agents by name."""

from .audited import AuditedAgent
from .base import BUILTIN_AGENTS, Agent, OracleAgent, RandomAgent, load_agent, public_info
from .parsing import ActionParseError, parse_actions
from .vlm import VLMAgent

__all__ = ["ActionParseError", "Agent", "AuditedAgent", "BUILTIN_AGENTS", "OracleAgent", "RandomAgent", "VLMAgent",
           "load_agent", "parse_actions", "public_info"]
