"""Argon2id with the cost OWASP recommends, sized for a sales team's web server.

Django's own Argon2 settings (100 MiB of memory, two passes, eight lanes) cost about
170 ms of CPU per sign-in on the two-core machines salesmesh is measured on: fifty people
signing in within a few seconds (the start of a working day, the load benchmark's
ramp-up) held both cores for ten seconds and every other page waited. OWASP's Password
Storage Cheat Sheet gives equivalent Argon2id settings; the first, 46 MiB of memory, one
pass and one lane, costs about 43 ms — a quarter — and keeps the memory hardness that
slows down GPU cracking. Every salesmesh sign-in also stays a smaller target for anyone
who floods the login form (docs/adr/0012-hardening.md).

Hashes made with other settings (Django's, or earlier salesmesh releases') still verify —
the parameters are stored in each hash — and Django re-hashes them with these at the
user's next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    """Argon2id, m=46 MiB, t=1, p=1 (OWASP's first recommended setting)."""

    time_cost = 1
    memory_cost = 47_104  # KiB
    parallelism = 1
