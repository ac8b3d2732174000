"""The NRI from invitation to validation, in a real browser, with real emails."""

from __future__ import annotations

import re

import pyotp
from django.utils import timezone

from codemonitor.accounts.models import Role, User
from codemonitor.core.models import AuditEntry
from codemonitor.instruments.models import InstrumentVersion
from codemonitor.reporting.models import Report
from tests.smtp import Mailbox

PASSWORD = "a long enough password 123"
SECRET = pyotp.random_base32()
URL_RE = r"(http://127\.0\.0\.1:\d+/account/[^\s]+)"


def page_of(question: str) -> int:
    form = InstrumentVersion.objects.get(instrument__code="nri").form
    for number, page in enumerate(form.pages(), start=1):
        if any(node.name == question for node in page.walk()):
            return number
    raise AssertionError(question)


def mail_to(site, address: str, count: int = 1) -> list:
    mailbox = site["mail"]

    def found() -> list:
        return [m for m in mailbox.messages if address in str(m["To"])]

    if mailbox.wait_until(lambda: len(found()) >= count, timeout=10):
        return found()
    raise AssertionError(f"no email to {address}: {[m['To'] for m in mailbox.messages]}")


def link_in(message) -> str:
    return re.search(URL_RE, Mailbox.body(message))[1]


def sign_in(page, url: str, email: str, code: str | None = None) -> None:
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form.narrow button[type=submit]")
    if code is not None:
        page.wait_for_url(re.compile(r"/sign-in/code/$"))
        page.fill("#id_code", code())
        page.click("text=Continue")


def set_password(browser, link: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(link)
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("text=Save the password")
    page.wait_for_url(re.compile(r"/password/reset/done/$"))
    context.close()


def autosaved(page, action) -> None:
    """Change a field and wait until the server confirms the save."""
    with page.expect_response(lambda r: "/autosave/" in r.url and r.status == 200):
        action()


def test_national_report_from_invitation_to_validation(browser, site) -> None:
    url = site["url"]
    User.objects.create_user(
        "who@who.example",
        "who@who.example",
        PASSWORD,
        role=Role.SECRETARIAT_ADMIN,
        totp_secret=SECRET,
        totp_confirmed_at=timezone.now(),
    )

    def code() -> str:
        return pyotp.TOTP(SECRET).now()

    secretariat = browser.new_context().new_page()
    sign_in(secretariat, f"{url}/account/sign-in/?next=/backoffice/", "who@who.example", code)
    secretariat.wait_for_url(re.compile(r"/backoffice/$"))

    # The Secretariat names Ghana's focal point in the register; she chooses a password.
    secretariat.goto(f"{url}/backoffice/registers/authorities/GHA/")
    secretariat.fill("#id_focal-email", "ama@gha.example")
    secretariat.click("text=Invite a focal point")
    set_password(browser, link_in(mail_to(site, "ama@gha.example")[0]))

    # The Secretariat opens national reporting: the focal point is invited.
    number = site["round"].number
    secretariat.goto(f"{url}/backoffice/rounds/{number}/national/")
    secretariat.click("text=Open national reporting and invite the focal points")
    secretariat.wait_for_selector("text=194 national reports opened")
    invitation = mail_to(site, "ama@gha.example", 2)[1]
    report = Report.objects.get(round_instrument__round=site["round"], member_state_id="GHA")

    focal = browser.new_context().new_page()
    sign_in(focal, link_in(invitation), "ama@gha.example")
    focal.wait_for_url(re.compile(rf"/national/reports/{report.pk}/page/1/$"))

    # She invites a contributor from the ministry of labour.
    focal.goto(f"{url}/national/contributors/")
    focal.fill("#id_email", "kofi@labour.gha.example")
    focal.click("text=Send the invitation")
    focal.wait_for_selector("text=The invitation is on its way.")
    set_password(browser, link_in(mail_to(site, "kofi@labour.gha.example")[0]))
    contributor = browser.new_context().new_page()
    sign_in(contributor, f"{url}/account/sign-in/?next=/national/", "kofi@labour.gha.example")

    # Both fill in parts.
    base = f"{url}/national/reports/{report.pk}"
    authority_page = page_of("dna_name")
    contributor.goto(f"{base}/page/{authority_page}/")
    autosaved(
        contributor,
        lambda: contributor.fill(
            '[name="q__dna_institution__"]', "Ministry of Employment and Labour"
        ),
    )
    focal.goto(f"{base}/page/{authority_page}/")
    autosaved(focal, lambda: focal.fill('[name="q__dna_name__"]', "HRH Directorate"))
    autosaved(focal, lambda: focal.fill('[name="q__fp_email__"]', "ama@gha.example"))
    focal.goto(f"{base}/page/{page_of('has_agreements')}/")
    autosaved(focal, lambda: focal.check('[name="q__has_agreements__"][value="no"]'))
    focal.goto(f"{base}/page/{page_of('separate_nurses_midwives')}/")
    autosaved(focal, lambda: focal.check('[name="q__separate_nurses_midwives__"][value="yes"]'))
    focal.goto(f"{base}/review/")
    assert "Ministry of Employment and Labour" in focal.content()
    focal.click("#submit-button")
    focal.wait_for_selector("text=The report is submitted to the WHO Secretariat.")

    # The Secretariat returns it with a comment on one question.
    secretariat.goto(f"{url}/backoffice/national-reports/{report.pk}/")
    secretariat.click("#start-review")
    secretariat.wait_for_selector("text=In review")
    secretariat.click("text=Return to the country with comments")
    secretariat.fill("#c-dna_name", "Please give the full official name.")
    secretariat.click("text=Return the report")
    secretariat.wait_for_selector("#state:has-text('Returned for changes')")
    assert mail_to(site, "ama@gha.example", 4)

    # The focal point answers the comment and resubmits.
    focal.goto(f"{base}/page/{authority_page}/")
    assert "Please give the full official name." in focal.content()
    autosaved(
        focal,
        lambda: focal.fill('[name="q__dna_name__"]', "Directorate of Human Resources for Health"),
    )
    focal.goto(f"{base}/review/")
    focal.click("#submit-button")
    focal.wait_for_selector("text=The report is submitted to the WHO Secretariat.")

    # The Secretariat validates.
    secretariat.goto(f"{url}/backoffice/national-reports/{report.pk}/")
    secretariat.click("#start-review")
    secretariat.click("#validate")
    secretariat.wait_for_selector("#state:has-text('Validated')")

    # The audit trail shows every step.
    steps_done = list(
        AuditEntry.objects.filter(report=report)
        .exclude(action__in=["report.answer.changed"])
        .values_list("action", flat=True)
    )
    assert steps_done == [
        "report.submitted",
        "report.review_started",
        "report.returned",
        "report.resubmitted",
        "report.review_started",
        "report.validated",
    ]
    changes = AuditEntry.objects.filter(
        report=report, action="report.answer.changed", data__question="dna_name"
    )
    assert [(c.actor.email, c.data["new"]) for c in changes] == [
        ("ama@gha.example", "HRH Directorate"),
        ("ama@gha.example", "Directorate of Human Resources for Health"),
    ]
    focal.goto(f"{base}/history/")
    history = focal.content()
    for action in ("report.validated", "report.returned", "kofi@labour.gha.example"):
        assert action in history
    assert AuditEntry.objects.filter(action="user.signed_in").count() >= 2
