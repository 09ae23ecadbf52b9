"""Benchmarks: suites of audited tasks, the evaluation runner and its run folders, trajectory recording, the
leaderboard and the distillation export."""
