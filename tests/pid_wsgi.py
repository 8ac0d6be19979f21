"""A WSGI app that answers with its process id: tests/test_gunicorn_config.py runs it under gunicorn."""
import os


def application(environ: dict, start_response) -> list[bytes]:
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
