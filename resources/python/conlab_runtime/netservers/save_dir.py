"""A file-receive server's saveDir inside the trial's folder (the current directory of the trial), by
the Node rules of src-main/engine/run-folder.ts: a relative path without '..', empty or '.' parts,
every part checked with lstat on the way (a symbolic link is refused, never followed), missing folders
created. Files are then opened in it with O_NOFOLLOW (sessions.py)."""

import os
import stat


def ensure_dir(relative, field):
    if not isinstance(relative, str) or not relative or len(relative) > 1024:
        raise ValueError("%s: %r is not a place in the run folder; expected a relative folder path" % (field, relative))
    if relative.startswith("/") or "\\" in relative or "\x00" in relative:
        raise ValueError("%s: %r is not a place in the run folder: it must be relative, with / between parts" % (field, relative))
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("%s: %r is not a place in the run folder: no empty, '.' or '..' parts" % (field, relative))
    here = os.getcwd()
    for part in parts:
        here = os.path.join(here, part)
        try:
            info = os.lstat(here)
        except FileNotFoundError:
            try:
                os.mkdir(here, 0o755)
            except FileExistsError:
                pass
            info = os.lstat(here)
        if stat.S_ISLNK(info.st_mode):
            raise ValueError("%s: %s is a symbolic link; links are not followed out of the run folder" % (field, part))
        if not stat.S_ISDIR(info.st_mode):
            raise ValueError("%s: %s is not a folder" % (field, part))
    return here
