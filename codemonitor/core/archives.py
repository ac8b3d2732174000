"""Zip archives looked at before anything opens them: office documents, XLSForm workbooks.

A small zip may hold a part that expands a thousandfold (a "zip bomb"); a reader that opens it
whole — `ZipFile.read`, a spreadsheet library — fills the worker's memory before anything says
no. `archive_check` reads only the archive's directory and then inflates every part in small
chunks, counting, and refuses:

- more parts than `entries`, or a directory too long for that many parts (the directory is read
  into memory by `zipfile`, so its length is checked from the end record first);
- parts that add up, as declared, to more than `expanded` bytes;
- a part over `RATIO_FLOOR` bytes compressed more than `ratio` to 1;
- a part that inflates to more than it declares (the declared size is what the checks above
  trust), a part encrypted or compressed otherwise than stored or deflated, a damaged archive.

Its messages are clauses ("the file would expand to…") that the caller puts after the file's
name or the sheet it was reading.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

# Parts smaller than this are not held to the ratio: small XML parts compress very well.
RATIO_FLOOR = 1024 * 1024
# How much of the directory one part may take (a fixed record, its name, its extra fields).
DIRECTORY_BYTES_PER_ENTRY = 512
CHUNK = 64 * 1024

_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER_SIZE = 30


class ArchiveRefused(ValueError):
    """Why an archive is refused, as a clause for the person who sent it."""


@dataclass(frozen=True)
class ArchiveLimits:
    expanded: int  # bytes: the declared sizes of all parts together
    entries: int  # parts
    ratio: int  # to 1, for parts over RATIO_FLOOR

    @classmethod
    def for_documents(cls) -> ArchiveLimits:
        return cls(
            settings.ARCHIVE_MAX_EXPANDED_BYTES,
            settings.ARCHIVE_MAX_ENTRIES,
            settings.ARCHIVE_MAX_RATIO,
        )

    @classmethod
    def for_workbooks(cls) -> ArchiveLimits:
        return cls(
            settings.WORKBOOK_MAX_EXPANDED_BYTES,
            settings.ARCHIVE_MAX_ENTRIES,
            settings.ARCHIVE_MAX_RATIO,
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _damaged() -> ArchiveRefused:
    return ArchiveRefused(_("the file is a damaged zip archive"))


def _too_many(limits: ArchiveLimits) -> ArchiveRefused:
    return ArchiveRefused(_("the file holds more than %(limit)s parts") % {"limit": limits.entries})


def _directory_size(source: IO[bytes]) -> tuple[int, int]:
    """The number of parts and the directory's length, from the archive's end record."""
    source.seek(0, os.SEEK_END)
    size = source.tell()
    start = max(0, size - (_END.size + 0xFFFF))  # the record, then a comment of up to 64 KB
    source.seek(start)
    tail = source.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        raise _damaged()
    entries, directory = _END.unpack_from(tail, at)[4:6]
    if entries == 0xFFFF or directory == 0xFFFFFFFF:  # ZIP64: the real numbers are elsewhere
        locator_at = start + at - _ZIP64_LOCATOR.size
        if locator_at < 0:
            raise _damaged()
        source.seek(locator_at)
        locator = source.read(_ZIP64_LOCATOR.size)
        if len(locator) != _ZIP64_LOCATOR.size or locator[:4] != b"PK\x06\x07":
            raise _damaged()
        source.seek(_ZIP64_LOCATOR.unpack(locator)[2])
        record = source.read(_ZIP64_END.size)
        if len(record) != _ZIP64_END.size or record[:4] != b"PK\x06\x06":
            raise _damaged()
        entries, directory = _ZIP64_END.unpack(record)[7:9]
    return entries, directory


def _inflated_size(source: IO[bytes], info: zipfile.ZipInfo, ceiling: int) -> int:
    """What a deflated part really inflates to, counted in chunks; stops past `ceiling`."""
    source.seek(info.header_offset)
    header = source.read(_LOCAL_HEADER_SIZE)
    if len(header) != _LOCAL_HEADER_SIZE or header[:4] != b"PK\x03\x04":
        raise _damaged()
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    source.seek(info.header_offset + _LOCAL_HEADER_SIZE + name_length + extra_length)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left = info.compress_size
    produced = 0
    try:
        while left > 0 and not inflater.eof:
            data = source.read(min(left, CHUNK))
            if not data:
                raise _damaged()
            left -= len(data)
            # Never more than CHUNK bytes of output at a time, whatever the input holds.
            produced += len(inflater.decompress(data, CHUNK))
            while inflater.unconsumed_tail and produced <= ceiling:
                produced += len(inflater.decompress(inflater.unconsumed_tail, CHUNK))
            if produced > ceiling:
                return produced
        # Output still held back once all input went in.
        while not inflater.eof and produced <= ceiling:
            out = inflater.decompress(b"", CHUNK)
            if not out:
                break
            produced += len(out)
    except zlib.error:
        raise _damaged() from None
    return produced


def archive_check(source: IO[bytes], limits: ArchiveLimits) -> None:
    """Refuse (ArchiveRefused) a zip archive that would cost more to open than `limits` allow.

    Reads the directory and inflates each part in chunks of CHUNK bytes; leaves `source` at
    its start.
    """
    try:
        entries, directory = _directory_size(source)
        if entries > limits.entries or directory > limits.entries * DIRECTORY_BYTES_PER_ENTRY:
            raise _too_many(limits)
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except ArchiveRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise _damaged() from None
    if len(infos) > limits.entries:
        raise _too_many(limits)
    total = 0
    for info in infos:
        part = info.filename[:100]
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise ArchiveRefused(
                _("part “%(part)s” of the file is encrypted or compressed in an unusual way")
                % {"part": part}
            )
        total += info.file_size
        if total > limits.expanded:
            raise ArchiveRefused(
                _("the file would expand to more than %(limit)s MB when opened")
                % {"limit": _megabytes(limits.expanded)}
            )
        if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * max(
            info.compress_size, 1
        ):
            raise ArchiveRefused(
                _(
                    "part “%(part)s” of the file is compressed more than %(ratio)s to 1, "
                    "as a zip bomb is"
                )
                % {"part": part, "ratio": limits.ratio}
            )
    for info in infos:
        if info.compress_type == zipfile.ZIP_STORED:
            actual = info.compress_size
        else:
            actual = _inflated_size(source, info, info.file_size)
        if actual > info.file_size:
            raise ArchiveRefused(
                _("part “%(part)s” of the file expands to more than it declares")
                % {"part": info.filename[:100]}
            )
        if actual != info.file_size:
            raise _damaged()
    source.seek(0)
