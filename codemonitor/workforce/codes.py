"""What an imported file's codes and labels say: the places (destination, origin) and the
variables (who is counted, which occupation, stock or inflow).

Places are kept as the source gave them, upper-cased, and mapped to a Member State where they
name one (ISO 3166 alpha-3, or alpha-2 turned into alpha-3). The rest is kept and said to be
unmapped, by kind: an *aggregate* (all origins together, the world, the OECD, the EU…), a
*territory* (a valid ISO 3166 code that is not a Member State: Hong Kong, Puerto Rico…) or
*unknown*.

A variable is read from its code where the code follows the OECD's pattern (FTDS: foreign-trained
doctors, stock), otherwise from the words of its label or of its codes ("Foreign-born nurses,
annual inflow", `NURSE_FB_INFLOW`), in English or French.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import pycountry

from codemonitor.core.text import text_folded
from codemonitor.workforce.models import TOTAL_ORIGIN, Measure, Occupation, Population

WORLD = "WORLD"


class Unmapped(StrEnum):
    AGGREGATE = "aggregate"
    TERRITORY = "territory"
    UNKNOWN = "unknown"


# Codes for all origins together, and for the world, as the OECD and SDMX write them.
_TOTALS = frozenset({"TOT", "TOTAL", "_T", "ALL", "_Z"})
_WORLDS = frozenset({"WLD", "WORLD", "W", "W0", "W1"})
_AGGREGATES = frozenset(
    {"OECD", "OTO", "E_OECD", "NON_OECD", "NOECD", "EU", "EU27", "EU28", "EA", "EEA", "EFTA"}
    | {"UNK", "OTH", "OTHER", "UNKNOWN", "_U", "_X", "_O", "STLS", "AFR", "ASI", "EUR", "AME"}
)
# An SDMX aggregate has an underscore or a digit in it (EU27_2020, OECD_REP, G20).
_AGGREGATE_SHAPE = re.compile(r"[_\d]")


@dataclass(frozen=True)
class Place:
    code: str  # as stored: ISO 3166 alpha-3 where there is one, TOTAL_ORIGIN, WORLD, or as given
    member_state: str | None  # the Member State's ISO3
    unmapped: Unmapped | None


@lru_cache(maxsize=4096)
def _territory(code: str) -> str | None:
    """The alpha-3 code of a valid ISO 3166 country code (alpha-2 or alpha-3)."""
    found = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    if found is None and len(code) == 2:
        found = pycountry.countries.get(alpha_2=code)
    return str(found.alpha_3) if found is not None else None


class Places:
    """Places by code, for one import: the Member States are read once."""

    def __init__(self, member_states: dict[str, str]) -> None:  # ISO2 -> ISO3
        self._iso3 = set(member_states.values())
        self._iso2 = dict(member_states)  # ISO2 -> ISO3
        self._seen: dict[str, Place] = {}

    def place(self, given: str) -> Place:
        found = self._seen.get(given)
        if found is None:
            found = self._seen[given] = self._place(given)
        return found

    def _place(self, given: str) -> Place:
        code = given.strip().upper()
        if code in _TOTALS:
            return Place(TOTAL_ORIGIN, None, Unmapped.AGGREGATE)
        if code in _WORLDS:
            return Place(WORLD, None, Unmapped.AGGREGATE)
        if code in self._iso3:
            return Place(code, code, None)
        if code in self._iso2:
            return Place(self._iso2[code], self._iso2[code], None)
        if code in _AGGREGATES or _AGGREGATE_SHAPE.search(code):
            return Place(code, None, Unmapped.AGGREGATE)
        territory = _territory(code) if code.isalpha() else None
        if territory is not None:
            if territory in self._iso3:  # an alpha-2 spelling of a Member State
                return Place(territory, territory, None)
            return Place(territory, None, Unmapped.TERRITORY)
        return Place(code, None, Unmapped.UNKNOWN)


@dataclass(frozen=True)
class Variable:
    population: str
    occupation: str
    measure: str


# The OECD's variable codes: FT/FB/FC (foreign-trained, -born, citizens) + occupation + S/F
# (stock, annual inflow); TNB + occupation: the total stock.
_OECD_CODE = re.compile(r"^(FT|FB|FC|TNB)(D|N|M|NM)(S|F)?$")
_CODE_POPULATION = {
    "FT": Population.FOREIGN_TRAINED,
    "FB": Population.FOREIGN_BORN,
    "FC": Population.FOREIGN_CITIZENS,
    "TNB": Population.TOTAL,
}
_CODE_OCCUPATION = {
    "D": Occupation.DOCTORS,
    "N": Occupation.NURSES,
    "M": Occupation.MIDWIVES,
    "NM": Occupation.NURSES_MIDWIVES,
}
_CODE_MEASURE = {"S": Measure.STOCK, "F": Measure.INFLOW}

# Words (accent- and case-folded) of labels and of codes split at their underscores. A word
# matches a stem of four letters or more when it starts with it, a shorter stem (an
# abbreviation in a code: DOC, FT) only when it is that stem.
_OCCUPATION_WORDS: dict[str, tuple[str, ...]] = {
    Occupation.DOCTORS: ("doctor", "physician", "medecin", "medical", "doc", "phys", "med"),
    Occupation.NURSES: ("nurse", "nursing", "infirmi", "nur", "nrs"),
    Occupation.MIDWIVES: ("midwi", "sage", "sages", "mid", "mdw"),
    Occupation.DENTISTS: ("dentist", "dental", "dent"),
    Occupation.PHARMACISTS: ("pharmac", "pharm", "pha"),
}
_POPULATION_WORDS: dict[str, tuple[str, ...]] = {
    Population.FOREIGN_TRAINED: ("trained", "training", "forme", "formes", "diplom", "ft"),
    Population.FOREIGN_BORN: ("born", "birth", "nes", "naissance", "fb"),
    Population.FOREIGN_CITIZENS: ("national", "citizen", "nationalit", "fc", "cit", "nat"),
}
_MEASURE_WORDS: dict[str, tuple[str, ...]] = {
    Measure.INFLOW: ("inflow", "flow", "annual", "flux", "entree", "entrees", "infl", "arrival"),
    Measure.STOCK: ("stock", "stk", "effectif", "total", "tnb", "number"),
}
_WORD = re.compile(r"[a-z]+")


def _words(texts: tuple[str, ...]) -> list[str]:
    return _WORD.findall(text_folded(*texts).replace("_", " "))


def _matches(word: str, stems: tuple[str, ...]) -> bool:
    return any(word == stem or (len(stem) > 3 and word.startswith(stem)) for stem in stems)


def _found(words: list[str], table: dict[str, tuple[str, ...]]) -> list[str]:
    return [key for key, stems in table.items() if any(_matches(w, stems) for w in words)]


@lru_cache(maxsize=1024)
def variable_of(
    codes: tuple[str, ...], labels: tuple[str, ...], implied_population: str | None = None
) -> Variable | None:
    """The variable that codes and their labels name (a classic file's VAR and Variable, the
    other dimensions of an SDMX row), or None when they do not say it plainly.

    `implied_population` is what the origin's dimension says when nothing else does (an SDMX
    COUNTRY_BIRTH: foreign-born)."""
    for code in codes:
        match = _OECD_CODE.match(code.strip().upper())
        if match:
            measure = _CODE_MEASURE[match[3]] if match[3] else Measure.STOCK
            return Variable(
                _CODE_POPULATION[match[1]].value, _CODE_OCCUPATION[match[2]].value, measure.value
            )
    words = _words((*codes, *labels))
    occupations = _found(words, _OCCUPATION_WORDS)
    if Occupation.NURSES in occupations and Occupation.MIDWIVES in occupations:
        occupations = [Occupation.NURSES_MIDWIVES] + [
            o for o in occupations if o not in {Occupation.NURSES, Occupation.MIDWIVES}
        ]
    populations = _found(words, _POPULATION_WORDS)
    if not populations and implied_population:
        populations = [implied_population]
    foreign = any(_matches(w, ("foreign", "etranger", "immigr", "abroad")) for w in words)
    measures = _found(words, _MEASURE_WORDS)
    if Measure.INFLOW in measures:
        measures = [Measure.INFLOW]
    if len(occupations) != 1 or len(populations) > 1:
        return None
    if populations:
        population = populations[0]
    elif foreign:
        return None  # foreign, but by training, birth or citizenship?
    else:
        population = Population.TOTAL
    if not measures:
        if population != Population.TOTAL:
            return None
        measures = [Measure.STOCK]
    return Variable(str(population), str(occupations[0]), str(measures[0]))
