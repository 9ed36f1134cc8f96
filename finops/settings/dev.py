"""Local development and `make demo`: debug on, a throwaway key when none is set."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production"
# `make demo` points every connector at the bundled sandbox on this machine.
FCT_OUTBOUND_ALLOWED_HOSTS = env.list("FCT_OUTBOUND_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
