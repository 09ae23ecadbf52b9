"""Serving env instances to agents over the network, on one port: MCP tools (:mod:`.mcp_server`) and openenv's
protocol (:mod:`.openenv_server`), each instance held by one client at a time (:mod:`.instances`), put together
by :class:`~gym_anything.serve.app.EnvServer` (:mod:`.app`). See docs/serve.md."""
