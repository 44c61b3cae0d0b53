"""One session, many threads calling run at once (run releases the GIL)."""
import threading
import time

import numpy as np

import onyx
from conftest import SQUEEZENET, add_model, long_loop_model


def test_threads_run_one_session_at_once():
    sess = onyx.InferenceSession(add_model())
    n_threads, n_runs = 8, 50
    failures = []
    start = threading.Barrier(n_threads)

    def worker(k):
        try:
            start.wait()
            for i in range(n_runs):
                a = np.full((k + 1, 3), float(k * 1000 + i), np.float32)
                (c,) = sess.run(None, {"A": a})
                if c.shape != (k + 1, 3) or not np.array_equal(c, a + [10, 20, 30]):
                    failures.append((k, i, c))
        except Exception as e:  # reported below, with the thread that saw it
            failures.append((k, e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_threads_on_a_real_model_agree():
    opts = onyx.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = onyx.InferenceSession(str(SQUEEZENET), sess_options=opts)
    rng = np.random.default_rng(7)
    xs = [rng.random((1, 3, 224, 224), dtype=np.float32) for _ in range(3)]
    want = [sess.run(None, {"input": x})[0] for x in xs]
    got = [None] * 6

    def worker(k):
        got[k] = sess.run(None, {"input": xs[k % 3]})[0]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(6):
        np.testing.assert_array_equal(got[k], want[k % 3])


def test_run_releases_the_gil_and_can_be_terminated_while_running():
    # The worker runs a loop of 10^8 steps (minutes). This thread must run Python code
    # (return from sleep, set terminate) while that run is going on: that is
    # only possible because run released the GIL. Had it kept it, the run
    # would go on for many minutes and the join below would time out.
    sess = onyx.InferenceSession(long_loop_model())
    ro = onyx.RunOptions()
    started = threading.Event()
    outcome = []

    def worker():
        started.set()
        try:
            outcome.append(sess.run(None, {"V0": np.float32(0)}, ro))
        except onyx.Fail as e:
            outcome.append(e)

    t = threading.Thread(target=worker, daemon=True)
    t.start()
    started.wait()
    time.sleep(0.3)  # lets the worker get into run (ordering only; nothing is timed)
    ro.terminate = True
    t.join(120)
    assert not t.is_alive(), "the run did not stop"
    assert len(outcome) == 1 and isinstance(outcome[0], onyx.Fail), outcome
    ro.terminate = False
    small = onyx.InferenceSession(long_loop_model(trip_count=5))
    (v,) = small.run(None, {"V0": np.float32(1)}, ro)
    assert v == 6
