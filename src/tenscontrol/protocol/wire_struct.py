"""A little-endian ``struct`` with named fields: packing a value that does not fit raises
an :class:`EncodeError` naming the field, its value and its wire range."""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Iterator
from typing import Any, SupportsIndex

from tenscontrol.errors import EncodeError

#: Bits of each unsigned field code a layout may use.
_BITS = {"B": 8, "H": 16, "I": 32}


class Layout:
    """One fixed-size record of the wire (a payload table, the frame header): its
    little-endian ``struct`` and the name of each field (``what`` names the record).

    Unpacking is the ``struct``'s own (bound methods, no extra cost); :meth:`pack` is too,
    until a value does not fit: then it names the field, its value and its wire range.
    """

    __slots__ = ("_bits", "_pack", "fields", "iter_unpack", "size", "unpack", "unpack_from", "what")

    def __init__(self, what: str, codes: str, fields: tuple[str, ...]) -> None:
        if len(codes) != len(fields) or not set(codes) <= _BITS.keys():
            raise ValueError(f"layout {what}: field codes {codes!r} do not match {fields}")
        compiled = struct.Struct("<" + codes)
        self.what, self.fields = what, fields
        self.size: int = compiled.size
        self.unpack: Callable[[bytes], tuple[Any, ...]] = compiled.unpack
        self.unpack_from: Callable[[bytes], tuple[Any, ...]] = compiled.unpack_from
        self.iter_unpack: Callable[[bytes], Iterator[tuple[Any, ...]]] = compiled.iter_unpack
        self._pack = compiled.pack
        self._bits = tuple(_BITS[code] for code in codes)

    def pack(self, *values: int, item: int | None = None) -> bytes:
        """``values`` as bytes. ``item`` is the index of a channel entry, for the error.

        Raises :class:`EncodeError` naming the first field that is not an integer in its
        wire range (never ``struct.error``)."""
        try:
            return self._pack(*values)
        except struct.error:
            raise self._refusal(values, item) from None

    def _refusal(self, values: tuple[object, ...], item: int | None) -> EncodeError:
        where = self.what if item is None else f"{self.what}[{item}]"
        if len(values) != len(self.fields):
            return EncodeError(f"cannot encode {where}: {len(values)} fields for {self.fields}")
        for name, bits, value in zip(self.fields, self._bits, values, strict=True):
            if not isinstance(value, SupportsIndex):
                return EncodeError(f"cannot encode {where}.{name} = {value!r}: not an integer")
            number = operator.index(value)
            if not 0 <= number < 1 << bits:
                return EncodeError(
                    f"cannot encode {where}.{name} = {number}: outside its wire range"
                    f" 0..{(1 << bits) - 1} (u{bits})"
                )
        return EncodeError(f"cannot encode {where}: {values!r}")  # pragma: no cover
