"""Production: every secret from the environment; passes `manage.py check --deploy`."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import VAR_DIR, database_from_env, with_replica


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"Set the environment variable {name} (see docs/deploy.md).")
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]
DANGJIAN_FIELD_ENCRYPTION_KEYS = [
    k.strip() for k in _required("DANGJIAN_FIELD_ENCRYPTION_KEYS").split(",") if k.strip()
]
DANGJIAN_LOOKUP_KEY = _required("DANGJIAN_LOOKUP_KEY")
# The reverse proxies whose X-Forwarded-For names the client (dangjian.core.clientip).
DANGJIAN_TRUSTED_PROXIES = [
    p.strip()
    for p in os.environ.get("DANGJIAN_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
    if p.strip()
]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Monitoring on the machine itself asks over plain HTTP (deploy/nginx/dangjian.conf keeps these
# paths off the public side).
SECURE_REDIRECT_EXEMPT = [r"^ops/health/", r"^ops/metrics$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Source maps are fetched only by developer tools: not worth compressing (collectstatic is
# several times faster without them).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "tbz",
    "xz",
    "br",
    "swf",
    "flv",
    "woff",
    "woff2",
    "3gp",
    "3gpp",
    "asf",
    "avi",
    "m4v",
    "mov",
    "mp4",
    "mpeg",
    "mpg",
    "webm",
    "wmv",
    "map",
)
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Logs go to standard error (the systemd journal); with DANGJIAN_LOG_DIR also to a file there
# that logrotate may move (WatchedFileHandler reopens it).
_log_dir = os.environ.get("DANGJIAN_LOG_DIR", "")
_handlers: dict[str, dict[str, str]] = {
    "console": {"class": "logging.StreamHandler", "formatter": "plain"}
}
if _log_dir:
    _handlers["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": os.path.join(_log_dir, "dangjian.log"),
        "formatter": "plain",
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": _handlers,
    "root": {"handlers": list(_handlers), "level": "INFO"},
    # Django logs every 4xx with its path; paths hold member numbers, which are not secrets but
    # need not be in a log file: keep request warnings out, errors still appear.
    "loggers": {"django.request": {"level": "ERROR"}},
}
DANGJIAN_ISSUER = _required("DANGJIAN_ISSUER")
# The certificate QR opens this address's verify page; default: https:// and the first host.
DANGJIAN_PUBLIC_URL = os.environ.get("DANGJIAN_PUBLIC_URL", "") or f"https://{ALLOWED_HOSTS[0]}"
DANGJIAN_SIGNING_KEYS = [
    k.strip() for k in _required("DANGJIAN_SIGNING_KEYS").split(",") if k.strip()
]

DATABASES = with_replica({"default": database_from_env(VAR_DIR / "dangjian.sqlite3")})
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # Keep connections between requests; gunicorn's workers each hold one.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
