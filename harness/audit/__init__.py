"""The audit: every printed number of a pack judged by its check (context, checks, judge,
records), gathered in one :class:`~harness.audit.session.AuditReport`."""

from harness.audit.session import AuditReport, PackAudit, audit_case, audit_pack, run_audit

__all__ = ["AuditReport", "PackAudit", "audit_case", "audit_pack", "run_audit"]
