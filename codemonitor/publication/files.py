"""A round's open data as files: a table as CSV or JSON, the round as one XLSX workbook or one
JSON document, and the Frictionless Data Package (datapackage.json, a CSV file per table, the
codebook) as a folder or a ZIP archive.

Everything is written as the rows come (`opendata.Table.rows`): a CSV or JSON download is a
stream of chunks, a workbook or an archive is written to a temporary file that is then sent.
Memory stays flat whatever the number of reports.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from codemonitor.core.exports import csv_stream, csv_write, xlsx_write
from codemonitor.publication.codebook import (
    CSV_HEADER,
    codebook_html,
    codebook_pdf,
    codebook_rows,
)
from codemonitor.publication.opendata import PUBLIC, Scope, Table, data_package, round_tables
from codemonitor.reporting.models import Round

JSON_CHUNK = 500  # rows per chunk of a JSON stream


def table_csv(table: Table, *, labels: bool = False) -> Iterator[bytes]:
    """A table as UTF-8 CSV, its header first, in chunks."""
    return csv_stream(itertools.chain([table.header], table.rows(labels)))


def _json_rows(table: Table, labels: bool) -> Iterator[str]:
    header = table.header
    for row in table.rows(labels):
        yield json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False, default=str)


def _joined(items: Iterable[str], *, before: str, after: str) -> Iterator[bytes]:
    """`before`, the items separated by commas, `after`: in chunks of JSON_CHUNK items."""
    yield before.encode()
    first = True
    items = iter(items)
    while batch := list(itertools.islice(items, JSON_CHUNK)):
        text = ",\n".join(batch)
        yield (text if first else ",\n" + text).encode()
        first = False
    yield after.encode()


def table_json(table: Table, *, labels: bool = False) -> Iterator[bytes]:
    """A table as a JSON array of objects (a key per column), in chunks."""
    return _joined(_json_rows(table, labels), before="[\n", after="\n]\n")


def round_json(
    round_: Round, tables: list[Table], *, scope: Scope = PUBLIC, labels: bool = False
) -> Iterator[bytes]:
    """The round as one JSON document: the package's description, then each table's rows."""
    package = data_package(round_, tables, scope=scope, labels=labels)
    head = {key: value for key, value in package.items() if key != "resources"}
    yield b'{"package": ' + json.dumps(head, ensure_ascii=False).encode() + b',\n"tables": {\n'
    for index, table in enumerate(tables):
        name = json.dumps(table.name)
        yield from _joined(
            _json_rows(table, labels),
            before=("" if index == 0 else ",\n") + f"{name}: [\n",
            after="\n]",
        )
    yield b"\n}}\n"


def round_xlsx(handle: IO[bytes], tables: list[Table], *, labels: bool = False) -> int:
    """The round as one workbook: a sheet per table, its header first."""
    return xlsx_write(
        handle,
        ((table.name, itertools.chain([table.header], table.rows(labels))) for table in tables),
    )


def package_write(
    round_: Round, folder: Path, *, scope: Scope = PUBLIC, language: str = "en"
) -> dict[str, Any]:
    """The round's data package in a folder: `datapackage.json`, `data/<table>.csv`, and the
    codebook as `codebook.csv`, `codebook.html` and `codebook.pdf`. Returns the descriptor."""
    tables = round_tables(round_, scope=scope, language=language)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for table in tables:
        with (folder / "data" / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as out:
            csv_write(out, itertools.chain([table.header], table.rows(False)))
    with (folder / "codebook.csv").open("w", encoding="utf-8", newline="") as out:
        csv_write(out, codebook_rows(round_))
    (folder / "codebook.html").write_text(codebook_html(round_, language), encoding="utf-8")
    (folder / "codebook.pdf").write_bytes(codebook_pdf(round_, language))
    descriptor = _described(round_, tables, scope)
    (folder / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return descriptor


def package_zip(
    round_: Round, handle: IO[bytes], *, scope: Scope = PUBLIC, language: str = "en"
) -> dict[str, Any]:
    """The same package as a ZIP archive written to `handle` (its CSV files compressed as
    they are written). Returns the descriptor."""
    tables = round_tables(round_, scope=scope, language=language)
    descriptor = _described(round_, tables, scope)
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
        )
        for table in tables:
            _zip_csv(archive, f"data/{table.name}.csv", table.header, table.rows(False))
        rows = codebook_rows(round_)
        _zip_csv(archive, "codebook.csv", next(rows), rows)
        archive.writestr("codebook.html", codebook_html(round_, language))
        archive.writestr("codebook.pdf", codebook_pdf(round_, language))
    return descriptor


def _zip_csv(
    archive: zipfile.ZipFile,
    name: str,
    header: Iterable[object],
    rows: Iterable[Iterable[object]],
) -> None:
    with archive.open(name, "w", force_zip64=True) as member:
        for chunk in csv_stream(itertools.chain([header], rows)):
            member.write(chunk)


def _described(round_: Round, tables: list[Table], scope: Scope) -> dict[str, Any]:
    """The package's descriptor with the codebook: a table of its own among the resources, its
    documents named apart (a tabular package lists only tables as resources)."""
    descriptor = data_package(round_, tables, scope=scope)
    descriptor["resources"].append(_codebook_resource())
    descriptor["codebook"] = {"csv": "codebook.csv", "html": "codebook.html", "pdf": "codebook.pdf"}
    return descriptor


def _codebook_resource() -> dict[str, Any]:
    """The codebook as a table of the package."""
    return {
        "name": "codebook",
        "title": "Codebook",
        "description": "Every question of the round's instruments, one row each.",
        "path": "codebook.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [{"name": name, "type": "string"} for name in CSV_HEADER],
            "missingValues": [""],
        },
    }


def spooled() -> IO[bytes]:
    """A temporary file for a workbook or an archive: in memory while small, then on disk."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
