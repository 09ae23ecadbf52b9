"""The leaderboard: a static site built from eval run folders (ranking per suite version, run drill-down,
trajectory viewer)."""

from .site import LeaderboardError, build_site

__all__ = ["LeaderboardError", "build_site"]
