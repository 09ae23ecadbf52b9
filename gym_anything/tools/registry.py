"""Every provider schema by name: one table each, in its own module."""

from __future__ import annotations

from . import anthropic, gemini, normalized, openai
from .base import ToolSchema

SCHEMAS: dict[str, ToolSchema] = {s.name: s for module in (anthropic, openai, gemini, normalized)
                                  for s in module.SCHEMAS}


def get_schema(name: str) -> ToolSchema:
    if name not in SCHEMAS:
        raise ValueError(f"unknown tool schema {name!r}; one of: {', '.join(SCHEMAS)}")
    return SCHEMAS[name]
