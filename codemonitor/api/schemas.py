"""The read API's shapes: what each list takes as parameters, and what it answers.

Field names are stable: a report's answers are keyed by its instrument's question names (the
XLSForm's `name` column), which never change within an instrument version. Every parameter is
typed and bounded here, so that a value the API cannot use is refused with a 400 before it
reaches the database (a NUL byte, a number out of range, a page too long).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from ninja import Field, Schema
from pydantic import ConfigDict

from codemonitor.api.errors import ApiError
from codemonitor.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from codemonitor.registers.models import Law, Recruiter
from codemonitor.reporting.selectors import REGIONS
from codemonitor.workforce.models import Dataset, Measure, Occupation, Population

# Text a person may type into a search: no control characters (PostgreSQL refuses NUL).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
ISO3 = r"^[A-Za-z]{3}$"
SLUG = r"^[-a-zA-Z0-9_]{1,100}$"
PLACE = r"^[-A-Za-z0-9_]{1,20}$"
LARGEST_ID = 2**63 - 1
Kind = Literal["national", "stakeholder"]

# The choices of the models, as the OpenAPI description's enums (a value outside is a 400).
if TYPE_CHECKING:
    Region: TypeAlias = str
    LawKind: TypeAlias = str
    LawStatus: TypeAlias = str
    RecruiterStatus: TypeAlias = str
    OccupationCode: TypeAlias = str
    PopulationCode: TypeAlias = str
    MeasureCode: TypeAlias = str
    DatasetCode: TypeAlias = str
else:
    Region = Literal[tuple(REGIONS)]
    LawKind = Literal[tuple(Law.Kind.values)]
    LawStatus = Literal[tuple(Law.Status.values)]
    RecruiterStatus = Literal[tuple(Recruiter.Status.values)]
    OccupationCode = Literal[tuple(Occupation.values)]
    PopulationCode = Literal[tuple(Population.values)]
    MeasureCode = Literal[tuple(Measure.values)]
    DatasetCode = Literal[tuple(Dataset.values)]


class Query(Schema):
    """Parameters every list takes (a parameter no list knows is refused with a 400)."""

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(
        None,
        max_length=1000,
        description=N_("The `next` value of the page before, as it was given; none for the first."),
    )
    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=N_("Items on a page, up to the maximum: a larger value is refused, not cut."),
    )


class NoQuery(Schema):
    """What one object's address takes: no parameter."""

    model_config = ConfigDict(extra="forbid")


def unknown_parameters(request: HttpRequest, query: type[Schema]) -> None:
    """A 400 naming the parameters of the request that `query` does not take (a misspelt
    filter must not answer everything as if there were none)."""
    known = set(query.model_fields)
    unknown = sorted(name for name in request.GET if name not in known)
    if not unknown:
        return
    names = ", ".join(f"“{name[:50]}”" for name in unknown[:5])
    if not known:
        raise ApiError(
            400, _("Unknown parameter: %(names)s. This address takes none.") % {"names": names}
        )
    raise ApiError(
        400,
        _("Unknown parameter: %(names)s. This address takes: %(known)s.")
        % {"names": names, "known": ", ".join(sorted(known))},
    )


class RoundQuery(Query):
    pass


class ReportQuery(Query):
    round: int | None = Field(None, ge=1, le=32767, description=N_("The round's number."))
    kind: Kind | None = Field(None, description=N_("National reports, or stakeholder reports."))
    instrument: str | None = Field(
        None, pattern=SLUG, description=N_("The instrument's code (its form id), e.g. `nri`.")
    )
    country: str | None = Field(
        None,
        pattern=ISO3,
        description=N_("A Member State's ISO 3166 alpha-3 code: its national reports."),
    )
    region: Region | None = Field(
        None,
        description=N_(
            "A WHO region: the national reports of its Member States (their region "
            "as of the round's deadline)."
        ),
    )


class AnswerQuery(ReportQuery):
    report: int | None = Field(None, ge=1, le=LARGEST_ID, description=N_("One report's answers."))
    question: str | None = Field(
        None, pattern=SLUG, description=N_("One question's answers (its name in the instrument).")
    )


class CountryQuery(Query):
    region: Region | None = Field(None, description=N_("A WHO region's Member States (today)."))


class LawQuery(Query):
    country: str | None = Field(None, pattern=ISO3, description=N_("A Member State's entries."))
    region: Region | None = Field(None, description=N_("The entries of a WHO region's countries."))
    kind: LawKind | None = Field(None, description=N_("The type of text."))
    status: LawStatus | None = Field(None, description=N_("Where the text stands."))
    article: int | None = Field(None, ge=1, le=32767, description=N_("An article of the Code."))
    year: int | None = Field(None, ge=1800, le=2200, description=N_("A year of an event of it."))
    q: str | None = Field(
        None, max_length=200, pattern=PLAIN_TEXT, description=N_("Words of the entry's text.")
    )


class RecruiterQuery(Query):
    country: str | None = Field(None, pattern=ISO3, description=N_("A Member State's record."))
    status: RecruiterStatus | None = Field(None, description=N_("The licence's status."))
    q: str | None = Field(
        None,
        max_length=200,
        pattern=PLAIN_TEXT,
        description=N_("A recruiter's name (its words, case and accents aside) or licence number."),
    )


class StatisticQuery(Query):
    destination: str | None = Field(
        None, pattern=PLACE, description=N_("Where personnel were counted: its code, e.g. `GBR`.")
    )
    origin: str | None = Field(
        None, pattern=PLACE, description=N_("Their country of origin: its code, or `TOTAL`.")
    )
    occupation: OccupationCode | None = None
    population: PopulationCode | None = None
    measure: MeasureCode | None = None
    year: int | None = Field(None, ge=1900, le=2200)
    dataset: DatasetCode | None = None


# -- answers ------------------------------------------------------------------------------------


class ParameterError(Schema):
    parameter: str
    message: str


class ErrorOut(Schema):
    detail: str = Field(description=N_("What is wrong, for a person, in the request's language."))
    errors: list[ParameterError] | None = None


class InstrumentUseOut(Schema):
    instrument: str
    kind: str
    version: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    published_reports: int = Field(description=N_("Its reports published now."))


class RoundOut(Schema):
    number: int
    year: int
    title: str
    reported_to: str
    public_from: dt.datetime | None = Field(
        description=N_("When the round is public (Geneva time, given with its offset).")
    )
    published: bool = Field(description=N_("Whether the round is public now."))
    instruments: list[InstrumentUseOut]


class ReportOut(Schema):
    id: int
    reference: str
    round: int
    instrument: str
    kind: str
    version: str
    country: str | None = Field(description=N_("A national report's Member State (ISO3)."))
    name: str | None = Field(
        description=N_("The country's name, or the stakeholder's where it agreed to be named.")
    )
    language: str
    state: str
    submitted_at: dt.datetime | None
    published: bool = Field(description=N_("Whether the report is published now."))


class AnswerOut(Schema):
    report: int
    question: str = Field(description=N_("The question's name in the instrument."))
    row: str = Field(description=N_("The row of a repeat (its path), or empty."))
    value: Any = Field(description=N_("Text, a number, or the list of the choices' names."))


class ReportDetailOut(ReportOut):
    answers: dict[str, Any] = Field(
        description=N_(
            "The answers outside repeats, by question name (what publication shows: "
            "never personal data)."
        )
    )
    repeat_answers: list[AnswerOut] = Field(description=N_("The answers in the rows of repeats."))


class CountryOut(Schema):
    iso3: str
    iso2: str
    name: str
    region: str | None = Field(description=N_("Its WHO region today."))


class AuthorityOut(Schema):
    country: str
    name: str
    institution: str
    website: str
    email: str = Field(description=N_("The authority's official address (never a person's)."))
    designated_on: dt.date | None


class ReportRefOut(Schema):
    id: int
    reference: str
    round: int
    published: bool


class CountryDetailOut(CountryOut):
    authority: AuthorityOut | None
    reports: list[ReportRefOut] = Field(description=N_("Its national reports you may read."))


class LawEventOut(Schema):
    kind: str
    date: dt.date
    note: str


class LawOut(Schema):
    id: int
    country: str
    title: str
    title_en: str
    title_fr: str
    kind: str
    number: str
    issuing_body: str
    status: str
    abstract: str
    url: str
    language: str
    keywords: list[str]
    articles: list[int] = Field(description=N_("The articles of the Code it implements."))
    events: list[LawEventOut]


class RecruiterOut(Schema):
    id: int
    country: str
    legal_name: str
    other_names: list[str]
    licence_number: str
    issuing_authority: str
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    source_url: str = Field(description=N_("The country's own public record."))
    last_verified: dt.date | None


class StatisticOut(Schema):
    id: int
    dataset: str
    destination_code: str
    destination: str | None = Field(description=N_("The destination's Member State, if it is one."))
    origin_code: str
    origin: str | None
    population: str
    occupation: str
    measure: str
    year: int
    value: float
    unit: str
    flag: str
    flag_note: str
    source_report: int | None = Field(description=N_("The national report it comes from."))


class RoundPage(Schema):
    items: list[RoundOut]
    next: str | None = Field(description=N_("The cursor of the next page; null on the last."))
    limit: int


class ReportPage(Schema):
    items: list[ReportOut]
    next: str | None
    limit: int


class AnswerPage(Schema):
    items: list[AnswerOut]
    next: str | None
    limit: int


class CountryPage(Schema):
    items: list[CountryOut]
    next: str | None
    limit: int


class AuthorityPage(Schema):
    items: list[AuthorityOut]
    next: str | None
    limit: int


class LawPage(Schema):
    items: list[LawOut]
    next: str | None
    limit: int


class RecruiterPage(Schema):
    items: list[RecruiterOut]
    next: str | None
    limit: int


class StatisticPage(Schema):
    items: list[StatisticOut]
    next: str | None
    limit: int
