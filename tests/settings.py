"""Settings for the test suite: the project's settings with a test secret and fast password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else-0123456789")

from pat_portal.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
SECURE_SSL_REDIRECT = False
AXES_ENABLED = os.environ.get("TEST_AXES_ENABLED", "1") == "1"
CACHES = {**CACHES, "pdfs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pdfs"}}  # noqa: F405
# Tasks (every e-mail) run at once in the test process: a test sees the mail as soon as the transaction commits.
TASKS = {"default": {**TASKS["default"], "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # noqa: F405
# The second factor is off in tests unless a test turns it on (tests/pat_portal/test_second_factor.py).
OTP_REQUIRED_FOR_OFFICERS = False
# The portrait's sources are never called from tests: they play recorded answers back (tests/communes/portrait).
PORTRAIT_NETWORK = False
