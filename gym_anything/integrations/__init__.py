"""Exports to other harnesses: Harbor task folders (``harbor``, with ``harbor_container`` run inside their
containers) and a Prime Intellect ``verifiers`` environment (``verifiers_env``). See docs/exports.md."""
