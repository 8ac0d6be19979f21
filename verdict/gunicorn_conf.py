"""gunicorn settings of the web process: ``gunicorn -c python:verdict.gunicorn_conf verdict.wsgi``.

Command-line options (``-w``, ``--threads``, ``-b``) and ``GUNICORN_CMD_ARGS`` override these.

``reuse_port``: without it every worker accepts from the one socket the master opened, and with
keep-alive the first worker to wake keeps most clients' connections for good. Measured with
``benchmarks/annotation_load.py`` (50 annotators, 3 workers × 8 threads): one worker served nearly every
request at ~80 % of a core, GIL-bound, while the others idled, and next-task's p95 was 190–350 ms. With
``SO_REUSEPORT`` each worker listens on its own socket and the kernel spreads new connections over them
(gunicorn ≥ 21), so all workers share the load.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
# Processes, not threads, carry the load: a request is CPU-bound Python, and threads of one worker take
# turns on its GIL, so two requests that land in one worker wait for each other. (2 × cores) + 1 workers
# of 2 threads, gunicorn's advice: on the 2-core machine of the 1M load benchmark (README, "Annotation
# load"), fresh runs of the same code gave next-task a steady p95 of 47–49 ms with 5 × 2, 62–64 ms with 3 × 8.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
reuse_port = True
# Longer than a browser's or a TLS proxy's idle keep-alive, so the proxy closes first (no reset races).
keepalive = 75
