"""The results store: every file a run reads back or hands over, written atomically.

Like papermill's ``iorw``, this is where the report layer touches the disk: the shared
results (one parquet file per table, the hand-over from the run to the notebooks),
their fingerprint, the hashes that decide whether a report is current, the manifest,
the caches, and the atomic writer every other file goes through (the Excel workbooks
of :mod:`kpilib.report.excel` too). Every file is written to a temporary name in its
destination folder and moved into place with :func:`os.replace`, so a reader (or a
crash) never sees half a file; temporary names start with a dot and contain ``.tmp``
(see :func:`remove_stale_temp_files`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from kpilib.errors import OutputError, RunLockedError
from kpilib.paths import PARAMS_DIR

PACKAGE_DIR = Path(__file__).resolve().parents[1]
MANIFEST = "manifest.json"
#: What the shared results were computed from, stored beside them.
FINGERPRINT = "fingerprint.json"

# --------------------------------------------------------------------------- atomic writes

TEMP_MARKER = ".tmp"


# --------------------------------------------------------------------------- atomic writes


def temp_path_for(path: Path) -> Path:
    """A fresh temporary name beside ``path`` keeping its suffix (tools pick formats by it)."""
    return path.with_name(f".{path.stem}.{secrets.token_hex(4)}{TEMP_MARKER}{path.suffix}")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    The file is flushed to disk before the rename; on an exception the
    temporary file is removed and ``path`` is left as it was.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("完整")
    >>> (folder / "a.txt").read_text(), [p.name for p in folder.iterdir()]
    ('完整', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(path)
    try:
        yield tmp
        replace_with(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def replace_with(tmp: str | Path, path: str | Path) -> None:
    """Flush the finished file ``tmp`` to disk and move it onto ``path`` in one step."""
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def remove_stale_temp_files(folder: str | Path) -> list[Path]:
    """Delete temporary files a crashed run left under ``folder``; return them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = [p for p in folder.rglob(f".*{TEMP_MARKER}*") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


# --------------------------------------------------------------------------- the hand-over


def result_path(results_dir: str | Path, name: str) -> Path:
    """Path of the shared result ``name`` in ``results_dir``."""
    return Path(results_dir) / f"{name}.parquet"


def read_result(results_dir: str | Path, name: str) -> pd.DataFrame:
    """Read one shared result a run stored; what notebooks call.

    Raises FileNotFoundError listing the results that exist, e.g. when
    ``kpi run`` has not been run for the month a notebook points at.
    """
    path = result_path(results_dir, name)
    if not path.is_file():
        have = stored_tables(results_dir)
        raise FileNotFoundError(
            f"no shared result {name!r} at {path} (have: {', '.join(have) or 'none'}); "
            "run `kpi run --month …` first"
        )
    return pd.read_parquet(path)


#: Shared results read in this process, by path: the file's identity when read, and the
#: table. A warm kernel reads the same tables for every report of a run.
_READ: dict[str, tuple[tuple[int, int, int], pd.DataFrame]] = {}


def read_result_once(results_dir: str | Path, name: str) -> pd.DataFrame:
    """:func:`read_result`, read once per process while the file is unchanged.

    The file is read again when its inode, size or modification time changed (every
    write replaces it, see :func:`atomic_path`). The same DataFrame object is returned
    to every caller: a caller must copy it before changing it.
    """
    path = result_path(results_dir, name)
    try:
        stat = os.stat(path)
    except OSError:
        return read_result(results_dir, name)  # missing: read_result names what exists
    identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    key = str(path.resolve())
    held = _READ.get(key)
    if held is None or held[0] != identity:
        held = (identity, read_result(results_dir, name))
        _READ[key] = held
    return held[1]


def stored_tables(results_dir: str | Path) -> list[str]:
    """Names of the shared results stored in ``results_dir``, sorted."""
    return sorted(p.stem for p in Path(results_dir).glob("*.parquet"))


def write_results(results_dir: str | Path, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Store every table as ``<name>.parquet``, each written atomically; return the paths."""
    written = []
    for name, frame in tables.items():
        path = result_path(results_dir, name)
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp)
        written.append(path)
    return written


# --------------------------------------------------------------------------- fingerprints


#: Digests already computed in this process, by (path, device, inode, size, mtime): a warm
#: kernel checks the same hundreds of input files before every report.
_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex (remembered while the file's size and mtime hold)."""
    stat = os.stat(path)
    # device and inode name the file whatever the path's links: resolving the path took
    # half of a report's check that its shared results are current
    key = (os.path.abspath(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def input_hashes(data_dir: Path, month: str, *, history_months: int = 12) -> dict[str, str]:
    """SHA-256 of every input file the month's results read, and of every file under ``params/``.

    The results read the month itself, the months of its trend window
    (``history_months``, the month included), the earlier months of its year
    (expenses and business results to date) and the same month a year before (13
    months, the month included), so all of those count: a corrected earlier month
    reruns the reports. Keys are ``YYYY-MM/<file>`` and ``params/<file>``.
    """
    period = pd.Period(month, freq="M")
    back = max(history_months, period.month, 13)
    months = [str(period - k) for k in range(back - 1, -1, -1)]
    roots = [(data_dir / m, m) for m in months] + [(PARAMS_DIR, "params")]
    hashes = {}
    for root, prefix in roots:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                hashes[f"{prefix}/{path.relative_to(root).as_posix()}"] = file_sha256(path)
    return hashes


def results_fingerprint(data_dir: Path, month: str, *, history_months: int) -> dict[str, Any]:
    """What the shared results of ``month`` depend on: library code and every input read."""
    return {
        "kpilib_hash": library_hash(),
        "inputs": input_hashes(data_dir, month, history_months=history_months),
    }


def write_fingerprint(results_dir: str | Path, fingerprint: Mapping[str, Any]) -> None:
    """Store the fingerprint beside the shared results (atomically)."""
    write_text_atomic(Path(results_dir) / FINGERPRINT, json.dumps(fingerprint, indent=1))


def read_fingerprint(results_dir: str | Path) -> dict[str, Any] | None:
    """The stored fingerprint of the shared results, or None when there is none (or damaged)."""
    path = Path(results_dir) / FINGERPRINT
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):  # damaged: recompute
        return None


def library_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the kpilib source files (relative path and digest of each).

    The running library's own (the default) is taken once per process: the code a
    process runs is the code it imported, and the cache keys of one shared build ask
    for it a dozen times.
    """
    if package_dir == PACKAGE_DIR:
        return _running_library_hash()
    return _sources_hash(package_dir)


@functools.cache
def _running_library_hash() -> str:
    return _sources_hash(PACKAGE_DIR)


def _sources_hash(package_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()


def notebook_hash(path: str | Path) -> str:
    """SHA-256 of a notebook's cells (type, tags, source) and kernel: outputs and ids ignored."""
    # imported here: nbformat loads jsonschema (seconds), which a report's kernel
    # importing kpilib for its tables does not need
    import nbformat

    nb = nbformat.read(path, as_version=4)
    content = {
        "kernel": nb.metadata.get("kernelspec", {}).get("name"),
        "cells": [[c.cell_type, sorted(c.metadata.get("tags", [])), c.source] for c in nb.cells],
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


# --------------------------------------------------------------------------- manifest


def inputs_digest(inputs: Mapping[str, str]) -> str:
    """One SHA-256 over a run's input hashes (``input_hashes``), for each report entry.

    The manifest lists the file hashes once, at its top; an entry carries this digest
    of the set it was made from, so 3,000 entries do not repeat 200 hashes each.
    """
    text = json.dumps(sorted(inputs.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def write_manifest(month_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` of ``month_dir`` (atomically)."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    write_text_atomic(month_dir / MANIFEST, text)


#: Fields every report entry of a manifest has.
MANIFEST_ENTRY_FIELDS = ("key", "kind", "section", "code", "name", "status", "executed_notebook")


def read_manifest(month_dir: Path) -> tuple[dict[str, Any], str]:
    """The previous run's manifest of ``month_dir`` and a problem found in it ("" if none).

    A manifest that cannot be read, is not JSON or has the wrong shape is not
    trusted: an empty one is returned with the problem in words, so every report of
    the month runs again and the manifest is rebuilt from what they write.
    """
    path = month_dir / MANIFEST
    if not path.is_file():
        return {"reports": {}}, ""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {"reports": {}}, f"{path} is unreadable ({type(exc).__name__}); rebuilt"
    reports = manifest.get("reports") if isinstance(manifest, dict) else None
    if not isinstance(reports, dict) or not all(
        isinstance(entry, dict) and all(field in entry for field in MANIFEST_ENTRY_FIELDS)
        for entry in reports.values()
    ):
        return {"reports": {}}, f"{path} does not have the shape of a kpilib manifest; rebuilt"
    return manifest, ""


# --------------------------------------------------------------------------- the run's lock


def check_writable(folder: Path) -> None:
    """Make sure ``folder`` could be created and written, creating nothing.

    Raises
    ------
    OutputError
        When a part of the path is a file, or the nearest existing folder cannot be
        written to.
    """
    folder = Path(folder)
    existing = next(p for p in [folder, *folder.parents] if p.exists() or p == p.parent)
    if not existing.is_dir():
        raise OutputError(f"cannot write reports to {folder}: {existing} is a file")
    probe = existing / f".kpi-write-test-{secrets.token_hex(4)}{TEMP_MARKER}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(
            f"cannot write reports to {folder}: {exc.strerror or exc}; choose another --out"
        ) from None


LOCK = ".kpi-run.lock"


def _lock_holder(path: Path) -> dict[str, Any] | None:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return holder if isinstance(holder, dict) else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def month_lock(month_dir: Path, *, holder: Mapping[str, Any]) -> Iterator[str]:
    """Hold the month folder's lock for a run; yield a note when a stale lock was recovered.

    The lock is a file created exclusively in ``month_dir``, naming the process that
    holds it. A lock whose process no longer runs (a run killed with SIGKILL) is
    recovered; a live one makes :class:`~kpilib.errors.RunLockedError` naming it.
    """
    month_dir.mkdir(parents=True, exist_ok=True)
    path = month_dir / LOCK
    note = ""
    for _ in range(3):
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            current = _lock_holder(path)
            if current is not None and _alive(current.get("pid")):
                raise RunLockedError(
                    f"another kpi run (pid {current.get('pid')}, started "
                    f"{current.get('started_at', '?')}) is working on {month_dir}; wait for it "
                    f"to finish or stop it, then run again"
                ) from None
            note = f"recovered the lock of a run that no longer runs ({current or 'unreadable'})"
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(dict(holder), out)
        break
    else:
        raise RunLockedError(f"could not take the lock {path}; remove it if no kpi run is running")
    try:
        yield note
    finally:
        path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- month cache


def cache_key(parts: Mapping[str, Any]) -> str:
    """A short hex key for ``parts`` (any JSON-serialisable mapping)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def month_input_hashes(month_dir: Path) -> dict[str, str]:
    """SHA-256 of every file of one month's input folder, by relative path."""
    return {
        path.relative_to(month_dir).as_posix(): file_sha256(path)
        for path in sorted(p for p in month_dir.rglob("*") if p.is_file())
    }


def read_cached(cache_dir: Path, name: str, key: str) -> Any | None:
    """What :func:`write_cached` stored under ``name`` with ``key``, or None.

    None also when the file is missing, written under another key, or unreadable (a
    damaged cache entry is recomputed, never trusted). The files are this module's
    own pickles, written atomically under the run's output folder.
    """
    path = Path(cache_dir) / f"{name}.pickle"
    try:
        with open(path, "rb") as handle:
            stored_key, value = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        return None
    return value if stored_key == key else None


def write_cached(cache_dir: Path, name: str, key: str, value: Any) -> None:
    """Store ``value`` under ``name`` with ``key`` (atomically); one entry per name."""
    write_bytes_atomic(
        Path(cache_dir) / f"{name}.pickle",
        pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL),
    )


# --------------------------------------------------------------------------- YAML params


def read_yaml(path: str | Path) -> Any:
    """The mapping a UTF-8 YAML file (a params file) parses into.

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the file when it is absent or not valid YAML.
    """
    import yaml

    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc


def write_yaml(path: str | Path, data: Mapping[str, Any], *, header: str = "") -> Path:
    """Write ``data`` as UTF-8 YAML (keys in order, Chinese as is) atomically; return the path.

    ``header`` lines are written first as ``#`` comments. The folder is created if needed.
    """
    import yaml

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    body = yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, width=100)
    write_text_atomic(path, comments + body)
    return path
