"""For task authors: the contexts a task's setup, verifier and oracle functions receive, and readers/writers of
the files apps save (Gnumeric workbooks, SQLite, text). Actions for oracles: :mod:`gym_anything.actions`."""

from .contexts import CheckItem, Checklist, OracleContext, SetupContext, VerifyContext

__all__ = ["CheckItem", "Checklist", "OracleContext", "SetupContext", "VerifyContext"]
