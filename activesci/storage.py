"""A persistent store for long runs: SQLite through the standard library, one file per run.

Every completed evaluation is one row, committed when it completes, so a crash (even SIGKILL)
loses nothing that finished; the database runs in write-ahead-log mode so readers (a notebook
watching a running campaign) can query it while a writer works. A run records a fingerprint of
its configuration: resuming a store with a different problem is refused.

Examples
--------
>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "run.sqlite")
>>> with RunStore(path, config={"problem": "demo"}) as store:
...     store.put_evaluation("step0", 0, {"phi": 1.0}, value=0.5)
>>> with RunStore(path, config={"problem": "demo"}) as store:
...     [row["value"] for row in store.evaluations("step0")]
[0.5]
"""
from __future__ import annotations

import hashlib
import json
import os
import functools
import sqlite3
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

__all__ = ["RunStore", "StoreMismatchError", "DuplicateEvaluationError", "fingerprint"]


class StoreMismatchError(ValueError):
    """The store on disk belongs to a different problem than the one being resumed."""


class DuplicateEvaluationError(ValueError):
    """An evaluation (group, task) is already in the store: evaluations are never repeated."""


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    return obj


def dumps(obj: Any) -> str:
    """JSON with NumPy values converted and non-finite floats kept (as JSON's NaN/Infinity)."""
    return json.dumps(_jsonable(obj), sort_keys=True)


def fingerprint(config: Dict[str, Any]) -> str:
    """A stable hash of a configuration (keys sorted, NumPy converted)."""
    return hashlib.sha256(dumps(config).encode()).hexdigest()[:16]


def _locked(method):
    """Serialize access to the connection (a store may be shared by threads) and refuse use
    after close()."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            if self._db is None:
                raise ValueError(f"the run store {self.path} is closed; open a new RunStore")
            return method(self, *args, **kwargs)
    return wrapper


class RunStore:
    """One SQLite file holding a run's configuration, evaluations and named records.

    Parameters
    ----------
    path : str or PathLike
        The database file (created if absent).
    config : dict, optional
        The run's configuration. A new store records it; an existing store must have been
        created with the same configuration (same fingerprint), else
        :class:`StoreMismatchError`.
    readonly : bool, default=False
        Open for reading only (a watcher while another process writes).

    Notes
    -----
    One writer process at a time (the driver of a run); any number of readers, in other
    processes too. The object may be shared between threads (access is serialized).
    """

    def __init__(self, path, config: Optional[Dict[str, Any]] = None, readonly: bool = False):
        self.path = os.fspath(path)
        self._lock = threading.RLock()
        if readonly:
            if not os.path.exists(self.path):
                raise FileNotFoundError(f"no run store at {self.path}")
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30,
                                       check_same_thread=False)
        else:
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                CREATE TABLE IF NOT EXISTS evaluations (
                    grp TEXT NOT NULL, task INTEGER NOT NULL, x TEXT, value REAL,
                    extra TEXT, status TEXT NOT NULL DEFAULT 'ok', error TEXT,
                    attempts INTEGER NOT NULL DEFAULT 1, started REAL, finished REAL,
                    PRIMARY KEY (grp, task));
                CREATE TABLE IF NOT EXISTS records (
                    key TEXT PRIMARY KEY, value TEXT NOT NULL, written REAL);
                """)
            self._db.commit()
        self._db.row_factory = sqlite3.Row
        if config is not None and not readonly:
            self._check_config(config)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @_locked
    def _check_config(self, config: Dict[str, Any]) -> None:
        fp = fingerprint(config)
        row = self._db.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
        if row is None:
            with self._db:
                self._db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fp,))
                self._db.execute("INSERT INTO meta VALUES ('config', ?)", (dumps(config),))
                self._db.execute("INSERT INTO meta VALUES ('created', ?)", (str(time.time()),))
        elif row["value"] != fp:
            stored = self._db.execute("SELECT value FROM meta WHERE key='config'").fetchone()
            raise StoreMismatchError(
                f"the store {self.path} belongs to another run (config {stored['value']}); "
                "use a new path, or the same configuration to resume")

    @property
    @_locked
    def config(self) -> Dict[str, Any]:
        row = self._db.execute("SELECT value FROM meta WHERE key='config'").fetchone()
        return json.loads(row["value"]) if row else {}

    # ------------------------------------------------------------------ evaluations
    @_locked
    def put_evaluation(self, group: str, task: int, x: Any, value: Optional[float] = None,
                       extra: Any = None, status: str = "ok", error: Optional[str] = None,
                       attempts: int = 1, started: Optional[float] = None) -> None:
        """Record one completed (or failed) evaluation; committed before returning. Storing the
        same (group, task) twice is an error: no evaluation is ever repeated."""
        if status not in ("ok", "failed"):
            raise ValueError(f"status must be 'ok' or 'failed', got {status!r}")
        now = time.time()
        try:
            with self._db:
                self._db.execute(
                    "INSERT INTO evaluations VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (str(group), int(task), dumps(x), None if value is None else float(value),
                     dumps(extra), status, error, int(attempts),
                     now if started is None else float(started), now))
        except sqlite3.IntegrityError:
            raise DuplicateEvaluationError(
                f"evaluation {task} of group {group!r} is already stored in {self.path}; "
                "read it back with evaluations() instead of evaluating it again") from None

    @_locked
    def evaluations(self, group: Optional[str] = None) -> List[Dict[str, Any]]:
        """Stored evaluations (of one group) in task order, JSON fields decoded."""
        if group is None:
            rows = self._db.execute("SELECT * FROM evaluations ORDER BY grp, task").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM evaluations WHERE grp=? ORDER BY task",
                                    (group,)).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["x"] = json.loads(d["x"]) if d["x"] is not None else None
            d["extra"] = json.loads(d["extra"]) if d["extra"] is not None else None
            out.append(d)
        return out

    @_locked
    def done(self, group: str) -> Dict[int, str]:
        """``{task: status}`` of the evaluations stored for ``group``."""
        rows = self._db.execute("SELECT task, status FROM evaluations WHERE grp=?",
                                (group,)).fetchall()
        return {r["task"]: r["status"] for r in rows}

    @_locked
    def groups(self) -> List[str]:
        """Names of the evaluation groups, sorted."""
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT grp FROM evaluations ORDER BY grp").fetchall()]

    @_locked
    def count(self, group: Optional[str] = None) -> int:
        if group is None:
            return self._db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM evaluations WHERE grp=?",
                                (group,)).fetchone()[0]

    # ------------------------------------------------------------------ records
    @_locked
    def put(self, key: str, value: Any) -> None:
        """Store (or replace) a named JSON record, committed before returning."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO records VALUES (?,?,?)",
                             (key, dumps(value), time.time()))

    @_locked
    def put_many(self, items: Dict[str, Any]) -> None:
        """Store several named records in one transaction: all of them or none survive a
        crash."""
        now = time.time()
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?,?,?)",
                                 [(k, dumps(v), now) for k, v in items.items()])

    @_locked
    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM records WHERE key=?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    @_locked
    def keys(self, prefix: str = "") -> Iterator[str]:
        rows = self._db.execute("SELECT key FROM records WHERE substr(key, 1, ?) = ? "
                                "ORDER BY key", (len(prefix), prefix)).fetchall()
        return (r["key"] for r in rows)

    def __repr__(self) -> str:
        if self._db is None:
            return f"<RunStore {self.path}: closed>"
        return f"<RunStore {self.path}: {self.count()} evaluations>"
