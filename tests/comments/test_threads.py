from __future__ import annotations

from app.comments import threads


def test_paths_sort_in_thread_order() -> None:
    q1 = threads.root_path(is_question=True, number=1, comment_id=500)
    q2 = threads.root_path(is_question=True, number=2, comment_id=3)
    post = threads.root_path(is_question=False, number=None, comment_id=2)
    reply = threads.child_path(q1, 900)
    reply_to_reply = threads.child_path(reply, 901)
    later_reply = threads.child_path(q1, 1000)
    ordered = [q1, reply, reply_to_reply, later_reply, q2, post]
    assert sorted(ordered) == ordered
    assert [threads.depth_of(p) for p in ordered] == [0, 1, 2, 1, 0, 0]
    assert threads.is_descendant(reply_to_reply, q1)
    assert not threads.is_descendant(q2, q1)


def test_ids_with_more_digits_still_sort_numerically() -> None:
    root = threads.root_path(is_question=False, number=None, comment_id=1)
    assert threads.child_path(root, 9) < threads.child_path(root, 10)
    assert threads.child_path(root, 99_999) < threads.child_path(root, 100_000)


def test_deepest_path_fits_the_column() -> None:
    path = threads.root_path(is_question=False, number=None, comment_id=2**31)
    for _ in range(threads.MAX_DEPTH):
        path = threads.child_path(path, 2**31)
    assert len(path) <= 1000
