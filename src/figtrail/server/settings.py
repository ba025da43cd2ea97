"""Django settings, all derived from :func:`figtrail.config.server_config` (the ``FIGTRAIL_*`` table)."""

from __future__ import annotations

from datetime import timedelta

import dj_database_url
import PIL.Image

from figtrail.config import server_config

CONFIG = server_config()
CONFIG.home.mkdir(parents=True, exist_ok=True)
CONFIG.blob_dir.mkdir(parents=True, exist_ok=True)

SECRET_KEY = CONFIG.secret_key()
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "figtrail.server.accounts",
    "figtrail.server.catalog",
    "figtrail.server.access",
    "figtrail.server.activity",
    "figtrail.server.social",
    "django_tasks",
    "django_tasks_db",
    "figtrail.server.tasks",
    "figtrail.server.insight",
    "figtrail.server.stories",
    "figtrail.server.imports",
    "django.contrib.sessions",
    "django.contrib.messages",
    "figtrail.server.web",
]

MIDDLEWARE = [
    "figtrail.server.api.limits.BodySizeLimitMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "figtrail.server.headers.StrictTransportSecurityMiddleware",  # when FIGTRAIL_PUBLIC_URL is https
    "django.middleware.clickjacking.XFrameOptionsMiddleware",  # X_FRAME_OPTIONS below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "figtrail.server.web.middleware.WebMiddleware",  # sessions, auth, CSRF, CSP: outside /api/ only
]

ROOT_URLCONF = "figtrail.server.urls"
WSGI_APPLICATION = "figtrail.server.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
APPEND_SLASH = False  # the official client's POSTs must never be redirected

if CONFIG.database_url:
    DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(CONFIG.sqlite_path),
            "CONN_MAX_AGE": 60,  # keep each worker thread's connection: opening one costs ~1 ms a request
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STORAGES = {
    "default": {
        "BACKEND": "figtrail.server.blobs.AtomicFileSystemStorage",
        "OPTIONS": {"location": str(CONFIG.blob_dir)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if CONFIG.s3:  # FIGTRAIL_S3_BUCKET: blobs go to an S3-compatible bucket instead of the folder
    from figtrail.server.storage_s3 import storage_options

    STORAGES["default"] = {
        "BACKEND": "figtrail.server.storage_s3.BlobS3Storage",
        "OPTIONS": storage_options(CONFIG.s3),
    }
STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step
# The plotting libraries' scripts for interactive figures come from installed packages and are served at
# /web/scripts/ (web/figure_scripts.py); the Vega bundle vl-convert makes on first use is kept here.
FIGTRAIL_SCRIPT_DIR = str(CONFIG.home / "cache" / "scripts")

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

USE_TZ = True
TIME_ZONE = "UTC"

# The web UI (figtrail.server.web). Its middleware adds sessions, sign-in and CSRF outside /api/ only:
# the REST API stays stateless and keeps its own authentication classes.
LOGIN_URL = "web:signin"
LOGIN_REDIRECT_URL = "web:home"
SESSION_COOKIE_NAME = "figtrail_session"
CSRF_COOKIE_NAME = "figtrail_csrftoken"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = bool(
    CONFIG.public_url and CONFIG.public_url.startswith("https://")
)
CSRF_TRUSTED_ORIGINS = ["/".join(CONFIG.public_url.split("/")[:3])] if CONFIG.public_url else []
CSRF_FAILURE_VIEW = "figtrail.server.web.errors.csrf_failure"
# Pages are framed only by the app's own pages (CSP frame-ancestors 'self' says the same to browsers that
# read it); payloads are shown in the app's sandboxed iframes, so SAMEORIGIN and not DENY.
X_FRAME_OPTIONS = "SAMEORIGIN"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Mail (comment mentions): the console unless FIGTRAIL_EMAIL_BACKEND says file, smtp or none.
EMAIL_BACKEND = CONFIG.email.backend
EMAIL_FILE_PATH = str(CONFIG.email.file_path)
DEFAULT_FROM_EMAIL = CONFIG.email.from_address
EMAIL_HOST = CONFIG.email.smtp_host
EMAIL_PORT = CONFIG.email.smtp_port
EMAIL_HOST_USER = CONFIG.email.smtp_user
EMAIL_HOST_PASSWORD = CONFIG.email.smtp_password
EMAIL_USE_TLS = CONFIG.email.smtp_use_tls
EMAIL_USE_SSL = CONFIG.email.smtp_use_ssl
EMAIL_TIMEOUT = 10  # a slow mail server must not hold a request for long

# Request bodies: BodySizeLimitMiddleware answers 413 above this size (Django alone would answer 400).
FIGTRAIL_MAX_BODY_BYTES = CONFIG.max_body_bytes
DATA_UPLOAD_MAX_MEMORY_SIZE = CONFIG.max_body_bytes or None

# Failed sign-ins (/api/token/ and the web form) per client address and username: api/throttles.py. The
# counts are kept in files under FIGTRAIL_HOME so that all gunicorn workers share them (no table needed).
FIGTRAIL_LOGIN_RATE = CONFIG.login_rate
FIGTRAIL_TASK_ABANDONED_SECONDS = CONFIG.task_abandoned_seconds
# Decompression bombs (server/images.py, imports/archives.py): pictures over this many pixels are never
# decoded (Pillow's own bomb check is set to the same budget), Office files over these limits not opened.
FIGTRAIL_MAX_IMAGE_PIXELS = CONFIG.max_image_pixels
FIGTRAIL_MAX_ARCHIVE_MEMBERS = CONFIG.max_archive_members
FIGTRAIL_MAX_ARCHIVE_MEMBER_BYTES = CONFIG.max_archive_member_bytes
FIGTRAIL_MAX_ARCHIVE_TOTAL_BYTES = CONFIG.max_archive_total_bytes
PIL.Image.MAX_IMAGE_PIXELS = CONFIG.max_image_pixels  # Pillow warns above it, refuses at twice it
FIGTRAIL_TASK_MODE = CONFIG.task_mode  # inline: app servers run tasks; worker: `figtrail worker` does
# Background work is on Django's Tasks framework (the django-tasks backport) with its database backend,
# in both modes: the queue is a table every app server and `figtrail worker` share (server/tasks/runner.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(CONFIG.home / "cache" / "throttle"),
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "figtrail.server.accounts.authentication.BearerJWTAuthentication",
        "figtrail.server.accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["figtrail.server.access.declarations.DeclaredAccess"],
    "DEFAULT_PARSER_CLASSES": [
        "figtrail.server.api.parsers.JSONParser",  # DRF's, with a nesting-depth limit (400, not 500)
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.4.1"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "figtrail.server.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=CONFIG.access_token_seconds),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=CONFIG.refresh_token_seconds),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "figtrail API",
    "DESCRIPTION": "The GoFigr-compatible REST API of figtrail.",
    "VERSION": "1.4.1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The notebook-name proxy is posted to from the Jupyter origin by the browser, without credentials.
CORS_URLS_REGEX = r"^/api/[^/]+/metadata/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # The framework logs every failed task with its traceback, including the expected ones (TaskFailed:
    # "the repository is private"); figtrail's runner logs the unexpected ones itself, with their kind.
    "loggers": {"django_tasks": {"level": "CRITICAL"}},
}
