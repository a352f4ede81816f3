"""A compact index of text keys, so that 50,000 people can be matched and de-duplicated in flat memory.

The roster import de-duplicates by email with it, attendance matching finds
a roster position by email with it, and the stored attendance finds a
line of its file by key with it. It knows nothing of people, only of keys
and whole numbers, hence a module of its own.
"""

from __future__ import annotations

from array import array


class KeyIndex:
    """Text keys, each with a whole number, found exactly; a few dozen bytes a key, no object per key.

    A dict of 50,000 email addresses holds 50,000 string and int objects
    (about 7 MB); this keeps the keys' UTF-8 bytes end to end in one
    bytearray and their hashes, numbers and an open-addressing table in
    arrays, so matching and de-duplicating a large roster keeps memory nearly
    flat. The first number stored for a key is kept.
    """

    __slots__ = ("_blob", "_ends", "_hashes", "_mask", "_slots", "_values")

    def __init__(self) -> None:
        self._blob = bytearray()
        self._ends = array("i")  # where each key's bytes end in the blob
        self._hashes = array("q")
        self._values = array("i")  # positions and row numbers: below 2**31
        self._slots = array("i", bytes(4 * 64))
        self._mask = 63

    def __len__(self) -> int:
        return len(self._ends)

    def _probe(self, key: str) -> tuple[int, int, int, bytes]:
        """(slot, entry or -1, hash, key bytes)."""
        digest = hash(key)
        data = key.encode("utf-8", "surrogatepass")
        slots, hashes, ends, blob, mask = self._slots, self._hashes, self._ends, self._blob, self._mask
        slot = digest & mask
        while True:
            entry = slots[slot] - 1
            if entry < 0:
                return slot, -1, digest, data
            if hashes[entry] == digest and blob[ends[entry - 1] if entry else 0 : ends[entry]] == data:
                return slot, entry, digest, data
            slot = (slot + 1) & mask

    def get(self, key: str) -> int | None:
        entry = self._probe(key)[1]
        return None if entry < 0 else self._values[entry]

    def __contains__(self, key: str) -> bool:
        return self._probe(key)[1] >= 0

    def setdefault(self, key: str, value: int) -> int:
        """The number stored for ``key``; ``value``, stored now, when there is none."""
        slot, entry, digest, data = self._probe(key)
        if entry >= 0:
            return self._values[entry]
        self._blob += data
        self._ends.append(len(self._blob))
        self._hashes.append(digest)
        self._values.append(value)
        self._slots[slot] = len(self._ends)
        if 2 * len(self._ends) > self._mask:
            self._grow()
        return value

    def _grow(self) -> None:
        size = 2 * (self._mask + 1)
        slots, mask = array("i", bytes(4 * size)), size - 1
        for entry, digest in enumerate(self._hashes):
            slot = digest & mask
            while slots[slot]:
                slot = (slot + 1) & mask
            slots[slot] = entry + 1
        self._slots, self._mask = slots, mask
