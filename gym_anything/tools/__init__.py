"""Provider computer-use tools on gym-anything envs: Anthropic (``computer_20250124``, ``computer_20251124``
with zoom, ``computer_toolset_20260801``), OpenAI (``computer_use_preview``, the GA batched ``computer``),
Gemini (a 0-1000 grid) and a normalised-coordinate form of our own actions.

``ToolSession(env, "openai")`` runs a provider's tool calls on an env (one model turn = one batched step);
``get_schema(name)`` gives a schema's tool definitions and its calls to and from typed actions. See docs/tools.md.
"""

from __future__ import annotations

from .base import Display, ToolCallError, ToolSchema, ToolStep
from .registry import SCHEMAS, get_schema
from .session import ToolResult, ToolSession

__all__ = ["SCHEMAS", "Display", "ToolCallError", "ToolResult", "ToolSchema", "ToolSession", "ToolStep",
           "get_schema"]
