from __future__ import annotations

from app.comments import threading


def test_paths_sort_in_thread_order() -> None:
    q1 = threading.root_path(is_question=True, number=1, comment_id=500)
    q2 = threading.root_path(is_question=True, number=2, comment_id=3)
    post = threading.root_path(is_question=False, number=None, comment_id=2)
    reply = threading.child_path(q1, 900)
    reply_to_reply = threading.child_path(reply, 901)
    later_reply = threading.child_path(q1, 1000)
    ordered = [q1, reply, reply_to_reply, later_reply, q2, post]
    assert sorted(ordered) == ordered
    assert [threading.depth_of(p) for p in ordered] == [0, 1, 2, 1, 0, 0]
    assert threading.is_descendant(reply_to_reply, q1)
    assert not threading.is_descendant(q2, q1)


def test_ids_with_more_digits_still_sort_numerically() -> None:
    root = threading.root_path(is_question=False, number=None, comment_id=1)
    assert threading.child_path(root, 9) < threading.child_path(root, 10)
    assert threading.child_path(root, 99_999) < threading.child_path(root, 100_000)


def test_deepest_path_fits_the_column() -> None:
    path = threading.root_path(is_question=False, number=None, comment_id=2**31)
    for _ in range(threading.MAX_DEPTH):
        path = threading.child_path(path, 2**31)
    assert len(path) <= 1000
