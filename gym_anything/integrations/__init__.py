"""Exports to other harnesses: Harbor task folders (``harbor``, with ``harbor_container`` run inside their
containers). The Prime Intellect ``verifiers`` environment is the top-level module ``gym_anything_vf`` (it needs
``verifiers``). See docs/exports.md."""
