"""Django settings for Himig.

Everything comes from the environment (see ``docs/deploy.md`` for the table).
With nothing set, Himig runs embedded: SQLite in WAL mode, files and mail under
``./var/``, a database-backed task queue and cache.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from himig.conf import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("HIMIG_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("HIMIG_DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY") or envstr("HIMIG_SECRET_KEY")
if not SECRET_KEY:
    # Embedded default: a key generated once and kept beside the data, so sessions
    # survive restarts without anyone having to invent a secret.
    _key_file = DATA_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = envlist("HIMIG_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("HIMIG_CSRF_TRUSTED_ORIGINS")
SITE_URL = envstr("HIMIG_SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "django_tasks",
    "django_tasks_db",
    "himig.accounts",
    "himig.studio",
    "himig.api",
    "himig.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "himig.urls"
WSGI_APPLICATION = "himig.wsgi.application"
ASGI_APPLICATION = "himig.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "himig" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("HIMIG_DB_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "himig.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE
                # transactions take the write lock up front instead of failing late.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=10000;"
                    "PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (rate limits, sessions at scale) ------------------------------------
REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Never the per-process local-memory cache: rate-limit counters must hold
    # across the web server, the worker and restarts.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "himig_cache",
        }
    }

# --- task queue (django.tasks API through the django_tasks backport) ------------
HIMIG_TASKS_BACKEND = envstr("HIMIG_TASKS_BACKEND", "db")
HIMIG_GENERATION_QUEUE = envstr("HIMIG_GENERATION_QUEUE", "cpu")
TASK_QUEUES = ["default", "cpu", "gpu"]
if HIMIG_TASKS_BACKEND == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
elif HIMIG_TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
else:
    from himig.conf import ConfigError

    raise ConfigError(f"HIMIG_TASKS_BACKEND must be 'db' or 'rq', not {HIMIG_TASKS_BACKEND!r}")

# --- files ----------------------------------------------------------------------
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "himig" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/generate/"
LOGOUT_REDIRECT_URL = "/"

EMAIL_BACKEND = envstr("HIMIG_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = envstr("HIMIG_FROM_EMAIL", "Himig <noreply@localhost>")

# --- i18n -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- limits ---------------------------------------------------------------------
HIMIG_GUEST_TRACKS_PER_DAY = envint("HIMIG_GUEST_TRACKS_PER_DAY", 3, minimum=0)
HIMIG_GUEST_MAX_DURATION = envint("HIMIG_GUEST_MAX_DURATION", 30, minimum=15)
HIMIG_GENERATION_MAX_ATTEMPTS = envint("HIMIG_GENERATION_MAX_ATTEMPTS", 3, minimum=1)
# Generations per user per 15 minutes (PRODUCT.md §5).
HIMIG_RATE_GENERATE = envint("HIMIG_RATE_GENERATE", 10, minimum=1)
# A running track whose worker has not beaten for this long is presumed abandoned.
HIMIG_STALE_AFTER_S = envint("HIMIG_STALE_AFTER_S", 120, minimum=5)
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("HIMIG_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
