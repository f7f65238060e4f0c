"""Sign-in and session hardening: login lockout, idle timeout (issue #6)."""
