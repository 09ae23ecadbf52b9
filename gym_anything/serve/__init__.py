"""Serving env instances to agents over the network: an MCP endpoint (:mod:`.mcp_server`)."""
