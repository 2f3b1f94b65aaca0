"""The audit: every printed number of a pack judged by its check (context, checks, judge,
records), gathered in one :class:`~harness.audit.session.AuditReport`."""

from harness.audit.session import audit_case, audit_pack

__all__ = ["audit_case", "audit_pack"]
