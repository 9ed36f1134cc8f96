"""Settings shared by every environment. Everything secret or site-specific comes from the
environment (django-environ); see README.md for the variables."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
# Bank files: the largest file accepted, and a folder watched for files to import ("" = off).
BANK_FILE_MAX_BYTES = env.int("BANK_FILE_MAX_BYTES", default=200 * 1024 * 1024)
BANK_FILE_INBOX_DIR = env("BANK_FILE_INBOX_DIR", default="")
# how long a match run's lease lasts before the sweeper hands it to another worker (renewed with each progress report)
FCT_MATCH_LEASE_SECONDS = env.int("FCT_MATCH_LEASE_SECONDS", default=300)
# Fernet keys (comma-separated, newest first) that encrypt connector credentials at rest.
FCT_CREDENTIAL_KEYS = env.list("FCT_CREDENTIAL_KEYS", default=[])
DEBUG = env.bool("DEBUG", default=False)
# Hosts and networks (CIDR) connectors and webhook subscriptions may reach although they are not
# public addresses (loopback, private, link-local); see integrations/egress.py. DEBUG does not widen it.
FCT_OUTBOUND_ALLOWED_HOSTS = env.list("FCT_OUTBOUND_ALLOWED_HOSTS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "finops.core.admin_site.FinopsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "guardian",
    "axes",
    "django_structlog",
    "csp",
    "finops.core",
    "finops.accounts",
    "finops.audit",
    "finops.masterdata",
    "finops.invoicing",
    "finops.payables",
    "finops.receivables",
    "finops.treasury",
    "finops.ledger",
    "finops.dashboards",
    "finops.search",
    "integrations",
    "integrations.bankfiles",
    # the outbox's tables keep their place (their content types and permissions are created in this order)
    "finops.outbox",
    "integrations.outbox",
    "reconciliation.exceptions",
    "reconciliation.matching",
    "finops.demo",
]

MIDDLEWARE = [
    "finops.core.middleware.ContentLengthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "finops.core.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "finops.audit.middleware.CorrelationIdMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "finops.urls"
WSGI_APPLICATION = "finops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "finops.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/fct"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Mail (invitations with their set-password link): EMAIL_URL, e.g. smtp+tls://user:password@mail.example.com:587;
# by default messages are printed on the console (the demo's web log).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Finance Control Tower <no-reply@localhost>")
# How long an invitation's set-password link works (Django's password-reset token).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five failures lock the username+IP pair for fifteen minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: our own scripts and styles only, so no
# inline script, on*= handler, style attribute or eval runs (htmx and the admin's are files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {"user": "2000/hour"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Finance Control Tower API",
    "DESCRIPTION": "Everything a screen can do, entity-scoped like the screens.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # choice sets that share a field name ("state", "kind") with others get names of their own
    "ENUM_NAME_OVERRIDES": {
        "ConnectorKindEnum": "integrations.models.ConnectorKind",
        "SyncStateEnum": "integrations.states.SyncState",
        "SyncFailureKindEnum": "integrations.states.FailureKind",
        "SyncFailureStateEnum": "integrations.states.FailureState",
        "OutboxStateEnum": "finops.outbox.models.OutboxState",
        "InboundFileStatusEnum": "integrations.bankfiles.models.InboundFileStatus",
        "MatchKindEnum": "reconciliation.matching.states.MatchKind",
        "MatchRunStateEnum": "reconciliation.matching.states.MatchRunState",
        "MatchTriggerEnum": "reconciliation.matching.states.MatchTrigger",
        "MatchStatusEnum": "finops.invoicing.states.MatchStatus",
        "HoldReasonEnum": "finops.invoicing.states.HoldReason",
        "VarianceStateEnum": "finops.invoicing.states.VarianceState",
    },
}

# Celery: settings that matter for money (see docs/architecture.md).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_FILESYSTEM_FOLDER = Path(env("CELERY_BROKER_FOLDER", default=str(BASE_DIR / ".data" / "broker")))
CELERY_VISIBILITY_TIMEOUT = 60 * 60 * 6  # longer than any task or countdown we use
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(CELERY_BROKER_FILESYSTEM_FOLDER / "queue"),
            "data_folder_out": str(CELERY_BROKER_FILESYSTEM_FOLDER / "queue"),
            "processed_folder": str(CELERY_BROKER_FILESYSTEM_FOLDER / "processed"),
            "control_folder": str(CELERY_BROKER_FILESYSTEM_FOLDER / "control"),  # else ./control
            "store_processed": False,
        }
    )
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".data" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "finops.core.tasks.heartbeat_task", "schedule": 30.0, "args": ("beat",)},
    # connectors whose next_run_at has passed get a queued SyncRun (select_for_update skip_locked)
    "connector-dispatch-due": {"task": "integrations.tasks.connector_dispatch_due_task", "schedule": 60.0},
    # runs whose worker died (lease expired) go back to the queue
    "sync-lease-sweep": {"task": "integrations.tasks.sync_lease_sweep_task", "schedule": 60.0},
    # match runs whose worker died (lease expired) go back to the queue
    "match-lease-sweep": {"task": "reconciliation.matching.tasks.match_lease_sweep_task", "schedule": 60.0},
    # the transactional outbox: due messages are delivered (an on-commit nudge makes it prompt)
    # files dropped in BANK_FILE_INBOX_DIR are imported (disabled while it is empty)
    "bank-file-inbox-poll": {"task": "integrations.bankfiles.tasks.bank_file_inbox_poll_task", "schedule": 60.0},
    # batches sent over a bank's API: their status (a pain.002) is read back and applied
    "bank-payment-status-poll": {"task": "integrations.tasks.bank_payment_status_poll_task", "schedule": 300.0},
    "outbox-relay": {
        "task": "integrations.outbox.tasks.outbox_relay_task",
        "schedule": 10.0,
        "options": {"expires": 10},
    },
}

import structlog

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": structlog.stdlib.ProcessorFormatter, "processor": structlog.dev.ConsoleRenderer(colors=False)},
        "json": {"()": structlog.stdlib.ProcessorFormatter, "processor": structlog.processors.JSONRenderer()},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", default="plain")},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_structlog": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "asyncssh": {"level": "WARNING"},  # every SFTP connection step is INFO there
    },
}

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
