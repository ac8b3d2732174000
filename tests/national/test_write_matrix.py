"""Every route that takes a POST, sent as every persona: who may write, and that nobody else
wrote anything.

The GET table (`test_scoping_matrix.py`) says who may see each page; this one says who may
change something through each route. Every URL pattern of the project is here, either as a
write (`WRITES`: the outcome per persona) or as read-only (`READ_ONLY`: a POST is refused or
changes nothing); a new pattern makes `test_every_url_pattern_is_a_write_or_read_only` fail
until it is added to one of them.

A persona *writes* when the request goes through (2xx/3xx, a form's 400/409/422) and the
database changed; it is *kept* out when the request goes through and nothing changed (a workflow
that refuses with a message, a form with errors); every other persona is refused (404, 401,
403, 405, or sent to sign in) and must not have changed anything either. What changed is read
from the audit log (every change on the platform is audited), Django's admin log, and, for the
accounts, the people's passwords, second factors and active flags.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from codemonitor.accounts.models import Role, User
from codemonitor.core.models import AuditEntry
from codemonitor.reporting.answers import answer_save
from codemonitor.reporting.fields import field_key, value_digest
from codemonitor.reporting.models import Answer, Report, ReportFile
from codemonitor.reporting.services import stakeholder_report_start
from tests.builders import xlsform
from tests.conftest import person, sign_in
from tests.national.test_scoping_matrix import (
    LOGIN,
    NOT_FOUND,
    OK,
    PERSONAS,
    fresh_import,
    fresh_recruiter,
    outcome_of,
    recruiters_csv,
    walk,
    world,  # noqa: F401  (the fixture, shared with the GET table)
)
from tests.national.test_workflow import REQUIRED
from tests.stakeholders.helpers import drawn_version

pytestmark = pytest.mark.django_db

# The personas of the GET table, and two stakeholders without an account: one holds the
# world's stakeholder report (it opened the private link), the other holds a report of its own.
ALL = [*PERSONAS, "stakeholder", "stakeholder_b"]
STAKEHOLDERS = {"stakeholder", "stakeholder_b"}
WRITE, KEPT, ANY = "write", "kept", "any"  # ANY: a read that may answer anything, writing nothing


def personas(
    write: Iterable[str] = (),
    *,
    kept: Iterable[str] = (),
    anonymous: Any = LOGIN,
    others: Any = NOT_FOUND,
) -> dict[str, Any]:
    """The outcome per persona: `write` write, `kept` go through without writing; the people
    without an account (anonymous, the stakeholders) get `anonymous`, the rest `others`."""
    write, kept = set(write), set(kept)
    found = {}
    for p in ALL:
        if p in write:
            found[p] = WRITE
        elif p in kept:
            found[p] = KEPT
        else:
            found[p] = anonymous if p in {"anonymous", *STAKEHOLDERS} else others
    return found


def everyone(outcome: Any) -> dict[str, Any]:
    return dict.fromkeys(ALL, outcome)


NATIONAL = {"fp_a", "contributor_a", "fp_b"}
COUNTRY_A = {"fp_a", "contributor_a"}

World = dict[str, Any]
Request = Callable[[World, str], tuple[str, dict[str, Any]]]  # (world, persona) -> (url, data)


@dataclass
class Write:
    request: Request
    expected: dict[str, Any]
    # What else the route changes that the audit log does not show.
    witness: Callable[[World], Any] = field(default=lambda w: None)


def fixed(url: Callable[[World], str], data: dict[str, Any] | None = None) -> Request:
    return lambda w, p: (url(w), dict(data or {}))


def accounts(w: World) -> Any:
    return list(
        User.objects.order_by("pk").values_list(
            "pk", "password", "totp_secret", "totp_confirmed_at", "is_active", "role"
        )
    )


def register_imports(w: World) -> Any:  # -- laws, recruiters
    from codemonitor.registers.models import RegisterImport

    return list(RegisterImport.objects.order_by("pk").values_list("pk", "state", "mapping"))


def fresh_api_token() -> int:
    """A new token of Ghana's focal point for the read API (its id)."""
    from codemonitor.accounts.services import api_token_create

    return api_token_create(user=User.objects.get(email="fp@gha.example"), name="Matrix")[0].pk


def upload(name: str, content: bytes = b"hello") -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def page_of(report: Report, question: str) -> int:
    for number, page in enumerate(report.instrument_version.form.pages(), start=1):
        if any(node.name == question for node in page.walk()):
            return number
    raise LookupError(question)


def page_post(key_of: Callable[[World], str], prefix: str, question: str) -> Request:
    """A page sent with a new value of `question`, drawn from the value it has now."""

    def build(w: World, p: str) -> tuple[str, dict[str, Any]]:
        report = Report.objects.get(pk=w[f"{prefix}_pk"])
        current = Answer.objects.filter(report=report, question=question, row="").first()
        key = field_key(question)
        data = {
            key: f"Sent by {p}",
            f"d{key}": value_digest(current.value if current else None),
            f"v{key}": str(current.version if current else 0),
            "action": "save",
        }
        return f"{key_of(w)}page/{page_of(report, question)}/", data

    return build


def fresh_document(w: World, report_pk: int, question: str) -> int:
    from django.core.files.base import ContentFile

    document = ReportFile(
        report_id=report_pk,
        question=question,
        original_name="fresh.txt",
        content_type="text/plain",
        size=5,
        sha256="x",
    )
    document.file.save("fresh.txt", ContentFile(b"hello"), save=True)
    return document.pk


def writes() -> dict[str, Write]:
    """The routes that change something, in the order they are sent (a report is submitted
    after its pages are written to). Within a route, the refused personas go first."""
    nat = lambda w: f"/national/reports/{w['report']}/"  # noqa: E731
    isri = lambda w: f"/isri/report/{w['isri']}/"  # noqa: E731
    staff_admin = personas({"admin"})
    staff = personas({"admin", "analyst"})  # -- reading the free text

    # -- reading the free text: the whole answer coded (once per analyst), a code to remove.
    def analysis_coding_add(w: World, p: str) -> tuple[str, dict[str, Any]]:
        return (
            f"/backoffice/analysis/answers/{w['report']}/challenges/",
            {"code": w["analysis_code"], "whole": "1"},
        )

    def analysis_code_remove(w: World, p: str) -> tuple[str, dict[str, Any]]:
        from codemonitor.analysis.models import Code

        code = Code.objects.create(round_id=w["analysis_round"], label=f"Unused by {p}")
        return f"/backoffice/analysis/codebook/{code.pk}/", {"action": "remove"}

    def national_remove(w: World, p: str) -> tuple[str, dict[str, Any]]:
        pk = fresh_document(w, w["report"], "supporting_documents")
        return f"{nat(w)}documents/{pk}/remove/", {}

    def stakeholder_remove(w: World, p: str) -> tuple[str, dict[str, Any]]:
        pk = fresh_document(w, w["isri_pk"], "q10_documents")
        return f"{isri(w)}documents/{pk}/remove/", {}

    def national_submit(w: World, p: str) -> tuple[str, dict[str, Any]]:
        # The rows added above are empty, and a row needs its occupation: without them, the
        # report filled in by `write_world` can be submitted.
        Answer.objects.filter(report_id=w["report"], question__startswith="tc_").delete()
        return f"{nat(w)}submit/", {}

    def contributor_remove(w: World, p: str) -> tuple[str, dict[str, Any]]:
        someone = person(f"leaving-{p}@gha.example", Role.CONTRIBUTOR, "GHA")
        return f"/national/contributors/{someone.pk}/remove/", {}

    # -- recruiters
    def recruiter_remove(w: World, p: str) -> tuple[str, dict[str, Any]]:
        return f"/national/recruiters/{fresh_recruiter(None, f'RM-{p}').pk}/remove/", {}

    def national_import_confirm(w: World, p: str) -> tuple[str, dict[str, Any]]:
        found = fresh_import(User.objects.get(email="fp@gha.example"), f"IMP-{p}")
        return f"/national/recruiters/import/{found.pk}/", {"action": "confirm"}

    def backoffice_import_confirm(w: World, p: str) -> tuple[str, dict[str, Any]]:
        found = fresh_import(None, f"BIMP-{p}")
        return f"/backoffice/registers/recruiters/import/{found.pk}/", {"action": "confirm"}

    def recruiter_validation(w: World, p: str) -> tuple[str, dict[str, Any]]:
        pending = fresh_recruiter(None, f"VAL-{p}")
        return f"/backoffice/registers/recruiters/{pending.pk}/validation/", {"action": "validate"}

    def entry(p: str, licence: str) -> dict[str, Any]:
        return {"legal_name": f"Agency of {p}", "licence_number": licence, "status": "authorised"}

    def instrument(w: World, p: str) -> tuple[str, dict[str, Any]]:
        data = xlsform(
            [["text", "name", f"Name ({p})", "Nom", "yes"]],
            settings=[["form_id", "form_title", "version"], ["matrix", "Matrix", "1"]],
        )
        return "/backoffice/instruments/upload/", {"workbook": upload("matrix.xlsx", data)}

    # -- laws
    def law_form(p: str) -> dict[str, Any]:
        return {
            "title": f"Act of {p}",
            "kind": "law",
            "status": "in_force",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        }

    def law_remove(w: World, p: str) -> tuple[str, dict[str, Any]]:
        from tests.registers.helpers import make_law

        return f"/national/laws/{make_law(None, title=f'Removed by {p}').pk}/remove/", {}

    def law_import_decide(w: World, p: str) -> tuple[str, dict[str, Any]]:
        from tests.registers.helpers import law_import_held

        held = law_import_held(User.objects.get(email="fp@gha.example"), "GHA")
        return f"/national/laws/import/{held.pk}/confirm/", {}

    def law_import_decide_who(w: World, p: str) -> tuple[str, dict[str, Any]]:
        from tests.registers.helpers import law_import_held

        held = law_import_held(User.objects.get(email="secretariat@example.org"), None)
        return f"/backoffice/registers/laws/import/{held.pk}/confirm/", {}

    def law_upload(url: str) -> Request:
        return lambda w, p: (
            url,
            {"file": upload("laws.csv", f"iso3,title,type\nGHA,By {p},law\n".encode())},
        )

    laws = {
        "national:law_add": Write(
            lambda w, p: ("/national/laws/add/", law_form(p)),
            personas(NATIONAL, anonymous=NOT_FOUND),  # each in their own country
        ),
        "national:law_edit": Write(
            lambda w, p: (f"/national/laws/{w['law']}/edit/", law_form(p)),
            personas(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:law_remove": Write(law_remove, personas(COUNTRY_A, anonymous=NOT_FOUND)),
        # Reading a file only holds it for its preview (no audit entry): counted by its row.
        "national:laws_import": Write(
            law_upload("/national/laws/import/"),
            personas(NATIONAL, anonymous=NOT_FOUND),
            witness=register_imports,
        ),
        "national:laws_import_decide": Write(
            law_import_decide, personas(COUNTRY_A, anonymous=NOT_FOUND)
        ),
        "backoffice:laws_import": Write(
            law_upload("/backoffice/registers/laws/import/"),
            staff_admin,
            witness=register_imports,
        ),
        "backoffice:laws_import_decide": Write(law_import_decide_who, staff_admin),
        "backoffice:law_decision": Write(
            fixed(lambda w: f"/backoffice/registers/laws/{w['law']}/validate/"), staff_admin
        ),
        "backoffice:law_add": Write(
            lambda w, p: ("/backoffice/registers/laws/add/?country=GHA", law_form(p)), staff_admin
        ),
        "backoffice:law_edit": Write(
            lambda w, p: (f"/backoffice/registers/laws/{w['law']}/edit/", law_form(p)), staff_admin
        ),
    }
    return {
        **laws,
        "set_language": Write(
            fixed(lambda w: "/i18n/setlang/", {"language": "en"}), everyone(KEPT)
        ),
        # Stakeholders: anyone may start a report or ask for its links again; a report's pages
        # are written by the browser holding it (it started it, or opened its private link).
        "stakeholders:start": Write(
            lambda w, p: (
                f"/isri/round/{w['isri_round']}/start/",
                {"email": f"{p}@example.org", "entity_name": f"Entity of {p}"},
            ),
            everyone(WRITE),
        ),
        # The request only queues the look-up and the email for the worker (the same for every
        # address, known or not): nothing is written while the request runs.
        "stakeholders:resend_link": Write(
            fixed(lambda w: f"/isri/round/{w['isri_round']}/link/", {"email": "s@example.org"}),
            everyone(KEPT),
        ),
        "stakeholders:page": Write(
            page_post(isri, "isri", "q1_answer"),
            personas({"stakeholder"}, anonymous=NOT_FOUND),
        ),
        "stakeholders:autosave": Write(
            lambda w, p: (
                f"{isri(w)}autosave/",
                {"field": field_key("q2_answer"), "value": f"By {p}", "page": "2"},
            ),
            personas({"stakeholder"}, anonymous=NOT_FOUND),
        ),
        # The stakeholder instrument has no table: adding a row changes nothing, for its holder.
        "stakeholders:rows": Write(
            fixed(lambda w: f"{isri(w)}rows/", {"action": "add_row:none@"}),
            personas(kept={"stakeholder"}, anonymous=NOT_FOUND),
        ),
        "stakeholders:upload": Write(
            lambda w, p: (f"{isri(w)}upload/", {field_key("q10_documents"): upload("s.txt")}),
            personas({"stakeholder"}, anonymous=NOT_FOUND),
        ),
        "stakeholders:document_remove": Write(
            stakeholder_remove, personas({"stakeholder"}, anonymous=NOT_FOUND)
        ),
        "stakeholders:submit": Write(
            fixed(lambda w: f"{isri(w)}submit/"), personas({"stakeholder"}, anonymous=NOT_FOUND)
        ),
        # National reports: country A's people write country A's report; the focal point alone
        # invites, removes and proposes. Signed out, a page is kept for after signing in.
        "national:contributors": Write(
            lambda w, p: ("/national/contributors/", {"email": f"invited-by-{p}@example.org"}),
            personas({"fp_a", "fp_b"}, anonymous=NOT_FOUND),  # each in their own country
        ),
        "national:authority": Write(
            lambda w, p: ("/national/authority/", {"authority-name": f"Authority of {p}"}),
            personas({"fp_a", "fp_b"}, anonymous=NOT_FOUND),
        ),
        "national:contributor_remove": Write(
            contributor_remove, personas({"fp_a"}, anonymous=NOT_FOUND), witness=accounts
        ),
        "national:page": Write(page_post(nat, "report", "dna_name"), personas(COUNTRY_A)),
        "national:autosave": Write(
            lambda w, p: (
                f"{nat(w)}autosave/",
                {
                    "field": field_key("dna_institution"),
                    "value": f"By {p}",
                    "page": "2",
                    "version": str(drawn_version(w["report"], field_key("dna_institution"))),
                },
            ),
            personas(COUNTRY_A, anonymous=401),
        ),
        "national:rows": Write(
            fixed(lambda w: f"{nat(w)}rows/", {"action": "add_row:tc_rows@"}),
            personas(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:upload": Write(
            lambda w, p: (
                f"{nat(w)}upload/",
                {field_key("supporting_documents"): upload("n.txt")},
            ),
            personas(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:document_remove": Write(
            national_remove, personas(COUNTRY_A, anonymous=NOT_FOUND)
        ),
        # The report's workflow keeps a contributor from submitting, with a message.
        "national:submit": Write(
            national_submit,
            personas({"fp_a"}, kept={"contributor_a"}, anonymous=NOT_FOUND),
        ),
        # -- recruiters: a country's people write their country's record; the Secretariat's
        # administrators write and validate; uploads keep an import (not audited) for preview.
        "national:recruiter_add": Write(
            lambda w, p: ("/national/recruiters/add/", entry(p, f"ADD-{p}")),
            personas(NATIONAL, anonymous=NOT_FOUND),
        ),
        "national:recruiter": Write(
            lambda w, p: (f"/national/recruiters/{w['recruiter']}/", entry(p, "W-1")),
            personas(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:recruiter_remove": Write(
            recruiter_remove, personas(COUNTRY_A, anonymous=NOT_FOUND)
        ),
        "national:recruiter_import": Write(
            lambda w, p: ("/national/recruiters/import/", {"file": recruiters_csv()}),
            personas(NATIONAL, anonymous=NOT_FOUND),
            witness=register_imports,
        ),
        "national:recruiter_import_page": Write(
            national_import_confirm, personas(COUNTRY_A, anonymous=NOT_FOUND)
        ),
        "backoffice:recruiter": Write(
            lambda w, p: (
                f"/backoffice/registers/recruiters/{w['recruiter']}/",
                {**entry(p, "W-1"), "action": "save"},
            ),
            staff_admin,
        ),
        "backoffice:recruiter_validation": Write(recruiter_validation, staff_admin),
        "backoffice:recruiter_import": Write(
            lambda w, p: (
                "/backoffice/registers/recruiters/import/",
                {"country": "GHA", "file": recruiters_csv()},
            ),
            staff_admin,
            witness=register_imports,
        ),
        "backoffice:recruiter_import_page": Write(backoffice_import_confirm, staff_admin),
        # The back office: every write is an administrator's; the analyst only reads.
        "backoffice:instrument_upload": Write(instrument, staff_admin),
        "backoffice:round_open": Write(
            fixed(lambda w: f"/backoffice/rounds/{w['round']}/national/open/"), staff_admin
        ),
        "backoffice:national_report_action": Write(
            fixed(lambda w: f"/backoffice/national-reports/{w['submitted']}/review/"),
            staff_admin,
        ),
        # -- publication: the moment a round becomes public, a report withheld from it.
        "backoffice:round_publication": Write(
            lambda w, p: (
                f"/backoffice/rounds/{w['round']}/publication/",
                {"publishes_at": f"2099-01-01T00:{ALL.index(p):02d}"},
            ),
            staff_admin,
        ),
        # The Secretariat's archive of a round: every download is audited (personal data only
        # an administrator's choice); nobody else may.
        "backoffice:round_data": Write(
            fixed(lambda w: f"/backoffice/rounds/{w['round']}/data/", {"format": "json"}),
            staff,
        ),
        "backoffice:report_publication": Write(
            lambda w, p: (
                f"/backoffice/reports/{w['report']}/publication/withhold/",
                {"reason": f"Withheld by {p}"},
            ),
            staff_admin,
        ),
        "backoffice:register_entry": Write(
            lambda w, p: (
                "/backoffice/registers/authorities/GHA/",
                {"action": "save", "authority-name": f"Entered by {p}"},
            ),
            staff_admin,
        ),
        "backoffice:register_proposal": Write(
            fixed(lambda w: f"/backoffice/registers/proposals/{w['proposal']}/decline/"),
            staff_admin,
        ),
        # -- workforce import: a file of statistics, imported by an administrator only.
        "backoffice:statistics_import": Write(
            lambda w, p: (
                "/backoffice/workforce/import/",
                {
                    "file": upload(
                        "wfmi.csv",
                        f"COU,VAR,CO2,YEA,Value\nFRA,FTDS,IND,2020,{len(p)}\n".encode(),
                    )
                },
            ),
            staff_admin,
        ),
        "backoffice:stakeholder_report_reopen": Write(
            fixed(lambda w: f"/backoffice/stakeholder-reports/{w['isri_submitted']}/reopen/"),
            staff_admin,
        ),
        # -- reading the free text: both Secretariat roles code and keep the codebook.
        "backoffice:analysis_answer": Write(analysis_coding_add, staff),
        "backoffice:analysis_codebook": Write(
            lambda w, p: ("/backoffice/analysis/codebook/", {"label": f"Theme of {p}"}), staff
        ),
        "backoffice:analysis_code": Write(analysis_code_remove, staff),
        "backoffice:analysis_coding": Write(
            lambda w, p: (
                f"/backoffice/analysis/codings/{w['analysis_coding']}/",
                {"action": "recode", "note": f"Read by {p}"},
            ),
            staff,
        ),
        **admin_writes(),
        # Accounts: each signed-in person changes their own account only.
        "accounts:sign_in": Write(
            lambda w, p: ("/account/sign-in/", {"username": f"nobody-{p}", "password": "x"}),
            everyone(KEPT),
            witness=accounts,
        ),
        "accounts:code": Write(
            fixed(lambda w: "/account/sign-in/code/", {"code": "123456"}),
            everyone(LOGIN),
            witness=accounts,
        ),
        # Without a second factor yet, a national account gets a new secret to set up; a wrong
        # code changes nothing for the Secretariat.
        "accounts:two_factor": Write(
            fixed(lambda w: "/account/two-factor/", {"code": "000000"}),
            personas(NATIONAL, kept={"admin", "analyst"}),
            witness=accounts,
        ),
        "accounts:two_factor_off": Write(
            fixed(lambda w: "/account/two-factor/off/"),
            personas(NATIONAL, kept={"admin", "analyst"}),
            witness=accounts,
        ),
        # Tokens for the read API: each signed-in person makes their own; only its owner
        # revokes one (a fresh token of Ghana's focal point for each persona).
        "accounts:api_tokens": Write(
            lambda w, p: ("/account/api-tokens/", {"name": f"Script of {p}"}),
            personas(set(PERSONAS) - {"anonymous"}),
        ),
        "accounts:api_token_revoke": Write(
            lambda w, p: (f"/account/api-tokens/{fresh_api_token()}/revoke/", {}),
            personas({"fp_a"}),
        ),
        "accounts:password_reset": Write(
            fixed(lambda w: "/account/password/reset/", {"email": "fp@gha.example"}),
            everyone(KEPT),
            witness=accounts,
        ),
        "accounts:password_reset_confirm": Write(
            fixed(
                lambda w: f"/account/password/reset/{w['uid']}/bad-token/",
                {"new_password1": "another long password 1", "new_password2": "x"},
            ),
            everyone(KEPT),
            witness=accounts,
        ),
        # An address of the read API that does not exist: 404 to every method.
        "api:unknown": Write(fixed(lambda w: "/api/nothing"), everyone(NOT_FOUND)),
        # Last: it ends every session (the signed-in personas sign in again after it).
        "accounts:sign_out": Write(
            fixed(lambda w: "/account/sign-out/"), everyone(KEPT), witness=accounts
        ),
    }


# -- the Django admin ------------------------------------------------------------------------

# A new object of each registered model (`n` tells them apart), for the admin to change or
# delete.
THROWAWAY: dict[str, Callable[[int], Any]] = {
    "auth.group": lambda n: _model("auth.group").objects.create(name=f"Matrix {n}"),
    "accounts.user": lambda n: User.objects.create_user(f"throwaway-{n}", f"{n}@throwaway.example"),
    # Codes with a digit: no real country has one.
    "reference.memberstate": lambda n: _model("reference.memberstate").objects.create(
        iso3=f"X{n % 10}{BASE36[n // 10 % 36]}",
        iso2=f"{n % 10}{BASE36[n // 10 % 36]}",
        numeric="999",
        iso_name=f"Matrix {n}",
    ),
    "reference.region": lambda n: _model("reference.region").objects.create(
        code=f"Z{n:03d}", name=f"Matrix {n}"
    ),
    "reference.safeguardsedition": lambda n: _model("reference.safeguardsedition").objects.create(
        year=3000 + n
    ),
    "reference.codearticle": lambda n: _model("reference.codearticle").objects.create(
        number=1000 + n, title_en=f"Matrix {n}", text_en="Text"
    ),
    "reference.language": lambda n: _model("reference.language").objects.create(
        code=f"x-{n}", english=f"Matrix {n}", native=f"Matrix {n}", direction="ltr"
    ),
    "django_tasks_database.dbtaskresult": lambda n: _model(
        "django_tasks_database.dbtaskresult"
    ).objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path=f"matrix.{n}",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    ),
}
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _model(label: str) -> Any:
    from django.apps import apps

    return apps.get_model(label)


def throwaway(w: World, label: str) -> Any:
    return THROWAWAY[label](next(w["counter"]))


# What the administrator sends to add or change an object (empty: a form with errors).
ADMIN_DATA: dict[tuple[str, str], Callable[[Any, str], dict[str, Any]]] = {
    ("auth.group", "add"): lambda obj, p: {"name": f"Group of {p}"},
    ("auth.group", "change"): lambda obj, p: {"name": f"Renamed by {p}"},
    ("accounts.user", "add"): lambda obj, p: {
        "username": f"added-by-{p}",
        "usable_password": "true",
        "password1": "a long enough password 789",
        "password2": "a long enough password 789",
    },
    ("reference.region", "add"): lambda obj, p: {"code": f"R{p[:3]}", "name": f"Region {p}"},
    ("reference.region", "change"): lambda obj, p: {"code": obj.pk, "name": f"Renamed by {p}"},
    ("reference.language", "add"): lambda obj, p: {
        "code": f"y-{p[:4]}",
        "english": "Matrix",
        "native": "Matrix",
        "direction": "ltr",
    },
    ("reference.language", "change"): lambda obj, p: {
        "code": obj.pk,
        "english": f"Renamed by {p}",
        "native": "Matrix",
        "direction": "rtl",
    },
    ("reference.codearticle", "add"): lambda obj, p: {
        "number": "950",
        "title_en": f"Article of {p}",
        "text_en": "Text",
    },
    ("reference.safeguardsedition", "add"): lambda obj, p: {
        "year": "2090",
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
    },
}
# The task results are read-only in the admin, for everyone (django_tasks_db's own admin).
READ_ONLY_ADMIN = {"django_tasks_database.dbtaskresult"}


def admin_writes() -> dict[str, Write]:
    """Adding, changing and deleting each registered model, its list's actions, and the admin's
    own writes: the site lets a Secretariat administrator in, and nobody else."""
    found: dict[str, Write] = {}
    for model in admin.site._registry:
        label, prefix = model._meta.label_lower, f"{model._meta.app_label}_{model._meta.model_name}"
        read_only = label in READ_ONLY_ADMIN

        def add(w: World, p: str, label: str = label, prefix: str = prefix) -> Any:
            data = ADMIN_DATA.get((label, "add"), lambda obj, p: {})(None, p)
            return reverse(f"admin:{prefix}_add"), data

        def change(w: World, p: str, label: str = label, prefix: str = prefix) -> Any:
            obj = w["admin_objects"][label]
            data = ADMIN_DATA.get((label, "change"), lambda obj, p: {})(obj, p)
            return reverse(f"admin:{prefix}_change", args=[obj.pk]), data

        def delete(w: World, p: str, label: str = label, prefix: str = prefix) -> Any:
            return reverse(f"admin:{prefix}_delete", args=[throwaway(w, label).pk]), {"post": "yes"}

        def delete_selected(w: World, p: str, label: str = label, prefix: str = prefix) -> Any:
            data = {
                "action": "delete_selected",
                "_selected_action": [throwaway(w, label).pk],
                "post": "yes",
            }
            return reverse(f"admin:{prefix}_changelist"), data

        admin_only = personas({"admin"}, anonymous=LOGIN, others=LOGIN)
        refused = {**admin_only, "admin": 403}
        kept = {**admin_only, "admin": KEPT}
        found[f"admin:{prefix}_add"] = Write(
            add,
            refused if read_only else admin_only if (label, "add") in ADMIN_DATA else kept,
            witness=accounts,
        )
        found[f"admin:{prefix}_change"] = Write(
            change,
            refused if read_only else admin_only if (label, "change") in ADMIN_DATA else kept,
            witness=accounts,
        )
        found[f"admin:{prefix}_delete"] = Write(
            delete, refused if read_only else admin_only, witness=accounts
        )
        # A list without the delete action ignores it, with a message.
        found[f"admin:{prefix}_changelist"] = Write(
            delete_selected, kept if read_only else admin_only, witness=accounts
        )
    admin_only = personas({"admin"}, anonymous=LOGIN, others=LOGIN)
    return {
        **found,
        "admin:auth_user_password_change": Write(
            lambda w, p: (
                reverse("admin:auth_user_password_change", args=[w["contributor"]]),
                {
                    "usable_password": "true",
                    "password1": f"new password of {p} 12345",
                    "password2": f"new password of {p} 12345",
                },
            ),
            admin_only,
            witness=accounts,
        ),
        "admin:reference_safeguardsedition_upload": Write(
            lambda w, p: (
                reverse("admin:reference_safeguardsedition_upload"),
                {"file": upload("list.csv", b"edition,iso3\n2099,GHA\n2099,NGA\n")},
            ),
            admin_only,
        ),
        "admin:password_change": Write(
            lambda w, p: (
                reverse("admin:password_change"),
                {
                    "old_password": "correct horse battery",
                    "new_password1": "a brand new password 2468",
                    "new_password2": "a brand new password 2468",
                },
            ),
            admin_only,
            witness=accounts,
        ),
        # Signing out of the admin: nothing stored; those it does not let in are sent to its
        # index (the administrator signs in again after it).
        "admin:logout": Write(fixed(lambda w: reverse("admin:logout")), everyone(KEPT)),
    }


# -- read-only routes ------------------------------------------------------------------------

# Refused by their method (`require_safe`, or a view with GET only) before anything else.
BY_METHOD = [
    "home",
    "healthz",
    "stakeholders:current",
    "stakeholders:round",
    "stakeholders:link",
    "stakeholders:document",
    "stakeholders:review",
    "stakeholders:done",
    "stakeholders:receipt",
    "national:home",
    "national:document",
    "national:review",
    "national:history",
    "national:print",
    "national:blank",
    "backoffice:dashboard",
    "backoffice:instruments",
    "backoffice:instrument_version",
    "backoffice:instrument_version_blank",
    "backoffice:instrument_version_download",
    "backoffice:round_overview",
    "backoffice:national_report",
    "backoffice:registers",
    "backoffice:register_export",
    "backoffice:stakeholder_reports",
    "backoffice:stakeholder_report",
    "backoffice:analysis_search",  # -- reading the free text
    "backoffice:analysis_codings",
    # -- laws
    "national:laws",
    "national:laws_from_report",
    "national:laws_template",
    "national:laws_import_preview",
    "national:law",
    "national:law_document",
    "backoffice:laws",
    "backoffice:laws_export",
    "backoffice:laws_pending",
    "backoffice:laws_template",
    "backoffice:laws_import_preview",
    "backoffice:law",
    "backoffice:law_document",
    # -- recruiters
    "national:recruiters",
    "backoffice:recruiters",
    "backoffice:recruiters_export",
    "portal:recruiters",
    "portal:rounds",
    "sitemap",
    "language",
    "portal:round",
    "portal:round_data",
    "portal:round_file",
    "portal:codebook",
    "portal:codebook_file",
    "portal:report",
    "portal:country",
    "portal:code",
    "portal:search",
    "portal:round_report",
    "portal:round_report_pdf",
    "portal:report_pdf",
    # -- workforce import
    "backoffice:statistics_files",
    "backoffice:statistics_file",
    "backoffice:statistics",
    "backoffice:statistics_export",
    # -- profile
    "backoffice:countries",
    "backoffice:analysis",
    "backoffice:country",
    "national:profile",
    # -- analysis: the completeness of a round
    "backoffice:analysis_completeness",
    "backoffice:analysis_completeness_list",
    # -- analysis: a country across rounds
    "backoffice:analysis_countries",
    "backoffice:analysis_country",
    "national:analysis",
    # -- analysis: the questions tabulated, with the reports behind them
    "backoffice:analysis_questions",
    "backoffice:analysis_question",
    "backoffice:analysis_reports",
    # -- analysis
    "backoffice:analysis_report",
    "backoffice:analysis_report_download",
    "accounts:account",
    # -- the read API: GET only (its operations answer other methods 405, in JSON)
    "api:docs",
    "api:api-root",
    "api:openapi-json",
    "api:rounds",
    "api:round",
    "api:reports",
    "api:report",
    "api:answers",
    "api:countries",
    "api:country",
    "api:authorities",
    "api:laws",
    "api:recruiters",
    "api:statistics",
    "accounts:password_reset_sent",
    "accounts:password_reset_complete",
]
# The admin's pages that only read: the administrator may send them anything (Django's admin
# answers some POSTs with the page), the rest are sent to sign in; nobody changes anything.
ADMIN_READS = [
    "admin:index",
    "admin:login",  # behind the project's own /admin/login/, which sends to sign in
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
]
ADMIN_READ_SUFFIXES = ("_history",)
# Patterns without a name: the admin's redirects to an object's page, and its catch-all.
UNNAMED_ADMIN = {"admin:<path:object_id>/", "admin:(?P<url>.*)$"}


def read_only_paths(w: World) -> dict[str, str]:
    """A path for each read-only route (the GET table's, for those it has)."""
    from tests.national.test_scoping_matrix import cases

    paths = {name: case[1](w) for name, case in cases().items() if name in BY_METHOD}
    paths["admin/login/"] = "/admin/login/"
    paths["admin:index"] = "/admin/"
    paths["admin:password_change_done"] = reverse("admin:password_change_done")
    paths["admin:autocomplete"] = reverse("admin:autocomplete")
    paths["admin:jsi18n"] = reverse("admin:jsi18n")
    paths["admin:app_list"] = reverse("admin:app_list", args=["reference"])
    from django.contrib.contenttypes.models import ContentType

    region = w["admin_objects"]["reference.region"]
    paths["admin:view_on_site"] = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(region).pk, region.pk]
    )
    for label, obj in w["admin_objects"].items():
        prefix = label.replace(".", "_")
        paths[f"admin:{prefix}_history"] = reverse(f"admin:{prefix}_history", args=[obj.pk])
        paths[f"admin:{prefix} object"] = reverse(f"admin:{prefix}_changelist") + f"{obj.pk}/"
    paths["admin: catch-all"] = "/admin/no-such-page/"
    return paths


def read_only_expected(name: str) -> dict[str, Any]:
    if name in BY_METHOD:
        return everyone(405)
    if name == "admin/login/":
        return everyone(LOGIN)
    return {**everyone(LOGIN), "admin": ANY}


# -- the tests -------------------------------------------------------------------------------


def test_every_url_pattern_is_a_write_or_read_only() -> None:
    known = set(writes()) | set(BY_METHOD) | set(ADMIN_READS) | UNNAMED_ADMIN | {"admin/login/"}
    patterns = list(walk(get_resolver().url_patterns))
    unknown = [
        name
        for name in patterns
        if name not in known
        and not (name.startswith("admin:") and name.endswith(ADMIN_READ_SUFFIXES))
    ]
    assert unknown == [], f"add these URL patterns to the write matrix: {unknown}"
    stale = sorted(set(writes()) - set(patterns))
    assert stale == [], f"these are no longer URL patterns: {stale}"


@pytest.fixture
def write_world(world, people, nri_round, isri_round, settings) -> World:  # noqa: F811
    """The GET table's world, with what a write needs: a national report submitted (for the
    Secretariat to review), a stakeholder report submitted (to reopen), country A's report
    filled in (for its focal point to submit), an object of each model of the admin, and the
    clients of the two stakeholders."""
    from tests.stakeholders.helpers import start_report

    # Every persona sends from 127.0.0.1: the hourly limits are for real people.
    settings.RATE_START_PER_IP = settings.RATE_LINK_PER_EMAIL = (1000, 3600)
    settings.RATE_RESET_PER_IP = settings.RATE_RESET_PER_EMAIL = (1000, 3600)
    w = dict(world)
    w["report_pk"] = w["report"]
    report_a = Report.objects.get(pk=w["report"])
    for question, value in REQUIRED.items():
        answer_save(report=report_a, question=question, value=value, user=people["fp_a"])
    submitted = Report.objects.get(round_instrument=nri_round, member_state_id="BRA")
    Report.objects.filter(pk=submitted.pk).update(
        state=Report.State.SUBMITTED, submitted_at=timezone.now()
    )
    w["submitted"] = submitted.pk
    done = stakeholder_report_start(
        round_instrument=isri_round, email="done@example.org", entity_name="Done", language="en"
    )
    Report.objects.filter(pk=done.pk).update(
        state=Report.State.SUBMITTED, submitted_at=timezone.now() - dt.timedelta(days=1)
    )
    w["isri_submitted"] = done.pk
    w["counter"] = itertools.count(1)
    w["admin_objects"] = {label: throwaway(w, label) for label in THROWAWAY}
    stakeholder = Client()
    assert stakeholder.get(f"/isri/r/{w['token']}/").status_code == 302  # holds it from now on
    other = Client()
    start_report(other, isri_round.round.number, email="b@example.org", entity="Other NGO")
    w["clients"] = {"stakeholder": stakeholder, "stakeholder_b": other}
    return w


def state(w: World, write: Write) -> Any:
    return (AuditEntry.objects.count(), LogEntry.objects.count(), write.witness(w))


def test_every_write_as_every_persona(clients, people, write_world) -> None:
    w = write_world
    signed = {**clients, **w["clients"]}
    failures = []
    for name, write in writes().items():
        order = sorted(ALL, key=lambda p: write.expected[p] in {WRITE, KEPT})
        for persona in order:
            url, data = write.request(w, persona)
            before = state(w, write)
            response = signed[persona].post(url, data)
            after = state(w, write)
            got = outcome_of(response)
            if got == OK:
                got = WRITE if after != before else KEPT
            elif after != before:
                got = f"{got}, but it wrote"
            if got != write.expected[persona]:
                failures.append(
                    f"{name} as {persona}: expected {write.expected[persona]}, got {got} "
                    f"({response.status_code} {response.get('Location', '')})"
                )
        if name in {"accounts:sign_out", "admin:logout"}:
            for persona, user in people.items():
                user.refresh_from_db()  # the administrator's password changed above
                sign_in(signed[persona], user)
    assert not failures, "\n" + "\n".join(failures)


def test_no_read_only_route_takes_a_write(clients, write_world) -> None:
    w = write_world
    signed = {**clients, **w["clients"]}
    nothing = Write(lambda w, p: ("", {}), {}, witness=accounts)
    failures = []
    paths = read_only_paths(w)
    for name, path in paths.items():
        expected = read_only_expected(name)
        before = state(w, nothing)
        for persona in ALL:
            response = signed[persona].post(path, {"name": "x"})
            got = outcome_of(response)
            if expected[persona] != ANY and got != expected[persona]:
                failures.append(
                    f"{name} as {persona}: expected {expected[persona]}, got {got} "
                    f"({response.status_code})"
                )
        if state(w, nothing) != before:
            failures.append(f"{name}: a POST wrote")
    assert len(paths) > 40
    assert not failures, "\n" + "\n".join(failures)


def test_the_analyst_has_no_permission_in_the_admin(people, rf) -> None:
    """Whatever Django flags an analyst's account carries, the admin and each of its models
    refuse every change (`admin_site.py`, `core/admin_audit.py`)."""
    analyst = people["analyst"]
    analyst.is_staff = analyst.is_superuser = True
    analyst.save()
    request = rf.post("/admin/")
    request.user = analyst
    from django.contrib.sessions.backends.db import SessionStore

    from codemonitor.accounts.access import SESSION_VERIFIED

    request.session = SessionStore()
    request.session[SESSION_VERIFIED] = analyst.pk
    assert not admin.site.has_permission(request)
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
    # The administrator, signed in the same way, may.
    request.user = people["admin"]
    request.session[SESSION_VERIFIED] = people["admin"].pk
    assert admin.site.has_permission(request)
