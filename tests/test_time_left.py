"""The one time-left estimate: silent while settling, right on a steady job, counts to zero only at the end."""

from sesr_core.time_left import TimeLeft, describe_time_left, format_clock


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_steady_job_is_estimated_from_its_own_rate_after_settling():
    clock = Clock()
    left = TimeLeft(settle_seconds=2.0, settle_fraction=0.02, clock=clock)
    clock.now += 1.0
    assert left.update(5, 100) is None  # too early
    clock.now += 2.0  # a slow start (model loading) must not count
    assert left.update(10, 100) is None  # settles here
    for _ in range(8):
        clock.now += 1.0
        estimate = left.update(10 + 10 * (clock.now - 103.0), 100)
    assert abs(estimate - 1.0) < 1e-6  # 90 done at 10 units/s: 1 s left
    assert left.update(100, 100) == 0.0


def test_an_unknown_total_has_no_estimate_and_the_words_say_so():
    left = TimeLeft(clock=Clock())
    assert left.update(3, 0) is None
    assert describe_time_left(None) == "estimating…"
    assert describe_time_left(0.2) == "finishing…"
    assert describe_time_left(65.2) == "about 1:06 left"
    assert format_clock(3723) == "1:02:03"
