"""Bounded memos: what a meter sends the same in every telegram, worked out once."""

from __future__ import annotations


def remember[K, V](memo: dict[K, V], key: K, value: V, limit: int) -> V:
    """Store `value` under `key` and return it; a memo holding `limit` entries is emptied
    first, so that a burst of new keys cannot make it grow and a meter's own keys come
    back after it."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
