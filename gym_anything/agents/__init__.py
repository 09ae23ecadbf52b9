"""Agents: the protocol the evaluation runner drives, built-in agents, VLM agents, test-time review, and
loading agents by name."""

from .base import BUILTIN_AGENTS, Agent, OracleAgent, RandomAgent, load_agent, public_info
from .parsing import ActionParseError, parse_actions
from .reviewer import AuditedAgent, ReviewedAgent
from .vlm import VLMAgent

__all__ = ["ActionParseError", "Agent", "AuditedAgent", "BUILTIN_AGENTS", "OracleAgent", "RandomAgent",
           "ReviewedAgent", "VLMAgent", "load_agent", "parse_actions", "public_info"]
