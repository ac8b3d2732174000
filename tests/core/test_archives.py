"""Zip archives are checked before anything opens them: sizes declared and real, ratios, parts."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import pytest

from codemonitor.core.archives import ArchiveLimits, ArchiveRefused, archive_check
from tests.memory import peak_memory, zip_bomb

LIMITS = ArchiveLimits(expanded=200 * 1024 * 1024, entries=100, ratio=100)
MB = 1024 * 1024


def archive(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression) as made:
        for name, content in parts.items():
            made.writestr(name, content)
    output.seek(0)
    return output


def refusal(source: io.BytesIO, limits: ArchiveLimits = LIMITS) -> str:
    with pytest.raises(ArchiveRefused) as refused:
        archive_check(source, limits)
    return str(refused.value)


def test_an_office_document_passes_and_is_left_at_its_start() -> None:
    source = archive(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document>" + b"<w:p>Text</w:p>" * 5000 + b"</w:document>",
            "word/media/image1.png": os.urandom(200_000),
        }
    )
    source.seek(5)
    archive_check(source, LIMITS)
    assert source.tell() == 0


def test_a_part_compressed_a_thousandfold_is_refused_without_inflating_it(tmp_path) -> None:
    path = zip_bomb(tmp_path / "bomb.odt")

    def check() -> str | None:
        with path.open("rb") as source:
            return refusal(source)  # type: ignore[arg-type]

    message, peak = peak_memory(check)
    assert message == (
        "part “mimetype” of the file is compressed more than 100 to 1, as a zip bomb is"
    )
    assert peak < 2 * MB


def test_parts_that_add_up_to_too_much_are_refused() -> None:
    source = archive({f"part{i}.bin": os.urandom(MB // 2) for i in range(3)})
    limits = ArchiveLimits(expanded=MB, entries=100, ratio=100)
    assert refusal(source, limits) == "the file would expand to more than 1 MB when opened"


def test_too_many_parts_are_refused_from_the_end_record() -> None:
    assert (
        refusal(archive({f"{i}.xml": b"" for i in range(101)}))
        == "the file holds more than 100 parts"
    )


def test_a_part_that_inflates_past_its_declared_size_is_refused() -> None:
    data = bytearray(archive({"xl/worksheets/sheet1.xml": b"<c>1</c>" * 250_000}).getvalue())
    # Declare 1,000 bytes, in the directory and in the local header: the checks of the
    # declared sizes pass; inflating it tells otherwise.
    directory = data.rfind(b"PK\x01\x02")
    struct.pack_into("<L", data, directory + 24, 1000)
    struct.pack_into("<L", data, 22, 1000)
    assert refusal(io.BytesIO(bytes(data))) == (
        "part “xl/worksheets/sheet1.xml” of the file expands to more than it declares"
    )


def test_a_part_that_inflates_to_less_than_it_declares_is_damaged() -> None:
    data = bytearray(archive({"content.xml": b"<text/>" * 1000}).getvalue())
    directory = data.rfind(b"PK\x01\x02")
    struct.pack_into("<L", data, directory + 24, 9000)
    assert refusal(io.BytesIO(bytes(data))) == "the file is a damaged zip archive"


def test_unusual_compression_is_refused() -> None:
    source = archive({"content.xml": b"<office/>" * 100}, zipfile.ZIP_BZIP2)
    assert refusal(source) == (
        "part “content.xml” of the file is encrypted or compressed in an unusual way"
    )


@pytest.mark.parametrize("data", [b"PK\x03\x04 and nothing else", b"", b"PK\x05\x06"])
def test_something_that_is_not_a_zip_archive_is_damaged(data: bytes) -> None:
    assert refusal(io.BytesIO(data)) == "the file is a damaged zip archive"
