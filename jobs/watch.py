"""Every worker reaps. Celery beat's periodic reaper runs only where beat runs and only when a worker
serving the `default` queue takes its message; a worker that dies may be that very worker. So each
worker's main process also runs a small thread that fails running jobs whose heartbeat stopped: as long
as any worker is alive, whatever its queues, a dead worker's job is failed within
VERDICT_JOB_STALE_SECONDS + VERDICT_JOB_REAP_SECONDS. Reaping is a conditional UPDATE, so several
workers reaping at once fail a job exactly once."""
import logging
import threading

from django.db import connection

from jobs.services import jobs_reap_stale

logger = logging.getLogger(__name__)


class StaleJobWatcher(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="verdict-stale-job-watcher", daemon=True)
        self.interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                reaped = jobs_reap_stale()
                if reaped:
                    logger.warning("failed jobs whose worker stopped beating: %s", reaped)
            except Exception:  # a database hiccup must not end the watch; the next pass retries
                logger.exception("reaping stale jobs failed")
            finally:
                connection.close()  # its own connection, closed between passes: the pool may fork

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=self.interval + 5)
