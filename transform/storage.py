"""Where a dataset is published: a local folder, or any fsspec URL (``s3://bucket/prefix``).

A release is always written and checked in a local staging folder first; publishing then
moves it into place. Locally that is a rename and a symlink switch (see transform/write.py).
On an object store there are no renames and no symlinks, so a release is uploaded whole
under ``releases/<id>/`` and only then is the one small ``LATEST`` object (the release id)
overwritten; a single PUT is atomic, so readers see the old release or the new one, never
a mix. ``gongkai.load`` and ``gongkai sql`` follow ``LATEST`` on either kind of store.

Credentials and endpoints come from the usual places (``AWS_*`` variables, ``~/.aws``,
``AWS_ENDPOINT_URL`` for an S3-compatible server, or fsspec's ``FSSPEC_S3_*``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POINTER_OBJECT = "LATEST"


def is_remote(location: str | Path) -> bool:
    """A URL with a scheme other than ``file`` (``s3://…``, ``gs://…``, ``memory://…``)."""
    text = str(location)
    return "://" in text and not text.startswith("file://")


@dataclass
class Store:
    """The output location of a build, local or remote."""

    location: str
    fs: Any
    root: str

    @classmethod
    def at(cls, location: str | Path) -> Store:
        import fsspec

        text = str(location)
        if is_remote(text):
            fs, root = fsspec.core.url_to_fs(text)
            return cls(location=text, fs=fs, root=root.rstrip("/"))
        path = Path(text.removeprefix("file://")).absolute()
        return cls(location=str(path), fs=fsspec.filesystem("file"), root=str(path))

    @property
    def local(self) -> bool:
        return not is_remote(self.location)

    @property
    def local_path(self) -> Path:
        if not self.local:
            raise ValueError(f"{self.location} is not a local folder")
        return Path(self.root)

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def url(self, *parts: str) -> str:
        """A full URL (or local path) for ``parts`` below the root."""
        if self.local:
            return str(Path(self.root, *parts))
        protocol = self.fs.protocol[0] if isinstance(self.fs.protocol, tuple | list) \
            else self.fs.protocol
        return f"{protocol}://{self.path(*parts)}"

    def read_text(self, *parts: str) -> str | None:
        try:
            with self.fs.open(self.path(*parts), "rb") as fh:
                return fh.read().decode("utf-8")
        except (FileNotFoundError, OSError):
            return None

    def write_text(self, text: str, *parts: str) -> None:
        """Write a small object whole: a rename locally, one PUT on an object store."""
        data = text.encode("utf-8")
        if self.local:
            target = Path(self.root, *parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
            return
        self.fs.pipe_file(self.path(*parts), data)

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.exists(self.path(*parts)))

    def listdir(self, *parts: str) -> list[str]:
        """Names directly below ``parts`` (empty when there is nothing)."""
        try:
            entries = self.fs.ls(self.path(*parts), detail=False, refresh=True) \
                if not self.local else self.fs.ls(self.path(*parts), detail=False)
        except (FileNotFoundError, OSError):
            return []
        return sorted(str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries)

    def upload(self, local_dir: Path, *parts: str) -> None:
        """Copy a finished local folder to ``parts`` (object stores only)."""
        target = self.path(*parts)
        files = sorted(p for p in local_dir.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(local_dir).as_posix()
            self.fs.put_file(str(path), f"{target}/{rel}")

    def remove(self, *parts: str) -> None:
        with contextlib.suppress(FileNotFoundError, OSError):
            self.fs.rm(self.path(*parts), recursive=True)


def default_cache_dir(location: str | Path) -> Path:
    """Per-document results for a remote dataset are kept on this machine."""
    if not is_remote(location):
        return Path(str(location).removeprefix("file://")) / ".cache"
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gongkai"
    return base / hashlib.sha256(str(location).encode()).hexdigest()[:16]
