"""Every URL pattern of the project, requested as each persona, with the expected outcome.

A URL pattern that this table does not know makes the test fail: whoever adds a view says here
who may use it. Who may write through each route, and that nobody else wrote anything, is the
POST table's (`test_write_matrix.py`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from codemonitor.reporting.models import ReportFile, ReportLink
from codemonitor.reporting.services import stakeholder_report_start

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "admin", "analyst", "fp_a", "contributor_a", "fp_b"]
OK, LOGIN, NOT_FOUND = "ok", "login", 404


def walk(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or entry.pattern}"


def everyone(outcome: Any) -> dict[str, Any]:
    return dict.fromkeys(PERSONAS, outcome)


def only(
    allowed: set[str], *, anonymous: Any = LOGIN, others: Any = NOT_FOUND, outcome: Any = OK
) -> dict[str, Any]:
    return {
        p: outcome if p in allowed else (anonymous if p == "anonymous" else others)
        for p in PERSONAS
    }


SECRETARIAT = {"admin", "analyst"}
COUNTRY_A = {"fp_a", "contributor_a"}
NATIONAL_ALL = {"fp_a", "contributor_a", "fp_b"}  # -- laws
NATIONAL_ANY = {"fp_a", "contributor_a", "fp_b"}  # -- recruiters


@pytest.fixture
def world(people, nri_round, report_a, isri_round, tmp_path):
    """One of each object a URL can name."""
    from codemonitor.instruments.models import InstrumentVersion
    from codemonitor.registers.models import NationalAuthorityProposal
    from codemonitor.registers.services import authority_propose

    document_a = ReportFile(
        report=report_a,
        question="supporting_documents",
        original_name="a.txt",
        content_type="text/plain",
        size=5,
        sha256="x",
    )
    document_a.file.save("a.txt", ContentFile(b"hello"), save=True)
    isri = stakeholder_report_start(
        round_instrument=isri_round, email="s@example.org", entity_name="Matrix NGO", language="en"
    )
    token = ReportLink.issue(isri)
    document_s = ReportFile(
        report=isri,
        question="q10_documents",
        original_name="s.txt",
        content_type="text/plain",
        size=5,
        sha256="x",
    )
    document_s.file.save("s.txt", ContentFile(b"hello"), save=True)
    proposal = authority_propose(user=people["fp_a"], data={"name": "New name"})
    from tests.national.conftest import person

    contributor = person("other@gha.example", "contributor", "GHA")  # the one to remove
    # -- laws: an entry of country A with its text, an import of A's and one of the WHO's.
    from tests.registers.helpers import law_import_held, make_law

    law_a = make_law(people["fp_a"], title="Matrix act")
    law_a.document.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
    law_a.document_name, law_a.document_type = "matrix.pdf", "application/pdf"
    law_a.save()
    laws = {
        "law": law_a.pk,
        "law_import": law_import_held(people["fp_a"], "GHA").pk,
        "law_import_who": law_import_held(people["admin"], None).pk,
    }
    # -- recruiters
    recruiter_a = fresh_recruiter(people["fp_a"], "W-1")
    import_a = fresh_import(people["fp_a"], "W-IMPORT")
    # -- workforce import
    from codemonitor.workforce.models import StatisticsFile

    statistics_file = StatisticsFile.objects.create(name="wfmi.csv", sha256="0" * 64, size=1)
    # -- reading the free text: an answer of country A's report, a code and a coded passage.
    from codemonitor.analysis.models import Code, Coding
    from codemonitor.reporting.models import Answer

    Answer.objects.create(
        report=report_a,
        round_instrument=nri_round,
        question="challenges",
        value="Matrix text: nurses leave for the cities.",
    )
    code = Code.objects.create(round=nri_round.round, label="Matrix theme")
    coding = Coding.objects.create(
        code=code, report=report_a, question="challenges", start=13, end=19, passage="nurses"
    )
    return {
        "analysis_code": code.pk,  # -- reading the free text
        "analysis_round": nri_round.round_id,
        "analysis_coding": coding.pk,
        "statistics_file": statistics_file.pk,  # -- workforce import
        **laws,
        # -- recruiters
        "recruiter": recruiter_a.pk,
        "recruiter_import": import_a.pk,
        "report": report_a.pk,
        "document": document_a.pk,
        "isri": str(isri.uuid),
        "isri_pk": isri.pk,
        "isri_document": document_s.pk,
        "token": token,
        "round": nri_round.round.number,
        "isri_round": isri_round.round.number,
        "version": InstrumentVersion.objects.first().pk,
        "proposal": proposal.pk,
        "contributor": contributor.pk,
        "uid": urlsafe_base64_encode(force_bytes(contributor.pk)),
        "proposal_model": NationalAuthorityProposal,
    }


# -- recruiters
def fresh_recruiter(user: Any, licence: str, country: str = "GHA") -> Any:
    """An entry of the record of authorised recruiters, of `country`."""
    from codemonitor.registers.recruiters import recruiter_create

    return recruiter_create(
        member_state_id=country,
        data={"legal_name": f"Agency {licence}", "licence_number": licence, "status": "authorised"},
        user=user,
    )


def fresh_import(user: Any, licence: str, country: str = "GHA") -> Any:
    """An import of one new entry of `country`, its columns chosen, waiting to be confirmed."""
    from codemonitor.registers.recruiter_import import (
        recruiter_import_map,
        recruiter_import_start,
    )

    content = f"Name,Licence\r\nAgency {licence},{licence}\r\n".encode()
    found = recruiter_import_start(
        member_state_id=country,
        source=io.BytesIO(content),
        file_name="list.csv",
        size=len(content),
        user=user,
    )
    recruiter_import_map(register_import=found, mapping={"legal_name": 0, "licence_number": 1})
    return found


def recruiters_csv() -> io.BytesIO:
    handle = io.BytesIO(b"Name,Licence\r\nUploaded agency,UP-1\r\n")
    handle.name = "list.csv"
    return handle


# name -> (method, path builder, data, expected outcome per persona)
Case = tuple[str, Callable[[dict[str, Any]], str], dict[str, Any], dict[str, Any]]


def cases() -> dict[str, Case]:
    r = lambda tail: lambda w: f"/national/reports/{w['report']}/{tail}"  # noqa: E731
    s = lambda tail: lambda w: f"/isri/report/{w['isri']}/{tail}"  # noqa: E731
    b = lambda tail: lambda w: f"/backoffice/{tail}"  # noqa: E731
    national_read = only(SECRETARIAT | COUNTRY_A)
    national_write = only(COUNTRY_A)
    staff = only(SECRETARIAT)
    staff_admin_post = {**only(SECRETARIAT), "analyst": NOT_FOUND}
    # A stakeholder report belongs to the browser that holds it (none of these personas) and
    # is readable by the Secretariat; anonymous outsiders get 404, never a sign-in page.
    isri_read = only(SECRETARIAT, anonymous=NOT_FOUND)
    nobody = everyone(NOT_FOUND)
    public = everyone(OK)
    return {
        "home": ("get", lambda w: "/", {}, public),
        "healthz": ("get", lambda w: "/healthz", {}, public),
        "set_language": ("post", lambda w: "/i18n/setlang/", {"language": "fr"}, public),
        # Stakeholders (no account).
        "stakeholders:current": ("get", lambda w: "/isri/", {}, public),
        "stakeholders:round": ("get", lambda w: f"/isri/round/{w['isri_round']}/", {}, public),
        "stakeholders:start": (
            "post",
            lambda w: f"/isri/round/{w['isri_round']}/start/",
            {"email": "new@example.org", "entity_name": "E"},
            public,
        ),
        "stakeholders:resend_link": (
            "post",
            lambda w: f"/isri/round/{w['isri_round']}/link/",
            {"email": "s@example.org"},
            public,
        ),
        "stakeholders:link": ("get", lambda w: f"/isri/r/{w['token']}/", {}, public),
        "stakeholders:page": ("get", s("page/2/"), {}, isri_read),
        "stakeholders:autosave": ("post", s("autosave/"), {"field": "q__q1_answer__"}, nobody),
        "stakeholders:rows": ("post", s("rows/"), {}, nobody),
        "stakeholders:upload": ("post", s("upload/"), {}, nobody),
        "stakeholders:document": (
            "get",
            lambda w: f"/isri/report/{w['isri']}/documents/{w['isri_document']}/",
            {},
            isri_read,
        ),
        "stakeholders:document_remove": (
            "post",
            lambda w: f"/isri/report/{w['isri']}/documents/{w['isri_document']}/remove/",
            {},
            nobody,
        ),
        "stakeholders:review": ("get", s("review/"), {}, isri_read),
        "stakeholders:submit": ("post", s("submit/"), {}, nobody),
        "stakeholders:done": ("get", s("done/"), {}, isri_read),
        "stakeholders:receipt": ("get", s("receipt.pdf"), {}, nobody),  # a draft has none
        # National reports: country A and, read-only, the Secretariat.
        "national:home": (
            "get",
            lambda w: "/national/",
            {},
            only({"fp_a", "contributor_a", "fp_b"}),
        ),
        "national:contributors": (
            "get",
            lambda w: "/national/contributors/",
            {},
            only({"fp_a", "contributor_a", "fp_b"}, anonymous=NOT_FOUND),
        ),
        "national:contributor_remove": (
            "post",
            lambda w: f"/national/contributors/{w['contributor']}/remove/",
            {},
            only({"fp_a"}, anonymous=NOT_FOUND),
        ),
        "national:authority": (
            "get",
            lambda w: "/national/authority/",
            {},
            only({"fp_a", "contributor_a", "fp_b"}, anonymous=NOT_FOUND),
        ),
        "national:page": ("get", r("page/2/"), {}, national_read),
        "national:autosave": (
            "post",
            r("autosave/"),
            {"field": "q__dna_name__", "value": "x"},
            {**national_write, "anonymous": 401},
        ),
        "national:rows": ("post", r("rows/"), {}, only(COUNTRY_A, anonymous=NOT_FOUND)),
        "national:upload": ("post", r("upload/"), {}, only(COUNTRY_A, anonymous=NOT_FOUND)),
        "national:document": (
            "get",
            lambda w: f"/national/reports/{w['report']}/documents/{w['document']}/",
            {},
            {**national_read, "anonymous": NOT_FOUND},
        ),
        "national:document_remove": (
            "post",
            lambda w: f"/national/reports/{w['report']}/documents/{w['document']}/remove/",
            {},
            only(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:review": ("get", r("review/"), {}, national_read),
        "national:submit": ("post", r("submit/"), {}, only(COUNTRY_A, anonymous=NOT_FOUND)),
        "national:history": ("get", r("history/"), {}, national_read),
        "national:print": ("get", r("report.pdf"), {}, national_read),
        "national:blank": ("get", r("blank.pdf"), {}, national_read),
        # The Secretariat's back office.
        "backoffice:dashboard": ("get", b(""), {}, staff),
        "backoffice:instruments": ("get", b("instruments/"), {}, staff),
        "backoffice:instrument_upload": ("get", b("instruments/upload/"), {}, staff),
        "backoffice:instrument_version": (
            "get",
            lambda w: f"/backoffice/instruments/{w['version']}/",
            {},
            staff,
        ),
        "backoffice:instrument_version_blank": (
            "get",
            lambda w: f"/backoffice/instruments/{w['version']}/blank.pdf",
            {},
            staff,
        ),
        "backoffice:instrument_version_download": (
            "get",
            lambda w: f"/backoffice/instruments/{w['version']}/xlsform/",
            {},
            staff,
        ),
        "backoffice:round_overview": (
            "get",
            lambda w: f"/backoffice/rounds/{w['round']}/national/",
            {},
            staff,
        ),
        "backoffice:round_open": (
            "post",
            lambda w: f"/backoffice/rounds/{w['round']}/national/open/",
            {},
            staff_admin_post,
        ),
        # -- publication: its administrators alone set the moment and withhold reports.
        "backoffice:round_publication": (
            "post",
            lambda w: f"/backoffice/rounds/{w['round']}/publication/",
            {"publishes_at": "2099-01-01T00:00"},
            staff_admin_post,
        ),
        "backoffice:report_publication": (
            "post",
            lambda w: f"/backoffice/reports/{w['report']}/publication/release/",
            {},
            staff_admin_post,
        ),
        "backoffice:national_report": (
            "get",
            lambda w: f"/backoffice/national-reports/{w['report']}/",
            {},
            staff,
        ),
        "backoffice:national_report_action": (
            "post",
            lambda w: f"/backoffice/national-reports/{w['report']}/review/",
            {},
            staff_admin_post,
        ),
        "backoffice:registers": ("get", b("registers/authorities/"), {}, staff),
        "backoffice:register_export": ("get", b("registers/authorities.csv"), {}, staff),
        "backoffice:register_entry": ("get", b("registers/authorities/GHA/"), {}, staff),
        "backoffice:register_proposal": (
            "post",
            lambda w: f"/backoffice/registers/proposals/{w['proposal']}/decline/",
            {},
            staff_admin_post,
        ),
        # -- recruiters: the country's own (each national user sees their country's list), the
        # Secretariat's (analysts read), and the public lookup (anyone).
        "national:recruiters": (
            "get",
            lambda w: "/national/recruiters/?q=agency&status=authorised",
            {},
            only(NATIONAL_ANY, anonymous=NOT_FOUND),
        ),
        "national:recruiter_add": (
            "get",
            lambda w: "/national/recruiters/add/",
            {},
            only(NATIONAL_ANY, anonymous=NOT_FOUND),
        ),
        "national:recruiter": (
            "get",
            lambda w: f"/national/recruiters/{w['recruiter']}/",
            {},
            only(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:recruiter_remove": (
            "post",
            lambda w: f"/national/recruiters/{w['recruiter']}/remove/",
            {},
            only(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:recruiter_import": (
            "get",
            lambda w: "/national/recruiters/import/",
            {},
            only(NATIONAL_ANY, anonymous=NOT_FOUND),
        ),
        "national:recruiter_import_page": (
            "get",
            lambda w: f"/national/recruiters/import/{w['recruiter_import']}/",
            {},
            only(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "backoffice:recruiters": (
            "get",
            b("registers/recruiters/?q=agency&country=GHA&region=AFR"),
            {},
            staff,
        ),
        "backoffice:recruiters_export": ("get", b("registers/recruiters.csv?q=agency"), {}, staff),
        "backoffice:recruiter": (
            "get",
            lambda w: f"/backoffice/registers/recruiters/{w['recruiter']}/",
            {},
            staff,
        ),
        "backoffice:recruiter_validation": (
            "post",
            lambda w: f"/backoffice/registers/recruiters/{w['recruiter']}/validation/",
            {"action": "validate"},
            staff_admin_post,
        ),
        "backoffice:recruiter_import": ("get", b("registers/recruiters/import/"), {}, staff),
        "backoffice:recruiter_import_page": (
            "get",
            lambda w: f"/backoffice/registers/recruiters/import/{w['recruiter_import']}/",
            {},
            staff,
        ),
        "portal:recruiters": ("get", lambda w: "/recruiters/?q=agency+w-1", {}, public),
        # -- the published portal: anyone; the world's round is under embargo (its moment is
        # months ahead), so its round and reports are 404 for everyone, the Secretariat too.
        "portal:rounds": ("get", lambda w: "/rounds/", {}, public),
        "sitemap": ("get", lambda w: "/sitemap.xml", {}, public),
        # The language of the pages for visitors without an account: anyone (a cookie, back).
        "language": ("get", lambda w: "/language/?language=fr&next=/rounds/", {}, public),
        "portal:round": ("get", lambda w: f"/rounds/{w['round']}/", {}, everyone(NOT_FOUND)),
        "portal:report": ("get", lambda w: f"/reports/{w['report']}/", {}, everyone(NOT_FOUND)),
        # -- a round's open data: under embargo, 404 for everyone, the Secretariat too (its
        # archive is the back office's); the Secretariat's archive page is staff only.
        "portal:round_data": (
            "get",
            lambda w: f"/rounds/{w['round']}/data/",
            {},
            everyone(NOT_FOUND),
        ),
        "portal:round_file": (
            "get",
            lambda w: f"/rounds/{w['round']}/data/all.json",
            {},
            everyone(NOT_FOUND),
        ),
        "portal:codebook": (
            "get",
            lambda w: f"/rounds/{w['round']}/codebook/",
            {},
            everyone(NOT_FOUND),
        ),
        "portal:codebook_file": (
            "get",
            lambda w: f"/rounds/{w['round']}/codebook.csv",
            {},
            everyone(NOT_FOUND),
        ),
        "backoffice:round_data": (
            "get",
            lambda w: f"/backoffice/rounds/{w['round']}/data/",
            {},
            staff,
        ),
        "portal:country": ("get", lambda w: "/countries/GHA/", {}, public),
        # -- the read API: anyone; a session is no token (the world's round is under embargo).
        "api:docs": ("get", lambda w: "/api/", {}, public),
        "api:api-root": ("get", lambda w: "/api/", {}, public),
        "api:openapi-json": ("get", lambda w: "/api/openapi.json", {}, public),
        "api:rounds": ("get", lambda w: "/api/rounds", {}, public),
        "api:round": ("get", lambda w: f"/api/rounds/{w['round']}", {}, everyone(NOT_FOUND)),
        "api:reports": ("get", lambda w: "/api/reports", {}, public),
        "api:report": ("get", lambda w: f"/api/reports/{w['report']}", {}, everyone(NOT_FOUND)),
        "api:answers": ("get", lambda w: f"/api/answers?report={w['report']}", {}, public),
        "api:countries": ("get", lambda w: "/api/countries", {}, public),
        "api:country": ("get", lambda w: "/api/countries/GHA", {}, public),
        "api:authorities": ("get", lambda w: "/api/authorities", {}, public),
        "api:laws": ("get", lambda w: "/api/laws", {}, public),
        "api:recruiters": ("get", lambda w: "/api/recruiters", {}, public),
        "api:statistics": ("get", lambda w: "/api/statistics", {}, public),
        "api:unknown": ("get", lambda w: "/api/nothing", {}, everyone(NOT_FOUND)),
        "portal:code": ("get", lambda w: "/code/", {}, public),
        "portal:search": ("get", lambda w: "/search/?q=nurses&region=AFR&article=9", {}, public),
        "portal:round_report": (
            "get",
            lambda w: f"/rounds/{w['round']}/report/",
            {},
            everyone(NOT_FOUND),
        ),
        "portal:round_report_pdf": (
            "get",
            lambda w: f"/rounds/{w['round']}/report.pdf",
            {},
            everyone(NOT_FOUND),
        ),
        "portal:report_pdf": (
            "get",
            lambda w: f"/reports/{w['report']}.pdf",
            {},
            everyone(NOT_FOUND),
        ),
        # -- workforce import: the upload is the administrators'; analysts read the rest.
        "backoffice:statistics_files": ("get", b("workforce/"), {}, staff),
        "backoffice:statistics_import": (
            "get",
            b("workforce/import/"),
            {},
            {**only(SECRETARIAT), "analyst": NOT_FOUND},
        ),
        "backoffice:statistics_file": (
            "get",
            lambda w: f"/backoffice/workforce/files/{w['statistics_file']}/",
            {},
            staff,
        ),
        "backoffice:statistics": ("get", b("workforce/statistics/"), {}, staff),
        "backoffice:statistics_export": ("get", b("workforce/statistics.csv"), {}, staff),
        # -- profile
        "backoffice:countries": ("get", b("countries/"), {}, staff),
        "backoffice:country": ("get", b("countries/GHA/"), {}, staff),
        "national:profile": (
            "get",
            lambda w: "/national/profile/",
            {},
            only({"fp_a", "contributor_a", "fp_b"}, anonymous=NOT_FOUND),
        ),
        # -- analysis
        "backoffice:analysis": ("get", b("analysis/"), {}, staff),
        # -- completeness
        "backoffice:analysis_completeness": ("get", b("analysis/completeness/"), {}, staff),
        "backoffice:analysis_completeness_list": (
            "get",
            b("analysis/completeness/list/?status=member_states&region=AFR"),
            {},
            staff,
        ),
        # -- analysis: a country across rounds (the Secretariat any country; a national user
        # their own, on a page with no parameter naming a country)
        "backoffice:analysis_countries": ("get", b("analysis/countries/?country=gha"), {}, staff),
        "backoffice:analysis_country": ("get", b("analysis/countries/GHA/"), {}, staff),
        "national:analysis": (
            "get",
            lambda w: "/national/analysis/",
            {},
            only(NATIONAL_ALL, anonymous=NOT_FOUND),
        ),
        # -- analysis: questions tabulated, the reports behind a number
        "backoffice:analysis_questions": ("get", b("analysis/questions/"), {}, staff),
        "backoffice:analysis_question": (
            "get",
            b("analysis/questions/code_awareness/"),
            {},
            staff,
        ),
        "backoffice:analysis_reports": (
            "get",
            b("analysis/reports/?question=code_awareness&value=yes"),
            {},
            staff,
        ),
        # -- reading the free text: both Secretariat roles search, code and keep the codebook.
        "backoffice:analysis_search": ("get", b("analysis/search/?q=nurses"), {}, staff),
        "backoffice:analysis_answer": (
            "get",
            lambda w: f"/backoffice/analysis/answers/{w['report']}/challenges/",
            {},
            staff,
        ),
        "backoffice:analysis_codebook": ("get", b("analysis/codebook/"), {}, staff),
        "backoffice:analysis_code": (  # refused with a message: nothing changes
            "post",
            lambda w: f"/backoffice/analysis/codebook/{w['analysis_code']}/",
            {"action": "change", "label": ""},
            staff,
        ),
        "backoffice:analysis_codings": ("get", b("analysis/codings/"), {}, staff),
        "backoffice:analysis_coding": (
            "post",
            lambda w: f"/backoffice/analysis/codings/{w['analysis_coding']}/",
            {"action": "quote", "quote": "1"},
            staff,
        ),
        "backoffice:analysis_report": ("get", b("analysis/report/"), {}, staff),
        "backoffice:analysis_report_download": ("get", b("analysis/report.docx"), {}, staff),
        "backoffice:stakeholder_reports": ("get", b("stakeholder-reports/"), {}, staff),
        "backoffice:stakeholder_report": (
            "get",
            lambda w: f"/backoffice/stakeholder-reports/{w['isri_pk']}/",
            {},
            staff,
        ),
        "backoffice:stakeholder_report_reopen": (
            "post",
            lambda w: f"/backoffice/stakeholder-reports/{w['isri_pk']}/reopen/",
            {},
            staff_admin_post,
        ),
        # -- laws: the country's people (each their own country's), the Secretariat in the
        # back office (its administrators alone validate, return and import).
        "national:laws": ("get", lambda w: "/national/laws/", {}, only(NATIONAL_ALL)),
        "national:law_add": ("get", lambda w: "/national/laws/add/", {}, only(NATIONAL_ALL)),
        "national:laws_from_report": (
            "get",
            lambda w: "/national/laws/from-report/",
            {},
            only(NATIONAL_ALL),
        ),
        "national:laws_template": (
            "get",
            lambda w: "/national/laws/template.csv",
            {},
            only(NATIONAL_ALL),
        ),
        "national:laws_import": ("get", lambda w: "/national/laws/import/", {}, only(NATIONAL_ALL)),
        "national:laws_import_preview": (
            "get",
            lambda w: f"/national/laws/import/{w['law_import']}/",
            {},
            only(COUNTRY_A),
        ),
        "national:laws_import_decide": (
            "post",
            lambda w: f"/national/laws/import/{w['law_import']}/discard/",
            {},
            only(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:law": ("get", lambda w: f"/national/laws/{w['law']}/", {}, only(COUNTRY_A)),
        "national:law_edit": (
            "get",
            lambda w: f"/national/laws/{w['law']}/edit/",
            {},
            only(COUNTRY_A),
        ),
        "national:law_remove": (  # a law of its own for each persona (see below)
            "post",
            lambda w: f"/national/laws/{w['law']}/remove/",
            {},
            only(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "national:law_document": (
            "get",
            lambda w: f"/national/laws/{w['law']}/document/",
            {},
            only(COUNTRY_A, anonymous=NOT_FOUND),
        ),
        "backoffice:laws": ("get", b("registers/laws/"), {}, staff),
        "backoffice:laws_export": ("get", b("registers/laws.csv?country=GHA"), {}, staff),
        "backoffice:laws_pending": ("get", b("registers/laws/pending/"), {}, staff),
        "backoffice:laws_template": ("get", b("registers/laws/template.csv"), {}, staff),
        "backoffice:laws_import": ("get", b("registers/laws/import/"), {}, staff),
        "backoffice:laws_import_preview": (
            "get",
            lambda w: f"/backoffice/registers/laws/import/{w['law_import_who']}/",
            {},
            staff,
        ),
        "backoffice:laws_import_decide": (
            "post",
            lambda w: f"/backoffice/registers/laws/import/{w['law_import_who']}/discard/",
            {},
            staff_admin_post,
        ),
        "backoffice:law": ("get", lambda w: f"/backoffice/registers/laws/{w['law']}/", {}, staff),
        "backoffice:law_add": ("get", b("registers/laws/add/?country=GHA"), {}, staff_admin_post),
        "backoffice:law_edit": (
            "get",
            lambda w: f"/backoffice/registers/laws/{w['law']}/edit/",
            {},
            staff_admin_post,
        ),
        "backoffice:law_document": (
            "get",
            lambda w: f"/backoffice/registers/laws/{w['law']}/document/",
            {},
            only(SECRETARIAT, anonymous=NOT_FOUND),
        ),
        "backoffice:law_decision": (
            "post",
            lambda w: f"/backoffice/registers/laws/{w['law']}/validate/",
            {},
            staff_admin_post,
        ),
        # Accounts.
        "accounts:account": ("get", lambda w: "/account/", {}, only(set(PERSONAS) - {"anonymous"})),
        "accounts:sign_in": ("get", lambda w: "/account/sign-in/", {}, public),
        # Without a password step first, the code step sends back to signing in.
        "accounts:code": ("get", lambda w: "/account/sign-in/code/", {}, everyone(LOGIN)),
        "accounts:sign_out": ("post", lambda w: "/account/sign-out/", {}, public),
        "accounts:two_factor": (
            "get",
            lambda w: "/account/two-factor/",
            {},
            only(set(PERSONAS) - {"anonymous"}),
        ),
        "accounts:two_factor_off": (
            "post",
            lambda w: "/account/two-factor/off/",
            {},
            only(set(PERSONAS) - {"anonymous"}),
        ),
        # One's own tokens for the read API; nobody revokes a token that is not theirs.
        "accounts:api_tokens": (
            "get",
            lambda w: "/account/api-tokens/",
            {},
            only(set(PERSONAS) - {"anonymous"}),
        ),
        "accounts:api_token_revoke": (
            "post",
            lambda w: "/account/api-tokens/999999/revoke/",
            {},
            only(set()),
        ),
        "accounts:password_reset": ("get", lambda w: "/account/password/reset/", {}, public),
        "accounts:password_reset_sent": (
            "get",
            lambda w: "/account/password/reset/sent/",
            {},
            public,
        ),
        "accounts:password_reset_confirm": (
            "get",
            lambda w: f"/account/password/reset/{w['uid']}/bad-token/",
            {},
            public,
        ),
        "accounts:password_reset_complete": (
            "get",
            lambda w: "/account/password/reset/done/",
            {},
            public,
        ),
        # Admin login redirects to the platform's sign-in; the admin itself: admins only.
        "admin/login/": ("get", lambda w: "/admin/login/", {}, everyone(LOGIN)),
    }


ADMIN_SAMPLES = ["/admin/", "/admin/reference/memberstate/", "/admin/accounts/user/"]


def outcome_of(response) -> Any:
    if response.status_code == 302 and response["Location"].startswith(
        ("/account/sign-in/", "/admin/login/")
    ):
        return LOGIN
    if response.status_code in {200, 302, 400, 409, 422}:
        return OK
    return response.status_code


def test_every_url_pattern_is_in_the_table() -> None:
    known = set(cases())
    unknown = [
        name
        for name in walk(get_resolver().url_patterns)
        if name not in known and not name.startswith("admin:")
    ]
    assert unknown == [], f"add these URL patterns to the scoping matrix: {unknown}"


def test_every_url_as_every_persona(clients, world) -> None:
    failures = []
    for name, (method, path, data, expected) in cases().items():
        for persona in PERSONAS:
            client: Client = clients[persona]
            url = path(world)
            payload = dict(data)
            if name == "national:document_remove":  # a document of its own for each persona
                fresh = ReportFile(
                    report_id=world["report"],
                    question="supporting_documents",
                    original_name="b.txt",
                    content_type="text/plain",
                    size=5,
                    sha256="x",
                )
                fresh.file.save("b.txt", ContentFile(b"hello"), save=True)
                url = f"/national/reports/{world['report']}/documents/{fresh.pk}/remove/"
            if name == "national:law_remove":  # -- laws: an entry of its own for each persona
                from tests.registers.helpers import make_law

                url = f"/national/laws/{make_law(None, title=f'Of {persona}').pk}/remove/"
            if name == "national:recruiter_remove":  # -- recruiters: one to remove each
                url = f"/national/recruiters/{fresh_recruiter(None, f'RM-{persona}').pk}/remove/"
            if name == "stakeholders:link":
                client = Client()  # whoever opens the link holds the report from then on
            if name == "stakeholders:start":
                payload["email"] = f"{persona}@example.org"
            if name.endswith(":upload"):
                handle = io.BytesIO(b"hello")
                handle.name = "x.txt"
                payload["q__q10_documents__" if "isri" in url else "q__supporting_documents__"] = (
                    handle
                )
            response = client.get(url) if method == "get" else client.post(url, payload)
            got = outcome_of(response)
            if got != expected[persona]:
                failures.append(
                    f"{name} as {persona}: expected {expected[persona]}, got {got} "
                    f"({response.status_code})"
                )
            if name == "accounts:sign_out" and persona != "anonymous":
                from tests.conftest import sign_in

                sign_in(client, world_user(persona))
    assert not failures, "\n" + "\n".join(failures)


def world_user(persona: str):
    from codemonitor.accounts.models import User

    return User.objects.get(
        email={
            "admin": "secretariat@example.org",
            "analyst": "analyst@who.example",
            "fp_a": "fp@gha.example",
            "contributor_a": "contrib@gha.example",
            "fp_b": "fp@fra.example",
        }[persona]
    )


def test_the_admin_is_for_secretariat_administrators(clients, world) -> None:
    for url in ADMIN_SAMPLES:
        for persona in PERSONAS:
            got = outcome_of(clients[persona].get(url))
            expected = OK if persona == "admin" else LOGIN
            assert got == expected, (url, persona)
