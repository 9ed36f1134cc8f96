"""Test settings: real PostgreSQL and Redis (DATABASE_URL, REDIS_URL), fast hashing."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 6}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
AXES_FAILURE_LIMIT = 5
# The sandbox and the mock bank listen on 127.0.0.1; every other inward address stays refused.
FCT_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
# Two suites on one server (two checkouts, a developer and CI) must not share a test database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_fct")}
