"""The saved index: a folder of plain files beside the database, checked before it is trusted.

Layout of ``<database>.index/``::

    params.json         format version, analyzer version, BM25 parameters, the state of the
                        database the index reflects (archive id, generation and its change
                        token), the list of folders below with the size and CRC-32 of every
                        file, and a SHA-256 of all of that ("checksum")
    seg-<hex>/          one immutable segment: ids, doc_len, offsets, docs, tfs, max_tf, min_len,
                        the title_* postings (by term and by position), col-<name>.npy arrays
    state-<hex>/        df.npy (every term's live passages), live.npy (if passages were
                        deleted), the vocabulary (terms, term_ends, term_hashes, term_numbers:
                        ``retrieval/search/vocabulary.py``) and derived-<name>.npy, arrays the
                        index's users worked out from all of it (``BM25Index.derived``)
    verified.json       stamps of files whose CRC-32 a start has verified, so the next start
                        need not read them again (a hint: ``retrieval/search/stamps.py``)
    .lock               taken by writers only

Arrays are ``.npy`` files read with ``allow_pickle=False`` and memory-mapped, so processes share
them through the page cache and a start reads only what questions touch: nothing is worked out
at start but the per-passage arrays joined across segments and the length normalisation.
Nothing is ever unpickled, and nothing is changed in place: a writer builds each new folder under
a temporary name and renames it, then replaces ``params.json`` with ``os.replace``, so a reader
sees the old index or the new one, never half of one. Folders no longer listed are removed by the
next writer.

A cache that fails any check (unreadable JSON, a manifest whose checksum does not match, another
format (an older briefbot's) or analyzer, a missing, truncated or altered file, arrays of the
wrong shape, anything that is not a regular file) raises ``IndexCacheError``; the caller rebuilds
it. Files are opened without
blocking, so a FIFO where a file should be is refused, never waited on.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import mmap
import os
import shutil
import stat
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from retrieval.errors import IndexCacheError
from retrieval.search.bm25 import AnyArray, BM25Params
from retrieval.search.index import BM25Index
from retrieval.search.segments import Segment
from retrieval.search.stamps import STAMPS, Stamps
from retrieval.search.stamps import open_regular as _open_regular
from retrieval.search.vocabulary import Vocabulary, numbered

# 5: the vocabulary as arrays (no terms.json), term frequencies in uint8 where they fit, title
# postings by position, and the derived arrays.
FORMAT_VERSION = 5
MANIFEST = "params.json"
VOCABULARY = ("terms", "term_ends", "term_hashes", "term_numbers")
DERIVED = "derived-"
SEGMENT_ARRAYS = (
    "ids",
    "doc_len",
    "offsets",
    "docs",
    "tfs",
    "max_tf",
    "min_len",
    "title_offsets",
    "title_docs",
    "title_tfs",
    "title_len",
    "title_pos",
    "title_pos_terms",
    "title_pos_tfs",
)
TF_TYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.int32))
# Per-passage arrays that the index joins across segments at start (or at its first question)
# anyway: read into one buffer per array, the segments' arrays views of it, instead of
# memory-mapped and copied (which kept them in memory twice, mapped and joined).
JOINED = ("ids", "doc_len", "title_len", "col-date")


@dataclass
class SavedIndex:
    """An index read from the cache and the database state it was saved for."""

    index: BM25Index
    database: dict[str, Any]
    checksummed: int = 0  # files whose CRC-32 was computed (the others carried a stamp)


def cache_dir_for(db_path: str | Path) -> Path:
    """Return the cache folder of the database at ``db_path`` (``<db_path>.index``)."""
    path = Path(db_path)
    return path.with_name(path.name + ".index")


def describe_manifest(folder: Path) -> dict[str, Any] | None:
    """Return the parsed ``params.json`` of ``folder``, or None if there is none or it is bad."""
    try:
        with _open_regular(folder / MANIFEST) as fh:
            data = json.loads(fh.read())
    except (OSError, ValueError, IndexCacheError):
        return None
    return data if isinstance(data, dict) else None


def manifest_checksum(manifest: dict[str, Any]) -> str:
    """Return the SHA-256 of a manifest's content (its ``checksum`` field left out)."""
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# -- reading -------------------------------------------------------------------------------


def load_index(folder: Path, *, params: BM25Params, analyzer: str) -> SavedIndex | None:
    """Return the index saved in ``folder``, or None if there is no saved index.

    Every file is checked against the size and CRC-32 that ``params.json`` lists before it is
    mapped, unless its stamp in ``verified.json`` shows nobody wrote it since it was checked
    (``retrieval/search/stamps.py``). Nothing but that file of stamps is written.

    Raises:
        IndexCacheError: naming what is wrong, if the cache is corrupt, truncated, from another
            format, analyzer version or BM25 parameters, or otherwise not what ``save_index``
            writes.
    """
    path = folder / MANIFEST
    try:
        with _open_regular(path) as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCacheError(f"{path} cannot be read ({exc.strerror})") from exc
    try:
        manifest = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise IndexCacheError(f"{path} is not valid JSON ({exc})") from exc
    try:
        return _from_manifest(folder, manifest, params, analyzer)
    except IndexCacheError:
        raise
    except FileNotFoundError as exc:
        raise IndexCacheError(f"{exc.filename} is missing") from exc
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise IndexCacheError(f"{path} does not describe a usable index ({exc!r})") from exc


def _from_manifest(folder: Path, manifest: Any, params: BM25Params, analyzer: str) -> SavedIndex:
    if not isinstance(manifest, dict) or "format" not in manifest:
        raise IndexCacheError(f"{folder / MANIFEST} is not a briefbot index manifest")
    if manifest["format"] != FORMAT_VERSION:
        older = isinstance(manifest["format"], int) and manifest["format"] < FORMAT_VERSION
        raise IndexCacheError(
            f"{folder} holds index format {manifest['format']!r}"
            f"{' of an older briefbot' if older else ''}; this briefbot reads format "
            f"{FORMAT_VERSION}"
        )
    if manifest.get("checksum") != manifest_checksum(manifest):
        raise IndexCacheError(
            f"{folder / MANIFEST} was altered (its checksum does not match its content)"
        )
    if manifest["analyzer"] != analyzer:
        raise IndexCacheError(
            f"{folder} was tokenized by analyzer version {manifest['analyzer']!r}, "
            f"not the current {analyzer!r}"
        )
    if manifest["bm25"] != params.to_json():
        raise IndexCacheError(f"{folder} was built with BM25 parameters {manifest['bm25']}")
    segments: list[Segment] = []
    stamps = Stamps(folder)
    n_terms = manifest["terms"]
    buffers = _joined_buffers(folder, manifest["segments"])
    for entry in manifest["segments"]:
        segment = _load_segment(folder, entry, stamps, buffers.get(entry["name"], {}))
        if segment.first != (segments[-1].end if segments else 0):
            raise IndexCacheError(f"{folder / segment.name} does not follow the segment before it")
        if not (segments[-1].n_terms if segments else 0) <= segment.n_terms <= n_terms:
            raise IndexCacheError(f"{folder / segment.name} covers a wrong number of terms")
        segments.append(segment)
    state = manifest["state"]
    name = state["name"]
    arrays = _load_arrays(folder, name, state["files"], stamps)
    vocab = _vocabulary(arrays, n_terms, name)
    n_positions = segments[-1].end if segments else 0
    df = _checked(arrays, "df", (n_terms,), (np.dtype(np.int64),), name)
    live = arrays.get("live")
    if live is not None:
        live = _checked(arrays, "live", (n_positions,), (np.dtype(bool),), name)
    labels = manifest["labels"]
    if not isinstance(labels, dict):
        raise IndexCacheError(f"{folder / MANIFEST} has malformed labels")
    derived = {}
    for key, array in arrays.items():
        if key.startswith(DERIVED):
            if array.dtype.hasobject:
                raise IndexCacheError(f"{folder / name}/{key}.npy holds objects")
            derived[key[len(DERIVED) :]] = array
    index = BM25Index(vocab, segments, params, live=live, df=df, labels=labels, derived=derived)
    if len(index.ids) > 1 and not bool(np.all(index.ids[1:] > index.ids[:-1])):
        raise IndexCacheError(f"{folder} holds passage ids out of order")
    stamps.save()
    return SavedIndex(index, dict(manifest["database"]), stamps.checksummed)


def _vocabulary(arrays: dict[str, AnyArray], n_terms: int, where: str) -> Vocabulary:
    """Return the vocabulary of ``n_terms`` terms held in a state folder's arrays."""
    ends = _checked(arrays, "term_ends", (n_terms,), (np.dtype(np.int64),), where)
    size = int(ends[-1]) if n_terms else 0
    data = _checked(arrays, "terms", (size,), (np.dtype(np.uint8),), where)
    hashes = _checked(arrays, "term_hashes", (n_terms,), (np.dtype(np.uint32),), where)
    numbers = _checked(arrays, "term_numbers", (n_terms,), (np.dtype(np.int32),), where)
    if n_terms and (int(numbers.min()) < 0 or int(numbers.max()) >= n_terms):
        raise IndexCacheError(f"{where}/term_numbers.npy numbers terms out of range")
    return Vocabulary(data, ends, hashes, numbers)


def _joined_buffers(folder: Path, entries: list[dict[str, Any]]) -> dict[str, dict[str, AnyArray]]:
    """Return, per segment folder, where to read each of its ``JOINED`` arrays: its slice of one
    buffer per array over every segment's positions.

    An array whose files disagree in type (dates of different widths) or do not read as
    ``.npy`` files of one dimension is left out: it is memory-mapped and joined later.
    """
    targets: dict[str, dict[str, AnyArray]] = {e["name"]: {} for e in entries}
    if len(entries) < 2:
        return targets
    for key in JOINED:
        dtypes: set[np.dtype[Any] | None] = set()
        for entry in entries:
            try:
                with _open_regular(folder / entry["name"] / f"{key}.npy") as fh:
                    shape, dtype = _npy_header(fh)
            except (OSError, ValueError, IndexCacheError):
                dtypes.add(None)
                break
            dtypes.add(dtype if shape == (entry["docs"],) else None)
        if len(dtypes) != 1 or None in dtypes:
            continue
        buffer = np.empty(sum(e["docs"] for e in entries), dtype=dtypes.pop())
        at = 0
        for entry in entries:
            targets[entry["name"]][key] = buffer[at : at + entry["docs"]]
            at += entry["docs"]
    return targets


def _load_segment(
    folder: Path, entry: dict[str, Any], stamps: Stamps, buffers: dict[str, AnyArray]
) -> Segment:
    name = entry["name"]
    arrays = _load_arrays(folder, name, entry["files"], stamps, buffers)
    n_docs, n_terms, n_postings = entry["docs"], entry["terms"], entry["postings"]
    i64, i32 = (np.dtype(np.int64),), (np.dtype(np.int32),)
    ids = _checked(arrays, "ids", (n_docs,), i64, name)
    doc_len = _checked(arrays, "doc_len", (n_docs,), i32, name)
    offsets = _checked(arrays, "offsets", (n_terms + 1,), i64, name)
    docs = _checked(arrays, "docs", (n_postings,), i32, name)
    tfs = _checked(arrays, "tfs", (n_postings,), TF_TYPES, name)
    max_tf = _checked(arrays, "max_tf", (n_terms,), (tfs.dtype,), name)
    min_len = _checked(arrays, "min_len", (n_terms,), i32, name)
    n_titles = entry["title_postings"]
    title_offsets = _checked(arrays, "title_offsets", (n_terms + 1,), i64, name)
    title_docs = _checked(arrays, "title_docs", (n_titles,), i32, name)
    title_tfs = _checked(arrays, "title_tfs", (n_titles,), TF_TYPES, name)
    title_len = _checked(arrays, "title_len", (n_docs,), i32, name)
    if int(title_offsets[0]) != 0 or int(title_offsets[-1]) != n_titles:
        raise IndexCacheError(f"{folder / name}/title_offsets.npy does not span the titles")
    if int(offsets[0]) != 0 or int(offsets[-1]) != n_postings:
        raise IndexCacheError(f"{folder / name}/offsets.npy does not span the postings")
    by_position = (
        _checked(arrays, "title_pos", (n_titles,), i32, name),
        _checked(arrays, "title_pos_terms", (n_titles,), i32, name),
        _checked(arrays, "title_pos_tfs", (n_titles,), (title_tfs.dtype,), name),
    )
    columns = {}
    for column in entry["columns"]:
        columns[column] = arrays[f"col-{column}"]
        if columns[column].shape != (n_docs,) or columns[column].dtype.hasobject:
            raise IndexCacheError(f"{folder / name}/col-{column}.npy has the wrong shape")
    titles = (title_offsets, title_docs, title_tfs, title_len)
    segment = Segment(
        entry["first"],
        ids,
        doc_len,
        offsets,
        docs,
        tfs,
        max_tf,
        min_len,
        columns,
        titles,
        name,
        by_position,
    )
    segment.files = entry["files"]
    return segment


def _load_arrays(
    folder: Path,
    name: str,
    files: dict[str, list[int]],
    stamps: Stamps,
    buffers: dict[str, AnyArray] | None = None,
) -> dict[str, AnyArray]:
    """Return the ``.npy`` files listed in ``files`` of the subfolder ``name`` after their
    checks: read into the array ``buffers`` gives for its name, else memory-mapped."""
    path = folder / name
    arrays = {}
    for filename, expected in files.items():
        if not filename.endswith(".npy"):
            continue
        key = filename[: -len(".npy")]
        with _open_regular(path / filename) as fh:
            _verify(fh, f"{name}/{filename}", expected, stamps, "is truncated or altered")
            arrays[key] = _read_npy(fh, (buffers or {}).get(key))
    return arrays


def _npy_header(fh: BinaryIO) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """Return the shape and type of the open ``.npy`` file, left at the start of its data.

    Raises:
        ValueError: if it is not a ``.npy`` file of plain C-ordered values.
    """
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ValueError(f"unknown .npy version {version}")
    if fortran or dtype.hasobject:
        raise ValueError("not an array of plain values in C order")
    return shape, dtype


def _read_npy(fh: BinaryIO, into: AnyArray | None) -> AnyArray:
    """Return the array of the open ``.npy`` file: read into ``into`` if it has the file's type
    and shape, else a read-only view of the file memory-mapped (no ``np.memmap``, whose slices
    run Python code, and no second opening of the file)."""
    shape, dtype = _npy_header(fh)
    start = fh.tell()
    count = int(np.prod(shape, dtype=np.int64))
    size = os.fstat(fh.fileno()).st_size
    if start + count * dtype.itemsize != size:
        raise ValueError(f"holds {size - start} bytes of data for shape {shape} of {dtype}")
    if into is not None and into.dtype == dtype and into.shape == shape:
        target: Any = into
        view = memoryview(target).cast("B")
        reader: Any = fh
        done = 0
        while done < len(view):
            got = reader.readinto(view[done:])
            if not got:
                raise ValueError("ended early")
            done += got
        return into
    if count == 0:
        return np.zeros(shape, dtype=dtype)
    mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    return np.frombuffer(mapped, dtype=dtype, count=count, offset=start).reshape(shape)


def _checked(
    arrays: dict[str, AnyArray],
    key: str,
    shape: tuple[int, ...],
    dtypes: tuple[np.dtype[Any], ...],
    where: str,
) -> Any:
    array = arrays.get(key)
    if array is None:
        raise IndexCacheError(f"{where}/{key}.npy is missing")
    if array.shape != shape or array.dtype not in dtypes:
        raise IndexCacheError(
            f"{where}/{key}.npy has shape {array.shape} and type {array.dtype}, "
            f"expected {shape} and {dtypes[0]}"
        )
    return array


def _verify(fh: BinaryIO, name: str, expected: list[int], stamps: Stamps, what: str) -> None:
    """Check the open file ``name`` against its manifest's ``[size, crc32]`` unless a stamp
    vouches for it; leave it at its start.

    Raises:
        IndexCacheError: saying what is wrong (``what``, e.g. "is truncated or altered").
    """
    if stamps.vouch(name, fh, expected):
        return
    if _crc(fh) != expected:
        raise IndexCacheError(
            f"{stamps.folder / name} {what} (size or CRC-32 differs from params.json)"
        )
    stamps.verified(name, fh, expected)
    fh.seek(0)


def _crc(fh: BinaryIO) -> list[int]:
    """Return ``[size, crc32]`` of an open file, read through a memory map."""
    size = os.fstat(fh.fileno()).st_size
    if size == 0:
        return [0, 0]
    with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return [size, zlib.crc32(view)]


# -- writing -------------------------------------------------------------------------------


def save_index(
    folder: Path,
    index: BM25Index,
    *,
    database: dict[str, Any],
    analyzer: str,
    database_now: dict[str, Any] | None = None,
) -> bool:
    """Save ``index`` into ``folder`` as the index of the database state ``database``.

    Segments already saved there are kept, not rewritten. Returns False (and writes nothing) if
    the folder already holds an index of a newer state of the same database that the database
    (as it is now, ``database_now``) does hold: another process caught up further than we did.

    Raises:
        OSError: if the folder cannot be written (the caller keeps answering from memory).
    """
    folder.mkdir(parents=True, exist_ok=True)
    with _writer_lock(folder):
        current = describe_manifest(folder)
        saved = current.get("database") if current is not None else None
        if _is_newer(saved, database) and not _is_newer(saved, database_now or database):
            return False
        entries: list[dict[str, Any]] = []
        for segment in index.segments:
            if not segment.name or not _intact(folder / segment.name, segment.files):
                segment.name, segment.files = _write_segment(folder, segment)
            entries.append(
                {
                    "name": segment.name,
                    "first": segment.first,
                    "docs": segment.n_docs,
                    "terms": segment.n_terms,
                    "postings": segment.n_postings,
                    "title_postings": len(segment.title_docs),
                    "columns": sorted(segment.columns),
                    "files": segment.files,
                }
            )
        state_arrays: dict[str, AnyArray] = {"df": index.df.astype(np.int64)}
        if index.live is not None:
            state_arrays["live"] = index.live
        vocab = numbered(index.vocab)
        state_arrays.update(zip(VOCABULARY, vocab.arrays(), strict=True))
        for key, array in index.derived.items():
            state_arrays[DERIVED + key] = array
        state_name, state_files = _write_folder(folder, "state", state_arrays, {})
        manifest = {
            "format": FORMAT_VERSION,
            "analyzer": analyzer,
            "bm25": index.params.to_json(),
            "database": database,
            "terms": len(index.vocab),
            "labels": index.labels,
            "segments": entries,
            "state": {"name": state_name, "files": state_files},
        }
        manifest["checksum"] = manifest_checksum(manifest)
        tmp = folder / f"{MANIFEST}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(tmp, folder / MANIFEST)
        _remove_unlisted(folder, {e["name"] for e in entries} | {state_name})
    return True


def write_segment(folder: Path, segment: Segment) -> None:
    """Write ``segment`` into the cache ``folder`` ahead of ``save_index``, which then lists it
    instead of writing it: a build writes each segment as soon as it is built, while the next
    ones are counted, rather than all of them after the last.

    Nothing lists the segment until ``save_index`` does; if another writer removes it meanwhile
    (as it removes every folder it does not list), ``save_index`` finds it gone and writes it.

    Raises:
        OSError: if the folder cannot be written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    segment.name, segment.files = _write_segment(folder, segment)


def _write_segment(folder: Path, segment: Segment) -> tuple[str, dict[str, list[int]]]:
    """Write one segment; return its folder name and files."""
    arrays = {key: getattr(segment, key) for key in SEGMENT_ARRAYS[:-3]}
    pos, terms, tfs = segment.title_by_position
    arrays.update(title_pos=pos, title_pos_terms=terms, title_pos_tfs=tfs)
    for column, values in segment.columns.items():
        arrays[f"col-{column}"] = values
    return _write_folder(folder, "seg", arrays, {})


def _write_folder(
    folder: Path, prefix: str, arrays: dict[str, AnyArray], documents: dict[str, Any]
) -> tuple[str, dict[str, list[int]]]:
    """Write arrays and JSON documents into a new folder, renamed into place when complete."""
    tmp = folder / f"tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    files: dict[str, list[int]] = {}
    try:
        for key, array in arrays.items():
            with open(tmp / f"{key}.npy", "wb") as fh:
                np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
            with open(tmp / f"{key}.npy", "rb") as fh:
                files[f"{key}.npy"] = _crc(fh)
        for filename, document in documents.items():
            (tmp / filename).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            with open(tmp / filename, "rb") as fh:
                files[filename] = _crc(fh)
        name = f"{prefix}-{uuid.uuid4().hex[:16]}"
        os.replace(tmp, folder / name)
    except BaseException:
        # A save that fails (a full disk) leaves nothing behind: each one left its folder, and
        # a bot retrying filled the disk it needs to record the messages it is sent.
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return name, files


def _intact(path: Path, files: dict[str, list[int]]) -> bool:
    """Return whether a saved folder still holds its files at their recorded sizes."""
    try:
        return bool(files) and all(
            (path / name).stat().st_size == size for name, (size, _) in files.items()
        )
    except OSError:
        return False


def _is_newer(saved: Any, database: dict[str, Any]) -> bool:
    """Return whether ``saved`` describes a later state of the same database than ``database``."""
    if not isinstance(saved, dict) or saved.get("archive_id") != database.get("archive_id"):
        return False
    keys = ("last_passage_id", "last_deletion")
    try:
        return all(saved[k] >= database[k] for k in keys) and any(
            saved[k] > database[k] for k in keys
        )
    except (KeyError, TypeError):
        return False


def _remove_unlisted(folder: Path, keep: set[str]) -> None:
    """Remove folders and temporary files of earlier saves (the writer lock is held)."""
    for child in folder.iterdir():
        name = child.name
        if name in keep or name == MANIFEST or name == ".lock":
            continue
        if child.is_dir() and name.startswith(("seg-", "state-", "tmp-")):
            shutil.rmtree(child, ignore_errors=True)
        elif name.startswith((f"{MANIFEST}.", f"{STAMPS}.")) and name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                child.unlink()


@contextlib.contextmanager
def _writer_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the cache for one writer at a time (readers never lock)."""
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT | os.O_NONBLOCK, 0o644)
    with os.fdopen(fd, "r+b") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{folder / '.lock'} is not a regular file")
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
