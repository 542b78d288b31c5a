"""The local stack behind `./start-server.sh`: Valkey, Directus, a Celery worker and the router.

`python -m shared.platform start|stop|status` orchestrates them under supervisord (one
program per service, started in order and each waited for by health); `run` is the launcher
every program goes through, so that each service gets its environment (secrets, URLs) from
one place; `health.platform_checks` gives the router's `/health` its dependency checks.
"""
