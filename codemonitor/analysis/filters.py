"""The filters every analysis view takes: round, instrument, region, safeguards status, report
state and language, read from a query string and written back into one.

Nothing here reads a request: `AnalysisFilters.from_query` takes any mapping of strings (a
`QueryDict`, a command's options), checks each value against what exists and keeps what is
wrong as a message for the page, never as an error page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from codemonitor.instruments.models import Instrument
from codemonitor.reporting.models import Report, Round, RoundInstrument
from codemonitor.reporting.selectors import COUNTING_STATES, REGIONS

State = Report.State
# What the analysis counts unless told otherwise: validated national reports; submitted
# stakeholder reports (in review or validated too: they were submitted).
DEFAULT_STATES: dict[str, tuple[str, ...]] = {
    Instrument.Kind.NATIONAL: (State.VALIDATED,),
    Instrument.Kind.STAKEHOLDER: tuple(sorted(COUNTING_STATES)),
}
SAFEGUARDS_CHOICES = ("on", "off")


def whole_number(text: object, *, most: int = 10**12) -> int | None:
    """A whole number from 0 to `most` written in ASCII digits, else None. Python's
    `str.isdigit` also takes "²" (which `int` refuses) and other scripts' digits: a query
    string's number is read here, never with `isdigit` alone."""
    value = str(text or "").strip()
    if not value or len(value) > len(str(most)) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= most else None


class FiltersRefused(ValueError):
    """No round or instrument matches: there is nothing to analyse."""


def _first(query: Mapping[str, Any], key: str) -> str:
    value = query.get(key, "")
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip()[:100]


def _all(query: Mapping[str, Any], key: str) -> list[str]:
    getlist = getattr(query, "getlist", None)
    if getlist is not None:
        values = getlist(key)
    else:
        raw = query.get(key, [])
        values = raw if isinstance(raw, (list, tuple)) else [raw] if raw else []
    return [str(value).strip()[:40] for value in values if str(value).strip()]


@dataclass(frozen=True)
class AnalysisFilters:
    """What an analysis view counts. `round_instrument` is resolved; the rest narrows it."""

    round_instrument: RoundInstrument
    region: str = ""
    safeguards: str = ""  # "on" (on the list in force at the deadline), "off", or "" (all)
    states: tuple[str, ...] = ()
    language: str = ""
    # A national user's own country: every figure is about it alone.
    country: str = ""
    # What was asked for but does not exist, for the page to say (never an error page).
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def round(self) -> Round:
        return self.round_instrument.round

    @property
    def instrument(self) -> Instrument:
        return self.round_instrument.instrument_version.instrument

    @property
    def kind(self) -> str:
        return str(self.instrument.kind)

    @property
    def is_national(self) -> bool:
        return self.kind == Instrument.Kind.NATIONAL

    @property
    def default_states(self) -> tuple[str, ...]:
        return DEFAULT_STATES.get(self.kind, tuple(sorted(COUNTING_STATES)))

    @property
    def chosen_states(self) -> tuple[str, ...]:
        return self.states or self.default_states

    @classmethod
    def from_query(
        cls,
        query: Mapping[str, Any],
        *,
        rounds: Sequence[RoundInstrument] | None = None,
        country: str = "",
    ) -> AnalysisFilters:
        """Read `round`, `instrument`, `region`, `safeguards`, `state` (repeated) and
        `language`. Without a round, the newest round that has an instrument; without an
        instrument, the round's national one (else its first)."""
        problems: list[str] = []
        available = list(rounds) if rounds is not None else list(round_instruments())
        if not available:
            raise FiltersRefused(_("No reporting round has an instrument yet."))
        wanted_round = _first(query, "round")
        numbers = sorted({ri.round.number for ri in available}, reverse=True)
        number = numbers[0]
        if wanted_round:
            if whole_number(wanted_round) in numbers:
                number = int(wanted_round)
            else:
                problems.append(
                    _("There is no round %(round)s with an instrument: showing round %(shown)s.")
                    % {"round": wanted_round, "shown": number}
                )
        in_round = [ri for ri in available if ri.round.number == number]
        wanted_code = _first(query, "instrument")
        chosen = next(
            (ri for ri in in_round if ri.instrument_version.instrument.code == wanted_code), None
        )
        if chosen is None:
            chosen = next(
                (
                    ri
                    for ri in in_round
                    if ri.instrument_version.instrument.kind == Instrument.Kind.NATIONAL
                ),
                in_round[0],
            )
            if wanted_code:
                problems.append(
                    _("Round %(round)s has no instrument '%(code)s'.")
                    % {"round": number, "code": wanted_code}
                )
        region = _first(query, "region").upper()
        if region and region not in REGIONS:
            problems.append(_("'%(region)s' is not a WHO region.") % {"region": region})
            region = ""
        safeguards = _first(query, "safeguards").lower()
        if safeguards and safeguards not in SAFEGUARDS_CHOICES:
            problems.append(_("The safeguards filter is 'on' or 'off'."))
            safeguards = ""
        known_states = {value for value, _label in State.choices}
        states = []
        for state in _all(query, "state"):
            if state in known_states:
                if state not in states:
                    states.append(state)
            else:
                problems.append(_("'%(state)s' is not a report state.") % {"state": state})
        language = _first(query, "language")
        languages = set(chosen.instrument_version.form.languages)
        if language and language not in languages:
            problems.append(
                _("The instrument has no language '%(language)s'.") % {"language": language}
            )
            language = ""
        return cls(
            round_instrument=chosen,
            region=region,
            safeguards=safeguards,
            states=tuple(sorted(states)),
            language=language,
            country=country,
            problems=tuple(problems),
        )

    def with_(self, **changes: Any) -> AnalysisFilters:
        return replace(self, **changes)

    def query(self, **extra: str) -> dict[str, Any]:
        """The filters as query parameters (states repeated), plus `extra`; defaults left out."""
        params: dict[str, Any] = {
            "round": str(self.round.number),
            "instrument": self.instrument.code,
        }
        if self.region:
            params["region"] = self.region
        if self.safeguards:
            params["safeguards"] = self.safeguards
        if self.states and self.states != self.default_states:
            params["state"] = list(self.states)
        if self.language:
            params["language"] = self.language
        params.update({key: value for key, value in extra.items() if value not in ("", None)})
        return params

    def querystring(self, **extra: str) -> str:
        return urlencode(self.query(**extra), doseq=True)

    def describe(self) -> str:
        """The filters in words, for a table's source line."""
        state_labels = dict(State.choices)
        parts = [
            _("states: %(states)s")
            % {"states": ", ".join(str(state_labels[s]) for s in self.chosen_states)}
        ]
        if self.region:
            parts.append(_("WHO region: %(region)s") % {"region": self.region})
        if self.safeguards == "on":
            parts.append(_("countries on the safeguards list"))
        elif self.safeguards == "off":
            parts.append(_("countries not on the safeguards list"))
        if self.language:
            parts.append(_("language: %(language)s") % {"language": self.language})
        if self.country:
            parts.append(_("country: %(country)s") % {"country": self.country})
        return "; ".join(parts)


def round_instruments() -> list[RoundInstrument]:
    """Every round's instruments, newest round first (one query)."""
    return list(
        RoundInstrument.objects.select_related("round", "instrument_version__instrument")
        .defer("instrument_version__source", "instrument_version__schema")
        .order_by("-round__number", "instrument_version__instrument__code")
    )
