"""Materialised paths for threads. Pure functions: no database, no HTTP."""

from __future__ import annotations

SEGMENT_WIDTH = 10
SEPARATOR = "."
# Deep enough for any real exchange; bounded so a path always fits its column.
MAX_DEPTH = 60

# The first character of a root's segment orders the roots of a space:
# pinned questions, then questions by number, then participants' own posts by date.
_PINNED_PREFIX = "0"
_QUESTION_PREFIX = "1"
_POST_PREFIX = "2"


def _segment(value: int) -> str:
    return f"{value:0{SEGMENT_WIDTH}d}"


def root_path(*, is_question: bool, number: int | None, comment_id: int) -> str:
    if is_question:
        if number is None:
            raise ValueError("a question needs a number")
        return f"{_QUESTION_PREFIX}{_segment(number)}{SEPARATOR}"
    return f"{_POST_PREFIX}{_segment(comment_id)}{SEPARATOR}"


def pinned_path(path: str, *, pinned: bool) -> str:
    """The root's path once pinned (or unpinned): only its first character changes."""
    if path[0] not in (_PINNED_PREFIX, _QUESTION_PREFIX):
        raise ValueError("only questions can be pinned")
    return (_PINNED_PREFIX if pinned else _QUESTION_PREFIX) + path[1:]


def moved_path(path: str, old_prefix: str, new_prefix: str) -> str:
    """A subtree member's path after its top moved from old_prefix to new_prefix."""
    if not path.startswith(old_prefix):
        raise ValueError("path is not in the moved subtree")
    return new_prefix + path[len(old_prefix) :]


def child_path(parent_path: str, comment_id: int) -> str:
    return f"{parent_path}{_segment(comment_id)}{SEPARATOR}"


def depth_of(path: str) -> int:
    return path.count(SEPARATOR) - 1


def is_descendant(path: str, ancestor_path: str) -> bool:
    return path != ancestor_path and path.startswith(ancestor_path)


def ancestor_paths(path: str) -> list[str]:
    """Paths of the comment itself and every comment above it, root first."""
    segments = path.split(SEPARATOR)[:-1]
    return [SEPARATOR.join(segments[: i + 1]) + SEPARATOR for i in range(len(segments))]
