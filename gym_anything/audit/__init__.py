"""The audit gate (proves on the real app that a task's reward can be trusted), its leak probes, and the stored
audit records with the task digests they vouch for."""

from ..specs.audits import (
                    CHECKS_VERSION,
                    Check,
                    TaskAudit,
                    UnauditedTaskWarning,
                    VersionNotBumpedError,
                    audit_path,
                    is_audited,
                    recorded_versions,
                    store,
                    stored_audit,
                    task_canonical,
                    task_digest,
                    task_files,
                    warn_if_unaudited,
)
from .gate import audit_task, lint, random_plan, run_plan, work_steps
from .probes import home_text, leaked_values, probe_rights, probe_sandbox, secret_strings

__all__ = ["CHECKS_VERSION", "Check", "TaskAudit", "UnauditedTaskWarning", "VersionNotBumpedError", "audit_path",
           "audit_task", "home_text", "is_audited", "leaked_values", "lint", "probe_rights", "probe_sandbox",
           "random_plan", "recorded_versions", "run_plan", "secret_strings", "store", "stored_audit",
           "task_canonical", "task_digest", "task_files", "warn_if_unaudited", "work_steps"]
