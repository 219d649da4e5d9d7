"""The service's small parts: the progress throttle and the latest-request slot."""

from cnnviz.service.latest_request import LatestRequest
from cnnviz.service.throttle import ProgressThrottle


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_throttle_delivers_every_item_once_in_order_at_most_once_per_interval():
    clock, delivered = Clock(), []
    throttle = ProgressThrottle(0.5, delivered.append, clock)
    throttle.add(1)  # the first goes at once
    throttle.add(2)
    clock.now += 0.2
    throttle.add(3)
    assert delivered == [(1,)] and throttle.pending == (2, 3)
    clock.now += 0.3
    throttle.add(4)
    assert delivered == [(1,), (2, 3, 4)] and throttle.pending == ()
    clock.now += 0.1
    throttle.add(5)
    throttle.flush()  # an epoch ends: what waits goes now
    throttle.flush()  # nothing waits: nothing goes
    assert delivered == [(1,), (2, 3, 4), (5,)]
    clock.now += 0.1
    throttle.add(6)  # a flush counts as a delivery for the pace
    assert delivered[-1] == (5,) and throttle.pending == (6,)


def test_a_throttle_with_no_interval_delivers_each_item():
    delivered = []
    throttle = ProgressThrottle(0.0, delivered.append, Clock())
    for item in "abc":
        throttle.add(item)
    assert delivered == [("a",), ("b",), ("c",)]


def test_the_newest_request_replaces_the_one_waiting():
    slot = LatestRequest()
    assert slot.take() is None and not slot.has_waiting()
    slot.offer("first")
    slot.offer("second")
    assert slot.has_waiting()
    assert slot.take() == "second"
    assert slot.take() is None and not slot.has_waiting()

