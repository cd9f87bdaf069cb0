"""Production settings for gunicorn: `gunicorn` in the project folder reads this file by itself.

Environment: PORT or BIND (where to listen), WEB_CONCURRENCY (worker processes), GUNICORN_THREADS,
GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS (gunicorn's own: whose X-Forwarded-Proto it believes).
Behind a reverse proxy, also set TRUSTED_PROXIES for the app (gunicorn does not take the client's address from
X-Forwarded-For, and rate limits count per address). With more than one worker, set REDIS_URL so rate limits are
shared, and DATABASE_URL for PostgreSQL.
"""

import multiprocessing
import os

wsgi_app = "directory:create_app()"

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then, so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs go to stdout/stderr for the service manager to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# What a request leaves in the log: time, method, path WITHOUT its query string (%(U)s, not %(r)s), status,
# size and duration. No query string (a search says who looked for what), no referrer (a listing reached
# from a search carries the search in it), no client address and no user agent. The app also strips query
# strings from request logs itself (directory/logging_privacy.py), in case this file is not used.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
