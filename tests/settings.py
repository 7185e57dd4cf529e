"""Settings for the test suite: the application's own settings with a test secret and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-Qv7sK2pX9mL4nB8rT1wY6cZ3hJ5dF0gA-not-for-production")
# The test client and the browser tests' live server speak plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# The social channels' automatic acknowledgement is one more platform send per new inquiry; the tests of other
# behaviour count sends exactly, so it is off here (and in the processes the fault tests start, which inherit it)
# and switched on by the tests of it (tests/tickets/test_acknowledgement.py).
os.environ.setdefault("SOCIAL_ACKNOWLEDGEMENT", "0")

from helpdesk.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
if REDIS_URL:  # noqa: F405
    # The cache (rate limits) gets its own Redis database, so clearing it between tests leaves the broker alone.
    CACHES = {
        "default": {
            "BACKEND": "common.cache.ResilientRedisCache",
            # TEST_CACHE_REDIS_DB lets parallel runs on one machine keep apart (default 15).
            "LOCATION": REDIS_URL.rsplit("/", 1)[0] + "/" + os.environ.get("TEST_CACHE_REDIS_DB", "15"),  # noqa: F405
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Files sent in tests go to a throw-away folder, never into var/ of the checkout.
import tempfile  # noqa: E402

PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="helpdesk-test-private-"))  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared-cache in-memory database: the browser tests' live server, its worker and the
    # test write at once, and a shared cache answers "database table is locked" at once (the app's 503) where a
    # file waits for its turn (WAL and the busy timeout of the settings).
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="helpdesk-test-db-")) / "test.sqlite3")  # noqa: F405
    }
