"""The `report_field` column: which answers a report keeps as its own, checked by the checker."""

from __future__ import annotations

import pytest

from codemonitor.instruments.xlsform import check_workbook
from tests.builders import xlsform

HEADER = ["type", "name", "label::English (en)", "report_field", "personal_data"]
CHOICES = [["list_name", "name", "label::English (en)"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
OTHER = [["list_name", "name", "label::English (en)"], ["ok", "1", "Yes"], ["ok", "0", "No"]]


def check(survey, choices=CHOICES):
    return check_workbook(xlsform(survey, choices, survey_header=HEADER))


def test_declared_report_fields_are_kept_on_the_form() -> None:
    result = check(
        [
            ["text", "org", "Organisation", "entity_name"],
            ["select_one yn", "agree", "Publish the name?", "entity_name_consent"],
            ["text", "address", "Email", "contact_email", "yes"],
        ]
    )
    assert result.ok, result.errors
    assert result.form.report_fields() == {
        "entity_name": "org",
        "entity_name_consent": "agree",
        "contact_email": "address",
    }


@pytest.mark.parametrize(
    ("survey", "choices", "message"),
    [
        (
            [["text", "org", "Organisation", "entity"]],
            CHOICES,
            "survey row 2, column D (report_field): 'entity' is not a report field "
            "(allowed: contact_email, countries_concerned, entity_name, entity_name_consent, "
            "stakeholder_category)",
        ),
        (
            [["text", "a", "A", "entity_name"], ["text", "b", "B", "entity_name"]],
            CHOICES,
            "survey row 3, column D (report_field): the report field 'entity_name' is already "
            "given to row 2",
        ),
        (
            [["integer", "org", "Organisation", "entity_name"]],
            CHOICES,
            "survey row 2, column D (report_field): the report field 'entity_name' must be a "
            "question of type text",
        ),
        (
            [
                ["begin_repeat", "people", "People", "", ""],
                ["text", "mail", "Email", "contact_email", "yes"],
                ["end_repeat", "", "", "", ""],
            ],
            CHOICES,
            "survey row 3, column D (report_field): the report field 'contact_email' cannot be "
            "inside a repeat",
        ),
        (
            [["text", "mail", "Email", "contact_email"]],
            CHOICES,
            "survey row 2, column D (report_field): the contact_email question holds personal "
            "data: mark it personal_data yes",
        ),
        (
            [["select_one ok", "agree", "Publish?", "entity_name_consent"]],
            OTHER,
            "survey row 2, column D (report_field): the consent's list 'ok' needs a choice named "
            "'yes'",
        ),
        (
            [["select_multiple ok", "where", "Countries?", "countries_concerned"]],
            OTHER,
            "survey row 2, column D (report_field): the report field 'countries_concerned' must "
            "use the built-in list 'countries'",
        ),
    ],
)
def test_a_wrong_report_field_is_refused_with_where_and_why(survey, choices, message) -> None:
    result = check(survey, choices)
    assert not result.ok
    assert message in [str(error) for error in result.errors]


def test_the_shipped_isri_declares_its_report_fields(instruments) -> None:
    from codemonitor.instruments.models import InstrumentVersion

    version = InstrumentVersion.objects.filter(instrument__code="isri").latest("created_at")
    assert version.form.report_fields() == {
        "entity_name": "entity_name",
        "entity_name_consent": "publish_name",
        "contact_email": "email",
        "stakeholder_category": "stakeholder_category",
        "countries_concerned": "involvement_countries",
    }
