"""The entry points: ``python -m kpi`` (cli.kpi), ``python -m data`` (cli.data) and the
Celery worker (cli.worker). The top layer: they may use every package of the app, and
nothing imports them but the thin ``__main__`` modules that let ``python -m`` find them.
"""
