"""Logging filters named in `LOGGING` (settings/base.py)."""
import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A 4xx answer is the client's mistake or a permission check doing its job, not a server fault: log
    the line ("Forbidden (Permission denied): /path") but not the traceback of the exception behind it."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
