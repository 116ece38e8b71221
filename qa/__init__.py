"""QA workspace: PII redaction, daily report, access control and audit."""
