"""Run a batch: read every file (in parallel), combine, score and benchmark.

Files are read in a process pool because validation is CPU-bound Python. At most a
few files per worker are in flight, and each finished file is reduced to its ``files``
row and its packed tidy rows, which wait in the ``Spool`` (on disk) until its agency is
scored. Each agency's returns are then merged and scored in the same pool, and reduced
there to its rows of the tables (CSV-encoded when the batch writes CSV) and its figures
as compact arrays; these, with the agency's facts and scores, wait in the spool too.
The agencies are then benchmarked a few indicators at a time, in the pool as well. So
the main process holds a few dozen bytes per file and agency besides each file's
``files`` row, makes no large frame, and its memory stays flat however many files there
are. Everything the outputs show is sorted, so the result does not depend on the number
of jobs or on which file finished first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from cipms_cli.batch import benchmark
from cipms_cli.batch.agency_rows import AgencyFacts, AgencyRows
from cipms_cli.batch.benchmarked import benchmark_frame
from cipms_cli.batch.combine import BatchProblem, Combiner
from cipms_cli.batch.observations import ObservationTable
from cipms_cli.batch.parts import PartedTable
from cipms_cli.batch.returns import (
    FileReturn,
    FileStatus,
    FileSummary,
    read_return,
    unreadable,
)
from cipms_cli.batch.scored import AgencyScore, score_agency
from cipms_cli.batch.spool import Spool, SpooledList, SpooledMap
from cipms_cli.problems import Severity

T = TypeVar("T")
R = TypeVar("R")

_END: Any = object()
IN_FLIGHT_PER_JOB = 4  # enough queued work to keep workers busy, few results held at once
FILES_PER_TASK = 4  # at most; each task sent to the pool costs the main process as a file


def default_jobs() -> int:
    """The cores this process may run on (respects taskset and container CPU sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class BatchResult:
    files: list[FileSummary]  # sorted by path
    spool: Spool = field(default_factory=Spool)  # where returns, facts and rows wait
    agencies: SpooledList[AgencyFacts] = field(init=False)  # sorted by id
    scores: SpooledMap[AgencyScore] = field(init=False)
    # each agency's results and scores rows, by id, in the order of ``agencies``
    rows: dict[str, AgencyRows] = field(default_factory=dict)
    agency_benchmarks: PartedTable = field(init=False)
    as_of: dict[str, dt.date | None] = field(default_factory=dict)
    problems: list[BatchProblem] = field(default_factory=list)
    # per agency: its indicators outside the funnel limits, favourably and unfavourably
    funnel: dict[str, tuple[int, int]] = field(default_factory=dict)
    period_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    rollups: pd.DataFrame = field(default_factory=pd.DataFrame)
    as_of_text: str | None = None
    encoded_csv: bool = False  # the per-agency tables as CSV lines, not records

    def __post_init__(self) -> None:
        self.agencies = SpooledList(self.spool)
        self.scores = SpooledMap(self.spool)
        self.agency_benchmarks = PartedTable(self.spool, self.encoded_csv)

    def count(self, status: FileStatus) -> int:
        return sum(f.status is status for f in self.files)

    @property
    def all_ok(self) -> bool:
        """Every file valid and no conflicting returns (warnings allowed)."""
        return all(f.status is FileStatus.OK for f in self.files) and not any(
            p.severity is Severity.ERROR for p in self.problems
        )


def run_batch(
    paths: Sequence[str],
    *,
    jobs: int,
    as_of: str | None = None,
    on_file: Callable[[FileReturn], None] | None = None,
    analyse: bool = True,
    encode_csv: bool = False,
) -> BatchResult:
    """Read ``paths``; ``on_file`` sees each FileReturn as soon as it is read, packed
    (``FileReturn.unpacked`` gives its figures, for a caller that needs them).

    With ``analyse=False`` only the files are read and combined (for merge problems):
    no scoring or benchmarks, for a caller that streams per-file lines only. With
    ``encode_csv`` each agency's results and scores rows come as CSV lines, for a
    caller that writes CSV (tables.csv_table), and not as records.
    """
    result = BatchResult([], as_of_text=as_of, encoded_csv=encode_csv)
    combiner = Combiner(result.spool)
    with Workers(jobs if len(paths) > 1 else 1) as workers:
        for ret in workers.read(paths):
            if on_file is not None:
                on_file(ret)
            combiner.add(ret)
            result.files.append(ret.summary())
        result.files.sort(key=lambda f: f.path)
        if not analyse:
            combined, result.problems = combiner.finish()
            for agency in combined:
                result.agencies.append(AgencyFacts.of(agency))
            return result
        observations = _score_all(result, combiner, workers, encode_csv)
        _benchmark(result, observations, workers)
    return result


def _score_all(
    result: BatchResult, combiner: Combiner, workers: Workers, encode_csv: bool
) -> ObservationTable:
    """Each agency merged and scored by a worker, a few agencies in flight at once."""
    pending, result.problems = combiner.hand_over()
    tasks = ((combiner.returns_of(i), result.as_of_text, encode_csv) for i in pending)
    observations = ObservationTable(result.spool)
    scored_agencies = workers.in_order(score_agency, tasks)
    for agency_id, scored in zip(pending, scored_agencies, strict=True):
        combiner.release(agency_id)  # sent and answered: free its returns
        agency = scored.agency
        scored.rows.spill(result.spool)
        result.agencies.append(agency)
        result.problems.extend(scored.problems)
        result.as_of[agency.agency_id] = scored.as_of
        result.rows[agency.agency_id] = scored.rows
        observations.add(scored.observations)
        if scored.score is not None:
            result.scores[agency.agency_id] = scored.score
        else:
            result.problems.append(_scoring_failed(agency, scored.failure))
    return observations


def _benchmark(result: BatchResult, observations: ObservationTable, workers: Workers) -> None:
    """Benchmark the agencies a few indicators at a time (``BENCHMARK_ROWS`` figures), in
    the workers, so that the frames made on the way stay the same size however many
    returns there are, and are not the main process's. The agency benchmarks wait in the
    spool, a part at a time."""
    tasks = ((part, result.encoded_csv) for part in observations.frames(BENCHMARK_ROWS))
    summaries, rollups = [], []
    for done in workers.in_order(benchmark_frame, tasks, BENCHMARK_TASKS_PER_JOB):
        result.problems.extend(done.problems)
        summaries.append(done.period_summary)
        rollups.append(done.rollups)
        for agency_id, (better, worse) in done.funnel.items():
            before = result.funnel.get(agency_id, (0, 0))
            result.funnel[agency_id] = (before[0] + better, before[1] + worse)
        result.agency_benchmarks.add(done.agency_benchmarks)
    result.problems.sort(key=BatchProblem.sort_key)
    result.period_summary = _joined(summaries)  # frames come by indicator id, as it sorts
    result.rollups = _joined(rollups, ["dimension", "group", *benchmark.PERIOD_KEYS])


BENCHMARK_ROWS = 10_000
BENCHMARK_TASKS_PER_JOB = 2  # each holds up to BENCHMARK_ROWS figures, then their rows


def _joined(frames: list[pd.DataFrame], order: list[str] | None = None) -> pd.DataFrame:
    """The frames made a frame at a time, as one frame of all of them would have been."""
    if len(frames) == 1:
        return frames[0]
    joined = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    if order is not None:
        joined = joined.sort_values(order, kind="stable", ignore_index=True)
    return joined


def _scoring_failed(agency: AgencyFacts, failure: str | None) -> BatchProblem:
    return BatchProblem(
        Severity.ERROR,
        "scoring-failed",
        f"agency {agency.agency_id} could not be scored ({failure}); its figures are still "
        "in the results and benchmarks",
        agency.agency_id,
        files=tuple(agency.files),
    )


# --- the process pool --------------------------------------------------------


class Workers:
    """Reads files and scores agencies, in a process pool when ``jobs`` > 1.

    The pool is started once and used for both steps (starting one costs as much as
    reading several files).
    """

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None
        self._interrupts = _Interrupts()

    def __enter__(self) -> Workers:
        if self.jobs > 1:
            self._interrupts.install()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._shutdown()
        finally:
            self._interrupts.restore()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, initializer=_ignore_interrupts)
        return self._pool

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def read(self, paths: Sequence[str]) -> Iterator[FileReturn]:
        """Each path's FileReturn, in the order they finish."""
        if self.jobs <= 1:
            for path in paths:
                yield _read(path)
            return
        yield from self._read_in_pool(paths)

    def in_order(
        self, function: Callable[[T], R], tasks: Iterable[T], per_job: int = IN_FLIGHT_PER_JOB
    ) -> Iterator[R]:
        """``function`` of each task, in order. ``tasks`` may make each task as it is
        asked for: only those in flight (``per_job`` per worker) are held."""
        queue = iter(tasks)
        if self.jobs <= 1:
            yield from map(function, queue)
            return
        in_flight: deque[list[Any]] = deque()  # [task, its future], oldest first
        try:
            yield from self._in_pool(function, queue, in_flight, self.jobs * per_job)
        except BrokenProcessPool:
            self._interrupts.check()
            self._shutdown()  # a worker died; do the rest here instead
            yield from (function(task) for task, _ in in_flight)
            yield from map(function, queue)

    def _in_pool(
        self,
        function: Callable[[T], R],
        queue: Iterator[T],
        in_flight: deque[list[Any]],
        limit: int,
    ) -> Iterator[R]:
        """At most ``limit`` tasks in flight, so that memory does not grow with the tasks."""
        pool = self._executor()
        while True:
            while len(in_flight) < limit and (task := next(queue, _END)) is not _END:
                entry = [task, None]
                in_flight.append(entry)  # first, so that a failed submit keeps the task
                with self._interrupts.held():  # submitting may fork a worker
                    entry[1] = pool.submit(function, task)
            if not in_flight:
                return
            outcome = in_flight[0][1].result()
            in_flight.popleft()
            yield outcome

    def _read_in_pool(self, paths: Sequence[str]) -> Iterator[FileReturn]:
        size = max(1, min(FILES_PER_TASK, len(paths) // (self.jobs * IN_FLIGHT_PER_JOB)))
        queue = iter([list(paths[i : i + size]) for i in range(0, len(paths), size)])
        pending: dict[Future[list[FileReturn]], list[str]] = {}
        crashed: list[str] = []
        limit = self.jobs * IN_FLIGHT_PER_JOB
        try:
            self._top_up(queue, pending, limit)
            while pending and not crashed:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: pending[f]):
                    task = pending.pop(future)
                    try:
                        yield from future.result()
                    except BrokenProcessPool:
                        self._interrupts.check()  # a worker killed by Ctrl-C is no crash
                        crashed.extend(task)
                if not crashed:
                    self._top_up(queue, pending, limit)
        except BaseException:
            self._shutdown()
            raise
        if crashed:
            # A worker died (a crash in a native reader, or killed for memory) and took
            # the pool with it. Read the files it held one at a time in isolation, so
            # only a file that kills the reader is lost, then go on with a fresh pool.
            self._shutdown()
            for path in [*crashed, *(p for task in pending.values() for p in task)]:
                yield _read_isolated(path)
            yield from self._read_in_pool([p for task in queue for p in task])

    def _top_up(
        self,
        queue: Iterator[list[str]],
        pending: dict[Future[list[FileReturn]], list[str]],
        limit: int,
    ) -> None:
        while len(pending) < limit:
            task = next(queue, None)
            if task is None:
                return
            with self._interrupts.held():
                pending[self._executor().submit(_read_all, task)] = task


def _read(path: str) -> FileReturn:
    """A return read and packed where it was read: only bytes cross to the main process."""
    return read_return(path).packed()


def _read_all(paths: list[str]) -> list[FileReturn]:
    return [_read(path) for path in paths]


def _read_isolated(path: str) -> FileReturn:
    with ProcessPoolExecutor(max_workers=1) as solo:
        try:
            return solo.submit(_read, path).result()
        except BrokenProcessPool:
            return unreadable(
                path,
                "reader-crashed",
                "the spreadsheet reader crashed on this file; re-save it in Excel or "
                "LibreOffice, or send it to the cipms developers",
            )


class _Interrupts:
    """Ctrl-C handling around a fork-based pool.

    A SIGINT that arrives while the pool forks can be raised inside Python's at-fork
    hooks, where it is printed and swallowed, and it can kill a child before the child
    has ignored SIGINT. So while submitting (which is when workers are forked) SIGINT
    is blocked on this thread, and children are born with it blocked; and every
    SIGINT is remembered, so one swallowed anyway is raised again by ``check``.
    """

    def __init__(self) -> None:
        self.seen = False
        self._previous: Any = None

    def install(self) -> None:
        self._previous = signal.signal(signal.SIGINT, self._handle)

    def restore(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handle(self, signum: int, frame: Any) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        self.check()


def _ignore_interrupts() -> None:
    # Ctrl-C reaches every process in the terminal's group; only the parent handles it,
    # so workers do not each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
