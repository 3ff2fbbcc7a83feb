"""gunicorn settings for dangjian (deploy/systemd/dangjian-web.service starts it with this file).

Sync workers: the pages are database-bound and short; two workers per core is the usual start
(`DANGJIAN_WEB_WORKERS`). gunicorn listens on loopback only; nginx is the public side.
"""

import multiprocessing
import os

bind = os.environ.get("DANGJIAN_WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DANGJIAN_WEB_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# A report or an import preview may take a while; anything longer belongs in the worker.
timeout = int(os.environ.get("DANGJIAN_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from nginx on the same machine.
forwarded_allow_ips = "127.0.0.1,::1"
wsgi_app = "config.wsgi:application"
# Logs: standard error goes to the journal; the access log carries no query strings, so no
# search terms (names, ID numbers) reach the log.
accesslog = os.environ.get("DANGJIAN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
