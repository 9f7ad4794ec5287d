"""Password hashing: Argon2id with OWASP's recommended parameters.

Django's own Argon2 defaults (100 MiB, 8 lanes) cost each sign-in ~100 MB of memory and
~0.3 s of CPU per check on our 2-core web machines; a few concurrent sign-ins push a web
worker past its memory budget. OWASP's password storage guidance (19 MiB, 2 passes, 1 lane)
is the setting we run. Hashes made with other parameters still verify and are rehashed with
these at the next successful sign-in (Django's `must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class ModoArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
