"""The results store: every file a run reads back or hands over, written atomically.

Like papermill's ``iorw``, this is the one module of the report layer that touches
the disk: the shared results (one parquet file per table, the hand-over from the run
to the notebooks), their fingerprint, the hashes that decide whether a report is
current, the manifest, Excel workbooks and the atomic writer every other file goes
through. Every file is written to a temporary name in its destination folder and
moved into place with :func:`os.replace`, so a reader (or a crash) never sees half a
file; temporary names start with a dot and contain ``.tmp`` (see
:func:`remove_stale_temp_files`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

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


def write_excel(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> Path:
    """Write one workbook, one sheet per table, atomically; return its path."""
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet[:31], index=False)
    return Path(path)


# --------------------------------------------------------------------------- fingerprints


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_hashes(data_dir: Path, month: str, *, history_months: int = 12) -> dict[str, str]:
    """SHA-256 of every input file the month's results read, and of every file under ``params/``.

    The results read the month itself, the months of its trend window
    (``history_months``, the month included) and the earlier months of its year
    (expenses to date), so all of those count: a corrected earlier month reruns
    the reports. Keys are ``YYYY-MM/<file>`` and ``params/<file>``.
    """
    period = pd.Period(month, freq="M")
    back = max(history_months, period.month)
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
    """The stored fingerprint of the shared results, or None when there is none."""
    path = Path(results_dir) / FINGERPRINT
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def library_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the kpilib source files (relative path and bytes of each)."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def notebook_hash(path: str | Path) -> str:
    """SHA-256 of a notebook's cells (type, tags, source) and kernel: outputs and ids ignored."""
    nb = nbformat.read(path, as_version=4)
    content = {
        "kernel": nb.metadata.get("kernelspec", {}).get("name"),
        "cells": [[c.cell_type, sorted(c.metadata.get("tags", [])), c.source] for c in nb.cells],
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


# --------------------------------------------------------------------------- manifest


def write_manifest(month_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` of ``month_dir`` (atomically)."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    write_text_atomic(month_dir / MANIFEST, text)


def read_manifest(month_dir: Path) -> dict[str, Any]:
    """The previous run's manifest of ``month_dir``, or an empty one."""
    path = month_dir / MANIFEST
    if not path.is_file():
        return {"reports": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:  # cannot happen with atomic writes; rerun everything
        return {"reports": {}}
    manifest.setdefault("reports", {})
    return manifest


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
