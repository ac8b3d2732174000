"""Synthetic reports for the demonstration round (and, later, for benchmarks).

Answers are made by walking the instrument with the form engine: only questions that are shown get
an answer, and a generated value is kept only if the engine finds nothing wrong with it, so the
demo data obey the instrument's own rules. Every name says it is synthetic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from codemonitor.instruments.engine import Evaluation, join_row
from codemonitor.instruments.schema import Question
from codemonitor.reference.countries import member_state_codes
from codemonitor.reference.models import MemberState
from codemonitor.reporting.models import (
    Answer,
    PersonalAnswer,
    Report,
    ReportFile,
    Round,
)
from codemonitor.reporting.rounds import NATIONAL, STAKEHOLDER, round_instrument_for
from codemonitor.reporting.services import report_next_sequence

WORDS = [
    "recruitment",
    "migration",
    "nurses",
    "doctors",
    "midwives",
    "retention",
    "training",
    "agreement",
    "bilateral",
    "regulation",
    "licensing",
    "workforce",
    "shortage",
    "rural",
    "incentives",
    "registration",
    "data",
    "mobility",
    "diaspora",
    "remittances",
    "return",
    "circular",
    "ethical",
    "employers",
    "agencies",
    "unions",
    "pathway",
    "education",
    "investment",
    "safeguards",
    "cooperation",
    "capacity",
    "evidence",
    "policy",
]
ENTITY_KINDS = [
    ("Nurses' Association", "health_professional_organization"),
    ("Health Workers' Union", "health_professional_organization"),
    ("International Recruitment Agency", "recruiter"),
    ("Hospital Group", "employer"),
    ("Migration Research Centre", "academic"),
    ("Health Equity NGO", "ngo"),
    ("Regional Health Network", "regional_organization"),
]
NATIONAL_STATES = [
    (Report.State.DRAFT, 30),
    (Report.State.SUBMITTED, 25),
    (Report.State.IN_REVIEW, 15),
    (Report.State.RETURNED, 10),
    (Report.State.VALIDATED, 20),
]
STAKEHOLDER_STATES = [(Report.State.DRAFT, 40), (Report.State.SUBMITTED, 60)]


@dataclass
class DemoSummary:
    national: int
    stakeholders: int
    answers: int
    files: int

    def __str__(self) -> str:
        return (
            f"{self.national} national and {self.stakeholders} stakeholder reports, "
            f"{self.answers} answers, {self.files} documents"
        )


class _Maker:
    def __init__(
        self, rng: random.Random, report: Report, evaluation: Evaluation, entity: str
    ) -> None:
        self.rng = rng
        self.report = report
        self.evaluation = evaluation
        self.answers: dict[tuple[str, str], Any] = evaluation.answers
        self.entity = entity
        self.files: list[tuple[str, str, str]] = []

    def sentence(self, words: int = 14) -> str:
        chosen = [self.rng.choice(WORDS) for _ in range(words)]
        return "Synthetic demo answer: " + " ".join(chosen) + "."

    def candidate(self, question: Question, row: str) -> Any:
        rng, name = self.rng, question.name
        kind = question.kind
        if kind == "text":
            if "email" in name:
                return f"demo.{self.report.sequence}@example.org"
            if "telephone" in name or "phone" in name:
                return f"+41 22 555 {rng.randint(10, 99)} {rng.randint(10, 99)}"
            if "website" in name:
                return f"https://example.org/demo-{self.report.sequence}"
            if "first_name" in name:
                return rng.choice(["Alex", "Sam", "Noor", "Kim", "Ana", "Yao"])
            if "last_name" in name:
                return "Demo-" + rng.choice(["Mensah", "Dubois", "Haddad", "Silva", "Li"])
            if name in {"entity_name", "dna_name"}:
                return self.entity
            if "address" in name:
                return f"{rng.randint(1, 200)} Example Street, Demo City"
            return self.sentence(rng.randint(8, 30))
        if kind == "integer":
            return int(10 ** rng.uniform(0, 4.7))
        if kind == "decimal":
            return round(rng.uniform(0, 1000), 2)
        if kind == "date":
            return (dt.date(2012, 1, 1) + dt.timedelta(days=rng.randint(0, 4500))).isoformat()
        if kind in {"select_one", "select_multiple"}:
            names = [choice.name for choice in self.evaluation.choices(name, row)]
            if question.list_name == "countries":
                names = list(member_state_codes())
            if not names:
                return None
            if kind == "select_one":
                return rng.choice(names)
            return sorted(rng.sample(names, min(len(names), rng.randint(1, 3))))
        return None

    def fill(self, nodes: list[Question], row: str = "") -> None:
        evaluation = self.evaluation
        for node in nodes:
            evaluation.forget()
            if not evaluation.relevant(node.name, row):
                continue
            if node.kind == "group":
                self.fill(node.children, row)
            elif node.kind == "repeat":
                rows = [secrets.token_hex(4) for _ in range(self.rng.randint(1, 4))]
                self.answers[node.name, row] = rows
                for row_id in rows:
                    self.fill(node.children, join_row(row, row_id))
            elif node.kind == "file":
                if self.rng.random() < 0.5 or node.required:
                    self.files.append((node.name, row, f"{node.name}-evidence.txt"))
                    self.answers[node.name, row] = [f"pending-{len(self.files)}"]
            elif node.is_input:
                required = evaluation.required(node.name, row)
                if not required and self.rng.random() < 0.15:
                    continue
                for _attempt in range(15):
                    value = self.candidate(node, row)
                    if value is None:
                        break
                    self.answers[node.name, row] = value
                    evaluation.forget()
                    if evaluation.problem(node.name, row) is None:
                        break
                else:
                    del self.answers[node.name, row]


def _pick_state(rng: random.Random, weights: Sequence[tuple[str, int]]) -> str:
    states, counts = zip(*weights, strict=True)
    return str(rng.choices(states, weights=counts)[0])


@transaction.atomic
def demo_reports_create(
    *, round_: Round, national: int, stakeholders: int, seed: int = 2024
) -> DemoSummary:
    """Add synthetic reports to a round. National reports go to countries that have none yet."""
    rng = random.Random(seed)
    now = timezone.now()
    answers = files = 0
    made = {"national": 0, "stakeholder": 0}
    for kind, count in ((NATIONAL, national), (STAKEHOLDER, stakeholders)):
        round_instrument = round_instrument_for(round_, kind)
        if round_instrument is None or count <= 0:
            continue
        version = round_instrument.instrument_version
        form = version.form
        sequence = report_next_sequence(round_instrument)
        countries: list[MemberState | None] = [None] * count
        if kind == NATIONAL:
            taken = set(round_instrument.reports.values_list("member_state_id", flat=True))
            free = [
                state for state in MemberState.objects.order_by("iso3") if state.pk not in taken
            ]
            rng.shuffle(free)
            countries = list(free[:count])
        answer_rows: list[Answer] = []
        personal_rows: list[PersonalAnswer] = []
        for index, member_state in enumerate(countries):
            state = _pick_state(rng, NATIONAL_STATES if kind == NATIONAL else STAKEHOLDER_STATES)
            started = now - dt.timedelta(days=rng.randint(1, 29), minutes=rng.randint(0, 600))
            if member_state is not None:
                entity = f"Ministry of Health of {member_state.name} (synthetic demo)"
            else:
                label, _category = rng.choice(ENTITY_KINDS)
                entity = f"Demo {label} {sequence + index} (synthetic)"
            report = Report.objects.create(
                round_instrument=round_instrument,
                instrument_version=version,
                sequence=sequence + index,
                member_state=member_state,
                entity_name=entity,
                state=state,
                language=rng.choice(["en", "en", "en", "fr"]),
                is_demo=True,
                publish_entity_name=rng.random() < 0.7,
                created_at=started,
                updated_at=started + dt.timedelta(hours=rng.randint(1, 200)),
                submitted_at=None
                if state == Report.State.DRAFT
                else started + dt.timedelta(days=rng.randint(1, 10)),
            )
            evaluation = Evaluation(form, {}, language=report.language)
            maker = _Maker(rng, report, evaluation, entity)
            if state == Report.State.DRAFT:
                # A draft stops somewhere in the middle.
                pages = form.pages()
                maker.fill(list(pages[: rng.randint(1, len(pages))]))
            else:
                maker.fill(form.children)
            file_ids: dict[tuple[str, str], list[str]] = {}
            for question, row, filename in maker.files:
                content = (
                    f"Synthetic document attached to {report.reference}, question "
                    f"{question}. Not real data.\n"
                ).encode()
                document = ReportFile(
                    report=report,
                    question=question,
                    row=row,
                    original_name=filename,
                    content_type="text/plain",
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                )
                document.file.save(filename, ContentFile(content), save=True)
                file_ids.setdefault((question, row), []).append(str(document.pk))
                files += 1
            for key, ids in file_ids.items():
                maker.answers[key] = ids
            personal = {q.name for q in form.walk() if q.personal}
            for (question, row), value in maker.answers.items():
                fields = {
                    "report": report,
                    "round_instrument": round_instrument,
                    "question": question,
                    "row": row,
                    "value": value,
                    "updated_at": report.updated_at,
                }
                if question in personal:
                    personal_rows.append(PersonalAnswer(**fields))
                else:
                    answer_rows.append(Answer(**fields))
            made["national" if kind == NATIONAL else "stakeholder"] += 1
        Answer.objects.bulk_create(answer_rows, batch_size=2000)
        PersonalAnswer.objects.bulk_create(personal_rows, batch_size=2000)
        answers += len(answer_rows) + len(personal_rows)
    return DemoSummary(made["national"], made["stakeholder"], answers, files)
