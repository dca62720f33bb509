"""The data directory (``VENUECRM_DATA_DIR``): the embedded PostgreSQL and ``secret.key``.

A directory this process cannot write (typically a bind mount owned by root, in a container
running as uid 10001) is an operator's mistake with a known fix, so it is reported as one line
saying what to do, not as a traceback.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


class DataDirNotWritable(Exception):
    """The data directory cannot be written by this process; the message says how to fix it."""


def ensure_writable(data_dir: Path) -> None:
    """Create ``data_dir`` if needed and prove this process can write in it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        uid, gid = os.getuid(), os.getgid()
        raise DataDirNotWritable(
            f"data directory {data_dir} is not writable by uid {uid} ({exc.strerror}): "
            f"give it to that user (`chown -R {uid}:{gid} <dir>` on the host for a bind mount), "
            "set VENUECRM_DATA_DIR to a writable directory, or set DATABASE_URL"
        ) from exc
