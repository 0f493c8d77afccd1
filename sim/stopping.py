"""Stopping a command on SIGINT, SIGTERM or SIGHUP: clean, quick, whatever is running.

The first stop signal raises :class:`~sim.errors.Stopped` in the main thread, so the
code that cleans up after Ctrl-C (staging folders, worker pools, clusters) runs for every
signal. Further signals while that cleanup runs are absorbed: a second or third Ctrl-C
must not interrupt the cleanup halfway and leave workers or staging behind. In case the
cleanup itself hangs, a watchdog finishes the job ``GRACE_SECONDS`` later: it kills this
process's descendants, removes what :mod:`sim.io` has not published, and exits with the
signal's code.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from sim.errors import Stopped

STOP_SIGNALS = tuple(
    s
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)
GRACE_SECONDS = 8.0

_stopping: list[int] = []


def exit_code(signum: int) -> int:
    """128 + the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + int(signum)


def message(signum: int) -> str:
    """The one line printed when a command is stopped."""
    if signum == signal.SIGINT:
        return "negsim: interrupted; nothing was saved"
    name = signal.Signals(signum).name
    return f"negsim: stopped by {name}; nothing was saved"


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _stopping:
        return  # already stopping: let the cleanup finish
    begin(signum)
    raise Stopped(signum)


def begin(signum: int) -> None:
    """Start stopping without raising (for a signal held while workers start): later
    signals are absorbed and the watchdog bounds the time left."""
    if not _stopping:
        _stopping.append(signum)
        _start_watchdog(signum)


def stopped() -> bool:
    """Whether a stop signal has ended (or is ending) the command in this process."""
    return bool(_stopping)


def exit_after_stop(code: int) -> None:
    """End the process now, its cleanup done, without the interpreter's shutdown.

    Python's shutdown joins the threads of a process pool, and a worker killed while it
    was writing a result leaves half a message in the result pipe, whose other end this
    process holds: the pool's reader thread would wait for the rest forever. So the
    semaphores multiprocessing registered are released (its own exit step, without the
    joins), every descendant left is stopped, the streams flushed, and the process exits
    with ``code``.
    """
    import multiprocessing.util as mp_util

    try:
        run_finalizers = getattr(mp_util, "_run_finalizers")  # noqa: B009 - private, untyped
        run_finalizers(0)  # semaphores unlinked and unregistered; no thread joined
    except Exception:  # noqa: BLE001 - nothing may stop the exit now
        pass
    # multiprocessing's resource tracker, a child, would warn on stderr about any name
    # whose release it had not yet heard of when this process went: the names are
    # released above, so it is stopped with the other descendants
    kill_descendants()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(code)


def handles(handler: object) -> bool:
    """Whether ``handler`` is this module's stop handler."""
    return handler is _on_signal


def install() -> None:
    """Handle the stop signals in this (main) thread; a no-op elsewhere."""
    if threading.current_thread() is not threading.main_thread():
        return
    _stopping.clear()
    for s in STOP_SIGNALS:
        if signal.getsignal(s) is not signal.SIG_IGN:  # nohup's SIGHUP stays ignored
            signal.signal(s, _on_signal)


def restore() -> None:
    """Python's defaults again (for in-process callers such as the tests). After a stop,
    the stop signals stay absorbed instead: the process is about to exit, and a late
    Ctrl-C must not kill it by the signal after it has cleaned up and said so."""
    if threading.current_thread() is not threading.main_thread():
        return
    if _stopping:
        cancel_watchdog()
        for s in STOP_SIGNALS:
            if signal.getsignal(s) is _on_signal:
                signal.signal(s, signal.SIG_IGN)
        return
    for s in STOP_SIGNALS:
        if signal.getsignal(s) is _on_signal:
            signal.signal(s, signal.default_int_handler if s == signal.SIGINT else signal.SIG_DFL)


def descendants() -> list[int]:
    """Process ids of this process's descendants (from /proc; empty where there is none)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_descendants(sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to every descendant of this process (workers, their workers)."""
    for pid in descendants():
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def _start_watchdog(signum: int) -> None:
    def finish() -> None:
        from sim import io

        kill_descendants()
        io.release_all()
        try:
            print(message(signum), file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass
        os._exit(exit_code(signum))

    timer = threading.Timer(GRACE_SECONDS, finish)
    timer.daemon = True
    timer.start()
    _watchdogs.append(timer)


_watchdogs: list[threading.Timer] = []


def cancel_watchdog() -> None:
    """The cleanup finished in time: no need for the watchdog."""
    while _watchdogs:
        _watchdogs.pop().cancel()
