"""A day's Merkle root over its records' content hashes, in O(log n) memory.

Leaves are the records' `content_hash` digests (32 bytes each) in the order of the export's
files (recorded time, then claim id). With H = SHA-256 and `||` concatenation:

    leaf    = H(0x00 || content_hash)
    parent  = H(0x01 || left || right)

Each level pairs neighbours left to right; a level with an odd count promotes its last node
unchanged to the next level (never duplicated). The root is the single node left; a day without
records has no root (null). The 0x00 / 0x01 prefixes keep a leaf from passing as an inner node.

Building level by level with promotion gives the same tree as folding the perfect subtrees of the
leaf count's binary digits from the right, which is what `Merkle` does as leaves arrive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

LEAF, NODE = b"\x00", b"\x01"


def leaf(content_hash: str) -> bytes:
    return hashlib.sha256(LEAF + bytes.fromhex(content_hash)).digest()


def parent(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


class Merkle:
    """Add content hashes in order, then `root()`: hex, or None without leaves."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (height, digest) of perfect subtrees
        self.count = 0

    def add(self, content_hash: str) -> None:
        height, node = 0, leaf(content_hash)
        while self._stack and self._stack[-1][0] == height:
            node = parent(self._stack.pop()[1], node)
            height += 1
        self._stack.append((height, node))
        self.count += 1

    def root(self) -> str | None:
        if not self._stack:
            return None
        node = self._stack[-1][1]
        for _height, left in reversed(self._stack[:-1]):
            node = parent(left, node)
        return node.hex()


def root(content_hashes: Iterable[str]) -> str | None:
    tree = Merkle()
    for h in content_hashes:
        tree.add(h)
    return tree.root()
