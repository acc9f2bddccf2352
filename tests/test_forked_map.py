"""The forked ordered map behind the engine's batches: order, overflow, errors, dead workers, backpressure."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from triage.engine.batch import SLOTS_PER_WORKER, WorkerStopped, forked_map
from triage.facts import FactsError


def _text(view: memoryview) -> str:
    return str(view, "utf-8")


def _payload(i: int) -> bytes:
    # Sizes vary from a few bytes to ~6 KB, so chunks fill their slots unevenly.
    return f"{i}:".encode() + b"x" * (i * 37 % 6000)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A batch that waits for ever fails the test instead of stalling the suite."""

    def fail(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("forked_map did not finish within 60 s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)
    assert not multiprocessing.active_children(), "workers left running"


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_results_come_back_whole_and_in_input_order(processes: int) -> None:
    items = list(range(3000))  # many more chunks than slots, so every slot is reused
    out = list(forked_map(_payload, items, _text, processes, chunk_size=50))
    assert out == [_payload(i).decode() for i in items]


def test_results_that_overflow_a_slot_come_back_through_the_pipe() -> None:
    items = list(range(400))
    out = list(forked_map(_payload, items, _text, 2, chunk_size=40, slot_bytes=8192))
    assert out == [_payload(i).decode() for i in items]


def test_a_generator_is_read_a_chunk_at_a_time_and_its_items_pickled_to_the_workers() -> None:
    read = []

    def items() -> Iterator[int]:
        for i in range(1000):
            read.append(i)
            yield i

    parent = os.getpid()

    def work(i: int) -> bytes:
        return b"%d %d" % (i, os.getpid())

    out = forked_map(work, items(), _text, 2, chunk_size=30)
    first = next(out)
    assert len(read) < 1000, "the whole input was read before the first result"
    results = [first, *out]
    assert [int(r.split()[0]) for r in results] == list(range(1000))
    assert parent not in {int(r.split()[1]) for r in results}, "worked in the workers"


def test_generator_chunks_too_big_for_a_slot_are_halved_and_a_huge_item_is_worked_here() -> None:
    parent = os.getpid()
    sizes = [100, 3000, 100, 20_000, 100, 100, 2500, 2500, 100]  # slot is 8 KB

    def work(blob: bytes) -> bytes:
        where = b"here" if os.getpid() == parent else b"worker"
        return b"%d " % len(blob) + where

    out = list(forked_map(work, (b"y" * n for n in sizes), _text, 2, chunk_size=4, slot_bytes=8192))
    assert [o.split()[0] for o in out] == [str(n) for n in sizes]
    assert out[3] == "20000 here"
    assert {o for i, o in enumerate(out) if i != 3} <= {f"{n} worker" for n in sizes}


def test_an_error_is_raised_when_its_turn_comes_naming_the_item() -> None:
    def work(i: int) -> bytes:
        if i == 777:
            raise ValueError("bad item")
        return b"%d" % i

    got = []
    with pytest.raises(ValueError, match="bad item") as caught:
        for text in forked_map(work, range(2000), _text, 2, chunk_size=100):
            got.append(int(text))
    assert got == list(range(777)), "every result before it, in order"
    assert "while working batch item 777" in caught.value.__notes__


def test_an_error_that_cannot_be_pickled_arrives_as_its_message() -> None:
    class Local(Exception):  # defined in a function: pickle cannot find it
        pass

    def work(i: int) -> bytes:
        if i == 5:
            raise Local("cannot travel")
        return b"ok"

    with pytest.raises(RuntimeError, match="Local: cannot travel") as caught:
        list(forked_map(work, list(range(100)), _text, 2, chunk_size=10))
    assert "while working batch item 5" in caught.value.__notes__


def test_a_worker_that_dies_stops_the_batch_with_its_exit_code() -> None:
    def work(i: int) -> bytes:
        if i == 1234:
            os._exit(7)
        return b"ok"

    with pytest.raises(WorkerStopped, match=r"exit code 7\) with items from 1200 unfinished"):
        list(forked_map(work, list(range(3000)), _text, 2, chunk_size=100))


def test_closing_early_stops_the_workers() -> None:
    out = forked_map(_payload, list(range(100_000)), _text, 2, chunk_size=100)
    next(out)
    assert len(multiprocessing.active_children()) == 2
    out.close()
    assert not multiprocessing.active_children()


def test_a_consumer_that_stops_reading_holds_the_workers_back() -> None:
    worked = multiprocessing.Value("i", 0)

    def work(i: int) -> bytes:
        with worked.get_lock():
            worked.value += 1
        return b"%d" % i

    out = forked_map(work, list(range(50_000)), _text, 2, chunk_size=100)
    next(out)
    before = -1
    while before != worked.value:  # until the workers stop
        before = worked.value
        time.sleep(0.2)
    # Each worker holds at most its slots' worth: nothing piles up unread.
    assert worked.value <= (2 * SLOTS_PER_WORKER + 1) * 100  # + the chunk already read
    assert [int(t) for t in out] == list(range(1, 50_000))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="processes must be at least 1"):
        next(forked_map(_payload, [1], _text, 0, chunk_size=10))
    with pytest.raises(ValueError, match=r"chunk_size must be .* at least 1"):
        next(forked_map(_payload, [1], _text, 2, chunk_size=0))


def test_facts_errors_pickle_with_their_problems_and_notes() -> None:
    # What lets a worker hand one back (the engine's batch test does so end to end).
    err = FactsError([("person.age", "must be at least 0")], "case 3")
    err.add_note("while working batch item 3")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is FactsError
    assert back.problems == err.problems and str(back) == str(err)
    assert back.__notes__ == ["while working batch item 3"]


def test_a_failing_input_raises_in_its_turn_after_every_result_before_it() -> None:
    def items() -> Iterator[int]:
        for i in range(2000):
            if i == 500:
                raise OSError("input line 500 unreadable")
            yield i

    got = []
    with pytest.raises(OSError, match="unreadable") as caught:
        for text in forked_map(_payload, items(), _text, 2, chunk_size=60):
            got.append(text)
    assert got == [_payload(i).decode() for i in range(500)]
    assert "while reading batch item 500" in caught.value.__notes__


def test_an_item_that_cannot_be_pickled_is_named_after_every_result_before_it() -> None:
    unpicklable = threading.Lock()
    items = (i if i != 130 else unpicklable for i in range(400))
    got = []
    with pytest.raises(Exception, match="pickle") as caught:
        for text in forked_map(lambda i: b"%d" % i, items, _text, 2, chunk_size=50):
            got.append(text)
    assert got == [str(i) for i in range(130)], "every result before it"
    assert "while handing batch item 130 to a worker" in caught.value.__notes__


def test_a_function_that_does_not_return_bytes_is_a_type_error_not_a_dead_worker() -> None:
    with pytest.raises(TypeError, match="returned str, not bytes") as caught:
        list(forked_map(lambda i: str(i), list(range(100)), _text, 2, chunk_size=10))  # type: ignore[arg-type, return-value]
    assert "while working batch item 0" in caught.value.__notes__


def test_an_error_in_decode_is_raised_as_itself() -> None:
    def decode(view: memoryview) -> str:
        raise UnicodeError("cannot decode")

    with pytest.raises(UnicodeError, match="cannot decode"):
        list(forked_map(_payload, list(range(100)), decode, 2, chunk_size=10))


def test_closing_early_stops_workers_even_under_a_sigterm_handler_that_only_sets_a_flag() -> None:
    # A web server's handler: workers inherit it, and must not let it keep them alive.
    flagged = []
    old = signal.signal(signal.SIGTERM, lambda signum, frame: flagged.append(signum))
    try:
        out = forked_map(_payload, list(range(100_000)), _text, 2, chunk_size=100)
        next(out)
        out.close()
    finally:
        signal.signal(signal.SIGTERM, old)
    assert not multiprocessing.active_children()
    assert not flagged, "the parent was not signalled"


def test_workers_exit_when_the_parent_is_killed() -> None:
    code = (
        "import multiprocessing, os, signal\n"
        "from triage.engine.batch import forked_map\n"
        "out = forked_map(lambda i: b'x', list(range(10**6)), bytes, 2, chunk_size=10)\n"
        "next(out)\n"
        "print(*(p.pid for p in multiprocessing.active_children()), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                         cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert run.returncode == -signal.SIGKILL, run.stderr
    pids = [int(p) for p in run.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 20
    while (alive := [p for p in pids if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive, "orphaned workers kept running"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has exited; in a container nobody may reap it


@pytest.mark.parametrize("processes", [1, 4])
def test_empty_and_short_inputs(processes: int) -> None:
    assert list(forked_map(_payload, [], _text, processes, chunk_size=10)) == []
    assert list(forked_map(_payload, iter([]), _text, processes, chunk_size=10)) == []
    assert list(forked_map(_payload, iter([1, 2, 3]), _text, processes, chunk_size=1)) == [
        _payload(i).decode() for i in (1, 2, 3)
    ]


def test_generator_input_whose_results_overflow_their_slots() -> None:
    out = list(forked_map(_payload, iter(range(300)), _text, 2, chunk_size=25, slot_bytes=8192))
    assert out == [_payload(i).decode() for i in range(300)]


def test_map_ordered_runs_any_picklable_result_in_workers_in_order() -> None:
    import os

    from triage.engine.batch import map_ordered

    here = os.getpid()
    got = list(map_ordered(lambda x: (x, x * x, os.getpid()), list(range(2_000)), processes=2, chunk_size=100))
    assert [(x, sq) for x, sq, _ in got] == [(x, x * x) for x in range(2_000)]
    assert here not in {pid for _, _, pid in got}  # worked in the forked workers, not here
    assert list(map_ordered(str, [1, 2], processes=2)) == ["1", "2"]  # too few to fork: runs here
