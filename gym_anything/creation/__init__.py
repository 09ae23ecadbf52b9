"""Creating a software: ``gym-anything create`` (``scaffold``: a first ``envs/<software>/`` from a Debian package).

Layer: above ``runtime`` and ``specs`` (it launches apps and writes specs); nothing below imports it.
"""
