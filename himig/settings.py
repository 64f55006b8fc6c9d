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
    # For its templates and static files: the API docs page then loads Swagger UI from
    # our own /static/, never a CDN (works offline and under our CSP).
    "ninja",
    "himig.accounts",
    "himig.studio",
    "himig.api",
    "himig.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "himig.middleware.SecurityHeadersMiddleware",
    # Static files before anything touches the session or database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML/JSON only (never audio or ranges); see himig/compression.py.
    "himig.compression.TextGZipMiddleware",
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
                "himig.accounts.context_processors.site",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL")
DATABASE_REPLICA_URL = envstr("DATABASE_REPLICA_URL")
# psycopg 3's connection pool (Django ≥ 5.1) instead of one persistent connection
# per process/thread: worth it under ASGI or threaded servers. With PgBouncer in
# front, leave it off and let PgBouncer pool.
HIMIG_DB_POOL = envbool("HIMIG_DB_POOL", False)


def _database(url: str) -> dict:
    config = dj_database_url.parse(
        url,
        # A pool hands out connections itself; Django must not also keep them open.
        conn_max_age=0 if HIMIG_DB_POOL else envint("HIMIG_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
    if HIMIG_DB_POOL and config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": envint("HIMIG_DB_POOL_MIN", 1, minimum=0),
            "max_size": envint("HIMIG_DB_POOL_MAX", 10, minimum=1),
            "timeout": 10,
        }
    return config


if DATABASE_URL:
    DATABASES = {"default": _database(DATABASE_URL)}
    if DATABASE_REPLICA_URL:
        # Read-only pages opt in through himig.dbrouter.use_replica(); everything
        # else, including tests, keeps using the primary.
        DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
        DATABASE_ROUTERS = ["himig.dbrouter.ReplicaRouter"]
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
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A prefix keeps two Himig sites (or a test run) apart on one Redis.
            "KEY_PREFIX": envstr("HIMIG_CACHE_PREFIX", "himig"),
        }
    }
    # Sessions in Redis, written through to the database so a Redis flush does not
    # sign everyone out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
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
# Longest a single generation job may run before its worker kills it.
HIMIG_JOB_TIMEOUT_S = envint("HIMIG_JOB_TIMEOUT_S", 600, minimum=1)
if HIMIG_TASKS_BACKEND == "rq":
    if not REDIS_URL:
        from himig.conf import ConfigError

        raise ConfigError("HIMIG_TASKS_BACKEND=rq needs REDIS_URL")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    INSTALLED_APPS.append("django_rq")
    # RQ kills a job's work-horse process after DEFAULT_TIMEOUT seconds: the worker
    # time limit. HIMIG_RQ_URL may put the queue on another Redis than the cache.
    RQ_QUEUES = {
        name: {"URL": envstr("HIMIG_RQ_URL", REDIS_URL), "DEFAULT_TIMEOUT": HIMIG_JOB_TIMEOUT_S}
        for name in TASK_QUEUES
    }
    # `manage.py rqworker cpu` then runs our worker (heartbeats, recovery, warm engine)
    # on jobs that django-tasks-rq enqueued.
    RQ = {"WORKER_CLASS": "himig.rqworker.GenerationWorker", "JOB_CLASS": "django_tasks_rq.backend.Job"}
elif HIMIG_TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
else:
    from himig.conf import ConfigError

    raise ConfigError(f"HIMIG_TASKS_BACKEND must be 'db' or 'rq', not {HIMIG_TASKS_BACKEND!r}")

# --- files ----------------------------------------------------------------------
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# A CDN may front the static files: point HIMIG_STATIC_URL at it (WhiteNoise is its origin).
STATIC_URL = envstr("HIMIG_STATIC_URL", "/static/")
STATIC_ROOT = Path(envstr("HIMIG_STATIC_ROOT", str(DATA_DIR / "staticfiles"))).resolve()
STATICFILES_DIRS = [BASE_DIR / "himig" / "static"]
# Hashed names (app.3f2a9c.css) served with a one-year immutable Cache-Control, plus
# gzip and brotli copies, need `manage.py collectstatic` first (make run does it).
# Off by default under DEBUG and in the test suite, where nothing was collected.
HIMIG_STATIC_MANIFEST = envbool("HIMIG_STATIC_MANIFEST", not DEBUG)
_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if HIMIG_STATIC_MANIFEST
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# Source maps (megabytes, fetched only by developer tools) are not worth the minutes
# brotli spends on them at collectstatic time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *"jpg jpeg png gif webp avif ico zip gz tgz bz2 tbz xz br woff woff2 mp3 mp4 ogg webm flac wav map".split()
]
# WhiteNoise does not know the web app manifest's type and would send octet-stream.
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}

# Audio on S3-compatible storage when a bucket is named; local files otherwise.
HIMIG_S3_BUCKET = envstr("HIMIG_S3_BUCKET")
# Signed download/player URLs live this long: long enough to start and seek a
# track, short enough that a shared link soon stops working.
HIMIG_S3_SIGNED_URL_TTL = envint("HIMIG_S3_SIGNED_URL_TTL", 300, minimum=10)
if HIMIG_S3_BUCKET:
    _media_storage: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": HIMIG_S3_BUCKET,
            "endpoint_url": envstr("HIMIG_S3_ENDPOINT_URL") or None,
            "access_key": envstr("HIMIG_S3_ACCESS_KEY_ID") or None,
            "secret_key": envstr("HIMIG_S3_SECRET_ACCESS_KEY") or None,
            "region_name": envstr("HIMIG_S3_REGION") or None,
            "location": envstr("HIMIG_S3_PREFIX"),
            # Private objects, reachable only through signed URLs.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": HIMIG_S3_SIGNED_URL_TTL,
            "signature_version": "s3v4",
            # Never overwrite an object silently: a retried render gets a new name.
            "file_overwrite": False,
            # Path-style works on every S3-compatible server (MinIO, Ceph, moto).
            "addressing_style": envstr("HIMIG_S3_ADDRESSING_STYLE", "path"),
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {"default": _media_storage, "staticfiles": {"BACKEND": _static_backend}}

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

# allauth: sign in with a verified email address (no usernames), or Google/GitHub.
ACCOUNT_ADAPTER = "himig.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "himig.accounts.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "himig.accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a POST confirms, so mail scanners that follow links cannot
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_CHANGE_EMAIL = True  # one address per account; changing it re-verifies
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Himig] "
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None  # the sign-in form offers "Remember me"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if envbool("HIMIG_HTTPS", False) else "http"
# PRODUCT.md §5: 5 failed sign-ins per 15 minutes per account and per IP. allauth
# consumes the budget before checking the password, so the 6th try is refused even
# when it is right; a successful sign-in gives its unit back.
ACCOUNT_RATE_LIMITS = {
    "login_failed": envstr("HIMIG_RATE_LOGIN_FAILED", "5/15m/ip,5/15m/key"),
    "signup": envstr("HIMIG_RATE_SIGNUP", "20/h/ip"),
    "reset_password": "20/h/ip,5/h/key",
}

# Social sign-in: each provider is on only when its client id and secret are both
# set; credentials live in the environment, so no SocialApp rows are needed.
# Email authentication: when Google or GitHub vouch that the person owns an email
# address (allauth only uses addresses the provider marks verified) and a Himig
# account has that address, the person is signed into it and the provider is
# connected. Both providers verify addresses, so this is safe; if the local
# address was never verified, allauth wipes its password, locking out whoever
# registered someone else's address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # a POST starts the provider hop (CSRF-protected)
SOCIALACCOUNT_PROVIDERS: dict = {
    "google": {"SCOPE": ["openid", "profile", "email"], "AUTH_PARAMS": {"prompt": "select_account"}},
    "github": {"SCOPE": ["read:user", "user:email"]},
}
for _provider, _prefix in (("google", "HIMIG_GOOGLE"), ("github", "HIMIG_GITHUB")):
    _client_id, _secret = envstr(f"{_prefix}_CLIENT_ID"), envstr(f"{_prefix}_CLIENT_SECRET")
    if _client_id and _secret:
        SOCIALACCOUNT_PROVIDERS[_provider]["APPS"] = [{"client_id": _client_id, "secret": _secret, "key": ""}]
# Provider endpoints can be pointed elsewhere (GitHub Enterprise, or the fake
# providers of the browser test suite).
if envstr("HIMIG_GITHUB_URL"):
    SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"] = envstr("HIMIG_GITHUB_URL")
for _key, _env in (
    ("AUTHORIZE_URL", "HIMIG_GOOGLE_AUTHORIZE_URL"),
    ("ACCESS_TOKEN_URL", "HIMIG_GOOGLE_TOKEN_URL"),
    ("IDENTITY_URL", "HIMIG_GOOGLE_USERINFO_URL"),
):
    if envstr(_env):
        SOCIALACCOUNT_PROVIDERS["google"][_key] = envstr(_env)

# --- security headers (see himig/middleware.py for the Content Security Policy) ----
HIMIG_HTTPS = envbool("HIMIG_HTTPS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin-allow-popups"  # share pop-ups (X, Facebook) keep working
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if HIMIG_HTTPS:
    SECURE_SSL_REDIRECT = envbool("HIMIG_SSL_REDIRECT", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (document it in deploy docs).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("HIMIG_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HIMIG_HSTS_INCLUDE_SUBDOMAINS", True)
    # The preload directive only signals consent; nothing changes unless the operator
    # submits the domain to the browsers' preload list.
    SECURE_HSTS_PRELOAD = envbool("HIMIG_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # /api/health must answer plain HTTP probes from a load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^api/health$", r"^api/db-health$", r"^metrics$"]

# --- i18n -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- limits ---------------------------------------------------------------------
HIMIG_GUEST_TRACKS_PER_DAY = envint("HIMIG_GUEST_TRACKS_PER_DAY", 3, minimum=0)
HIMIG_GUEST_MAX_DURATION = envint("HIMIG_GUEST_MAX_DURATION", 30, minimum=15)
# A guest's data and browser session both last this long after their last visit
# (PRODUCT.md §4: "removed after 90 days"); cleanup_guests removes them after it.
HIMIG_GUEST_RETENTION_DAYS = envint("HIMIG_GUEST_RETENTION_DAYS", 90, minimum=1)
HIMIG_GENERATION_MAX_ATTEMPTS = envint("HIMIG_GENERATION_MAX_ATTEMPTS", 3, minimum=1)
# Generations per user per 15 minutes (PRODUCT.md §5).
HIMIG_RATE_GENERATE = envint("HIMIG_RATE_GENERATE", 10, minimum=1)
HIMIG_RATE_GENERATE_WINDOW = envint("HIMIG_RATE_GENERATE_WINDOW", 900, minimum=1)
# Unsafe JSON API requests (POST/PATCH/DELETE) per user or API key per window.
HIMIG_RATE_API_WRITES = envint("HIMIG_RATE_API_WRITES", 100, minimum=1)
HIMIG_RATE_API_WRITES_WINDOW = envint("HIMIG_RATE_API_WRITES_WINDOW", 900, minimum=1)
# A running track whose worker has not beaten for this long is presumed abandoned.
HIMIG_STALE_AFTER_S = envint("HIMIG_STALE_AFTER_S", 120, minimum=5)
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("HIMIG_MAX_BODY_BYTES", 64 * 1024, minimum=1024)

# --- operations: request ids, JSON logs, metrics, Sentry (docs/operations.md) ----
# First in the chain so its timing and X-Request-ID cover every other middleware.
MIDDLEWARE.insert(0, "himig.ops.middleware.RequestObservabilityMiddleware")
HIMIG_METRICS_TOKEN = envstr("HIMIG_METRICS_TOKEN")
HIMIG_METRICS_ALLOWED_NETWORKS = envlist("HIMIG_METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
try:
    import ipaddress as _ipaddress

    for _cidr in HIMIG_METRICS_ALLOWED_NETWORKS:
        _ipaddress.ip_network(_cidr, strict=False)
except ValueError as _bad_cidr:
    from himig.conf import ConfigError

    raise ConfigError(f"HIMIG_METRICS_ALLOWED_NETWORKS: {_bad_cidr}") from None
HIMIG_REQUEST_STATS_FLUSH_SECONDS = envint("HIMIG_REQUEST_STATS_FLUSH_SECONDS", 10, minimum=0)
# Retention, applied by cleanup_guests: UTC days of per-minute request statistics
# (the dashboard's longest preset is 90 days), and days a finished task result of
# the database queue is kept (django-tasks-db's own default is 14).
HIMIG_REQUEST_STATS_RETENTION_DAYS = envint("HIMIG_REQUEST_STATS_RETENTION_DAYS", 90, minimum=1)
HIMIG_TASK_RESULTS_RETENTION_DAYS = envint("HIMIG_TASK_RESULTS_RETENTION_DAYS", 14, minimum=1)
# manage.py run also runs the housekeeping (cleanup_guests and analyze_db once a day,
# the first check this many seconds after start-up); off where cron/systemd do it.
HIMIG_HOUSEKEEPING = envbool("HIMIG_HOUSEKEEPING", True)
HIMIG_HOUSEKEEPING_DELAY_S = envint("HIMIG_HOUSEKEEPING_DELAY_S", 60, minimum=0)
HIMIG_LOG_FORMAT = envstr("HIMIG_LOG_FORMAT", "json")  # json | text
HIMIG_LOG_LEVEL = envstr("HIMIG_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "himig.ops.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "himig.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s %(track_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if HIMIG_LOG_FORMAT == "text" else "json",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": HIMIG_LOG_LEVEL},
    "loggers": {
        # Our access line replaces runserver's own; Django's request errors still propagate.
        "django.server": {"level": "WARNING"},
    },
}

SENTRY_DSN = envstr("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    from himig.engine import __version__ as _engine_version

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        release=f"himig@{_engine_version}",
        environment=envstr("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(envstr("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        send_default_pii=False,
    )
