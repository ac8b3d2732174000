"""Benchmark: the XLSForm checker on a heavy, expression-laden form.

    .venv/bin/python bench/checkform.py --questions 1000 --references 20 --repeat 3

Generates a workbook of `--questions` questions (integers, calculations and text, in groups of
50) and a table (a repeat), each question with expressions that refer to `--references` others
(earlier questions, and the table's columns through sum()): a calculation that adds them up
for a calculate, a relevance and a constraint for the others. Then checks it
`--repeat` times with `check_workbook`, as an upload does, and prints the workbook's size, the
number of expression characters, the checker's time (best and median) and the outcome.
`--profile` prints the ten most expensive functions of one check.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = ["type", "name", "label::English (en)", "relevant", "constraint", "calculation"]


def heavy_survey(
    questions: int, references: int, sums: float = 0.75, seed: int = 2024
) -> list[list[str]]:
    """Survey rows: pages of 50 questions, then a table (a repeat) of 50 numbers.

    Each question refers to `references` others: a share `sums` of them the table's columns
    through sum(), as the national instrument's totals do, the rest earlier questions.
    A calculate adds them up; an integer has a relevance on some and a constraint on the
    others; a text has a relevance and a regex constraint.
    """
    rng = random.Random(seed)
    columns = [f"t{index}" for index in range(50)]
    rows: list[list[str]] = []
    names: list[str] = []
    for index in range(questions):
        if index % 50 == 0:
            if index:
                rows.append(["end_group", "", "", "", "", ""])
            page = index // 50 + 1
            rows.append(["begin_group", f"page{page}", f"Page {page}", "", "", ""])
        summed = min(len(columns), round(references * sums))
        earlier = rng.sample(names, min(references - summed, len(names)))
        refs = [f"${{{other}}}" for other in earlier]
        refs += [f"sum(${{{column}}})" for column in rng.sample(columns, summed)]
        rng.shuffle(refs)
        kind = ("integer", "calculate", "integer", "text")[index % 4]
        relevant = constraint = calculation = ""
        if kind == "calculate":
            calculation = " + ".join(r if i % 3 else f"number({r})" for i, r in enumerate(refs))
            calculation += " + count(${table})"
        else:
            half = refs[: len(refs) // 2] or refs
            relevant = " or ".join(f"{r} != ''" for r in half)
            rest = refs[len(half) :] or refs
            if kind == "integer":
                constraint = ". >= 0 and . <= " + " + ".join(rest)
            else:
                constraint = "string-length(.) < 200 and not(regex(., '^[0-9]+$'))"
        name = f"q{index}"
        rows.append([kind, name, f"Question {index}", relevant, constraint, calculation])
        names.append(name)
    rows.append(["end_group", "", "", "", "", ""])
    rows.append(["begin_repeat", "table", "Table", "", "", ""])
    rows += [["integer", column, f"Column {column}", "", ". >= 0", ""] for column in columns]
    rows.append(["end_repeat", "", "", "", "", ""])
    return rows


def workbook(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(HEADER)
    for row in rows:
        sheet.append([cell or None for cell in row])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["heavy", "1"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--references", type=int, default=20)
    parser.add_argument("--sums", type=float, default=0.75, help="share of references to sum()")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codemonitor.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from codemonitor.instruments.xlsform import check_workbook

    rows = heavy_survey(args.questions, args.references, args.sums)
    data = workbook(rows)
    characters = sum(len(cell) for row in rows for cell in row[3:])
    print(
        f"form: {args.questions} questions, {args.references} references each "
        f"({args.sums:.0%} through sum()), "
        f"{len(data) // 1024} KB workbook, {characters} expression characters"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        check_workbook(data)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    times = []
    result = None
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        result = check_workbook(data)
        times.append(time.perf_counter() - started)
    assert result is not None
    outcome = "accepted" if result.ok else f"refused: {result.errors[0]}"
    print(
        f"check_workbook: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
        f"over {len(times)} runs — {outcome}"
    )
    print(
        f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}"
    )


if __name__ == "__main__":
    main()
