"""Writing files atomically: nothing a user computed is lost, no partial file is ever visible.

:func:`check_writable` finds out before a long computation whether its output
can be written at all.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "check_writable"]


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it only when the block completes.

    Write the file to the yielded path; on success it is renamed to
    ``target`` (an atomic rename on one filesystem) with the usual file mode;
    on any error or interrupt it is removed and ``target`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text()
    'done'
    """
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_writable(target: str | Path) -> None:
    """Raise ``OSError`` now if ``target`` (a file, or a directory to fill) could not be written later.

    The nearest folder that exists (``target`` itself if it is a directory,
    else its parent or the first existing ancestor, where the missing
    folders would be created) must take a new file: a probe file is created
    there and removed at once.  This asks the file system itself, so
    permissions, read-only mounts and access-control lists all count.

    Raises
    ------
    OSError
        ``filename`` names the folder that refused (or the ancestor that is
        not a folder).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> check_writable(pathlib.Path(tempfile.mkdtemp()) / "new" / "out.nc")
    """
    path = Path(target)
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    try:
        fd, probe = tempfile.mkstemp(prefix=".dxsim-probe.", dir=folder)
    except OSError as err:
        raise type(err)(err.errno, err.strerror, str(folder)) from None
    os.close(fd)
    os.unlink(probe)
