"""The registers in a real browser: a focal point adds a law with its text and imports the
country's list of authorised recruiters; the Secretariat validates both, imports an OECD file of
migration statistics and opens the country profile with its charts; a health worker checks a
recruiter in the public lookup. axe-core checks every page on the way."""

from __future__ import annotations

import re
from decimal import Decimal

import pyotp
from django.utils import timezone

from codemonitor.accounts.models import Role, User
from codemonitor.core.models import AuditEntry
from codemonitor.registers.models import Law, Recruiter, Validation
from codemonitor.workforce.models import Statistic
from tests.e2e.conftest import axe_check
from tests.e2e.test_nri_browser import PASSWORD, sign_in

SECRET = pyotp.random_base32()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The list as a ministry publishes it: its own headings, semicolons, a status in French.
RECRUITERS = (
    "Nom de l'agence;Numéro de licence;Statut;Valide jusqu'au\r\n"
    "Accra Care Recruiters Ltd;GH/RA/001;Valide;31/12/2027\r\n"
    "Volta Health Staffing;GH/RA/002;Suspendue;30/06/2026\r\n"
    "Agence sans numéro;;Valide;31/12/2027\r\n"
).encode()
OECD = (
    "\ufeffCOU,Country,VAR,Variable,CO2,Country of origin,YEA,Year,Value,Flag Codes,Flags\n"
    "GBR,United Kingdom,FTDS,Foreign-trained doctors,GHA,Ghana,2020,2020,1200,,\n"
    "GBR,United Kingdom,FTDS,Foreign-trained doctors,GHA,Ghana,2021,2021,1310,B,Break\n"
    "USA,United States,FTDS,Foreign-trained doctors,GHA,Ghana,2021,2021,980,,\n"
    "GBR,United Kingdom,FTDS,Foreign-trained doctors,TOT,Total,2021,2021,62000,,\n"
    "GBR,United Kingdom,TNBD,Total doctors,TOT,Total,2021,2021,310000,,\n"
).encode()


def test_registers_from_the_country_to_the_profile(browser, site, tmp_path) -> None:
    url = site["url"]
    User.objects.create_user(
        "who@who.example",
        "who@who.example",
        PASSWORD,
        role=Role.SECRETARIAT_ADMIN,
        totp_secret=SECRET,
        totp_confirmed_at=timezone.now(),
    )
    User.objects.create_user(
        "ama@gha.example",
        "ama@gha.example",
        PASSWORD,
        role=Role.FOCAL_POINT,
        member_state_id="GHA",
    )
    (tmp_path / "act.pdf").write_bytes(PDF)
    (tmp_path / "recruiters.csv").write_bytes(RECRUITERS)
    (tmp_path / "wfmi.csv").write_bytes(OECD)

    # The focal point adds the country's recruitment law with its full text.
    focal = browser.new_context().new_page()
    sign_in(focal, f"{url}/account/sign-in/?next=/national/", "ama@gha.example")
    focal.wait_for_url(re.compile(r"/national/$"))
    focal.click("text=Laws and regulations")
    axe_check(focal)
    focal.goto(f"{url}/national/laws/add/")
    focal.fill("#id_title", "Health Professions Regulatory Bodies Act")
    focal.select_option("#id_kind", "law")
    focal.fill("#id_number", "Act 857")
    focal.fill("#id_issuing_body", "Parliament of Ghana")
    focal.select_option("#id_events-0-kind", "adopted")
    focal.fill("#id_events-0-date", "2013-09-06")
    focal.set_input_files("#id_document", str(tmp_path / "act.pdf"))
    focal.fill("#id_keywords", "licensing, recruitment")
    focal.check("#id_articles input[value='5']")
    axe_check(focal)
    focal.click("text=Save the entry")
    focal.wait_for_selector("text=Health Professions Regulatory Bodies Act")
    axe_check(focal)
    law = Law.objects.get(member_state_id="GHA")
    assert law.validation == Validation.PENDING
    assert law.document_name.endswith(".pdf")
    assert [event.kind for event in law.events.all()] == ["adopted"]

    # She imports the ministry's list of recruiters; the preview refuses the row without a
    # licence number before anything is saved.
    focal.goto(f"{url}/national/recruiters/import/")
    axe_check(focal)
    focal.set_input_files("#id_file", str(tmp_path / "recruiters.csv"))
    focal.click("text=Read the file")
    focal.wait_for_selector("text=Which column holds what?")
    axe_check(focal)
    focal.click("text=Show what would change")
    focal.wait_for_selector("text=What would change")
    preview = focal.content()
    assert "2 new entries" in preview
    assert "1 row refused" in preview
    assert Recruiter.objects.count() == 0
    axe_check(focal)
    focal.click("text=Save these changes")
    focal.wait_for_selector("text=Saved: 2 new entries")
    axe_check(focal)
    statuses = dict(Recruiter.objects.values_list("licence_number", "status"))
    assert statuses == {"GH/RA/001": "authorised", "GH/RA/002": "suspended"}

    # The Secretariat validates the law and the recruiters.
    secretariat = browser.new_context().new_page()
    sign_in(
        secretariat,
        f"{url}/account/sign-in/?next=/backoffice/",
        "who@who.example",
        lambda: pyotp.TOTP(SECRET).now(),
    )
    secretariat.wait_for_url(re.compile(r"/backoffice/$"))
    secretariat.goto(f"{url}/backoffice/registers/laws/pending/")
    axe_check(secretariat)
    secretariat.goto(f"{url}/backoffice/registers/laws/{law.pk}/")
    axe_check(secretariat)
    secretariat.click("button:has-text('Validate')")
    secretariat.wait_for_load_state()
    law.refresh_from_db()
    assert law.validation == Validation.VALIDATED
    for recruiter in Recruiter.objects.all():
        secretariat.goto(f"{url}/backoffice/registers/recruiters/{recruiter.pk}/")
        axe_check(secretariat)
        secretariat.click("button[value=validate]")
        secretariat.wait_for_load_state()
    assert set(Recruiter.objects.values_list("validation", flat=True)) == {Validation.VALIDATED}

    # It imports an OECD file of migration statistics.
    secretariat.goto(f"{url}/backoffice/workforce/import/")
    axe_check(secretariat)
    secretariat.set_input_files("#id_file", str(tmp_path / "wfmi.csv"))
    secretariat.click("button:has-text('Import')")
    secretariat.wait_for_selector("text=created")
    axe_check(secretariat)
    assert Statistic.objects.count() == 5
    flagged = Statistic.objects.get(destination_code="GBR", origin_code="GHA", year=2021)
    assert (flagged.value, flagged.flag) == (Decimal(1310), "B")

    # The country profile: the law, the recruiters, Ghana as a country of origin, with charts.
    secretariat.goto(f"{url}/backoffice/countries/GHA/")
    profile = secretariat.content()
    for text in ("Health Professions Regulatory Bodies Act", "Accra Care Recruiters Ltd"):
        assert text in profile
    assert secretariat.locator("svg[role=img]").count() >= 1
    assert "United Kingdom" in profile
    axe_check(secretariat)

    # A health worker checks a recruiter by its licence number, written their own way.
    public = browser.new_context().new_page()
    public.goto(f"{url}/recruiters/?q=gh-ra-002")
    public.wait_for_selector("text=Volta Health Staffing")
    axe_check(public)

    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "register.law.created",
        "register.law.validated",
        "register.recruiters.imported",
        "register.recruiter.validated",
        "workforce.statistics.imported",
    } <= actions
