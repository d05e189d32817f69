"""File steps in the run's folder: file_write, file_append, file_read, with the Node engine's rules
(src-main/engine/run-folder.ts). A path is relative, its parts separated by ``/``, none of them
``..``; every folder on the way is looked at with lstat and opened without following a link (a
symbolic link planted in the run folder is refused, never followed); the file itself is opened with
O_NOFOLLOW and O_NONBLOCK (a FIFO cannot hang the actor) and must be a regular file; file_read reads
at most 16 MiB. The walk goes through folder descriptors (``dir_fd``), so nothing can swap a folder
for a link between the check and the use. The run folder is the interpreter's working directory."""

import errno
import itertools
import json
import os
import re
import stat
import threading

from ..common import ActorFailure
from ..step_table import handler

MAX_READ_BYTES = 16 * 2 ** 20
MAX_PATH_LENGTH = 200
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
NON_BLOCK = getattr(os, "O_NONBLOCK", 0)
DIRECTORY = getattr(os, "O_DIRECTORY", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
CONTROL = re.compile("[\u0000-\u001f\u007f]")
# The run folder: the working directory the host starts the interpreter in (forked actors inherit it).
ROOT = os.getcwd()
_replacements = itertools.count(1)
_replacements_lock = threading.Lock()


class RunFolderError(ActorFailure):
    pass


def path_parts(path):
    """The parts of a file path of the run folder, ``.`` left out; refused as the Node side refuses it."""
    shown = _shown(path)
    problem = None
    if not isinstance(path, str):
        problem = "it is not text"
    elif path == "":
        problem = "it is empty"
    elif len(path) > MAX_PATH_LENGTH:
        problem = "it is longer than %d characters" % MAX_PATH_LENGTH
    elif CONTROL.search(path):
        problem = "it holds a control character"
    elif "\\" in path:
        problem = "it holds a backslash (separate folders with /)"
    elif path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        problem = "it is absolute"
    else:
        parts = path.split("/")
        if any(part == "" for part in parts):
            problem = "it has an empty part (// or a trailing /)"
        elif ".." in parts:
            problem = "it leaves the run folder (..)"
        else:
            parts = [part for part in parts if part != "."]
            if not parts:
                problem = "it names the run folder itself, not a file"
            else:
                return parts
    raise RunFolderError("%s is not a place in the run folder: %s" % (shown, problem))


def _shown(path):
    return json.dumps(path)


def _walk(parts, shown, create):
    """A descriptor of the folder holding the file: each folder on the way checked with lstat (a real
    folder, never a link) and opened relative to the one before, without following a link."""
    fd = os.open(ROOT, os.O_RDONLY | DIRECTORY | CLOEXEC)
    try:
        for part in parts:
            try:
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if not create:
                    raise RunFolderError("%s: the folder %s does not exist in the run folder" % (shown, part))
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                raise RunFolderError("%s: %s is a symbolic link; links are not followed out of the run folder" % (shown, part))
            if not stat.S_ISDIR(info.st_mode):
                raise RunFolderError("%s: %s is not a folder" % (shown, part))
            try:
                inner = os.open(part, os.O_RDONLY | DIRECTORY | NO_FOLLOW | CLOEXEC, dir_fd=fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise RunFolderError("%s: %s is a symbolic link; links are not followed out of the run folder" % (shown, part))
                raise
            os.close(fd)
            fd = inner
        return fd
    except BaseException:
        os.close(fd)
        raise


def _open_file(folder, name, flags, shown):
    try:
        fd = os.open(name, flags | NO_FOLLOW | NON_BLOCK | CLOEXEC, 0o644, dir_fd=folder)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RunFolderError("%s is a symbolic link; links are not followed out of the run folder" % shown)
        if error.errno in (errno.ENXIO, errno.EISDIR):
            raise RunFolderError("%s is not a regular file" % shown)
        if error.errno == errno.ENOENT:
            raise RunFolderError("file %s does not exist in the run folder" % shown)
        raise ActorFailure("%s: %s" % (shown, error.strerror))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RunFolderError("%s is not a regular file" % shown)
    return fd


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def utf8(text):
    """As Node encodes a string: a lone surrogate becomes U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def read_file(path):
    parts = path_parts(path)
    shown = _shown(path)
    folder = _walk(parts[:-1], shown, False)
    try:
        fd = _open_file(folder, parts[-1], os.O_RDONLY, shown)
    finally:
        os.close(folder)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_READ_BYTES:
            raise RunFolderError("%s holds %d bytes; file_read reads at most %d" % (shown, size, MAX_READ_BYTES))
        chunks, total = [], 0
        while total < size:
            chunk = os.read(fd, min(size - total, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(fd)


def append_file(path, data):
    parts = path_parts(path)
    shown = _shown(path)
    folder = _walk(parts[:-1], shown, True)
    try:
        fd = _open_file(folder, parts[-1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, shown)
    finally:
        os.close(folder)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def replace_file(path, data):
    """Writes a sibling, then renames it over the file: a reader sees the old or the new content,
    never half of it (and rename replaces a link itself, never what it points to; a link is refused)."""
    parts = path_parts(path)
    shown = _shown(path)
    folder = _walk(parts[:-1], shown, True)
    try:
        name = parts[-1]
        try:
            if stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                raise RunFolderError("%s is a symbolic link; links are not followed out of the run folder" % shown)
        except FileNotFoundError:
            pass
        with _replacements_lock:
            count = next(_replacements)
        sibling = "%s.%d.%d.%d.tmp" % (name, os.getpid(), threading.get_native_id(), count)
        fd = _open_file(folder, sibling, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _shown("%s.%s" % (path, sibling)))
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.rename(sibling, name, src_dir_fd=folder, dst_dir_fd=folder)
    finally:
        os.close(folder)


def _text(it, step):
    return it.text(it.evaluate(step["text"]))


@handler("file_write")
async def _file_write(it, step):
    data = utf8(_text(it, step))
    replace_file(step["path"], data)
    it.services.trace.emit("file_write", "I", {"path": step["path"], "bytes": len(data)})


@handler("file_append")
async def _file_append(it, step):
    data = utf8(_text(it, step))
    append_file(step["path"], data)
    it.services.trace.emit("file_append", "I", {"path": step["path"], "bytes": len(data)})


@handler("file_read")
async def _file_read(it, step):
    text = read_file(step["path"])
    it.locals[step["into"]] = text
    it.services.trace.emit("file_read", "I", {"path": step["path"], "bytes": len(utf8(text))})
