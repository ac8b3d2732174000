"""Importing the OECD Health Workforce Migration dataset: each shape a user downloads, written
here as a small file, stored exactly; a second import changes nothing; every refused row and
every unmapped code is listed."""

from __future__ import annotations

import codecs
import io
from decimal import Decimal

import pytest

from codemonitor.core.models import AuditEntry
from codemonitor.workforce.imports import StatisticsRefused, number, statistics_import
from codemonitor.workforce.models import TOTAL_ORIGIN, Statistic, StatisticsFile

pytestmark = pytest.mark.django_db

CLASSIC = (
    "COU,Country,VAR,Variable,CO2,Country of origin,YEA,Year,Value,Flag Codes,Flags\n"
    "FRA,France,FTDS,Foreign-trained doctors (stock),IND,India,2020,2020,1234,,\n"
    "FRA,France,FTDS,Foreign-trained doctors (stock),DZA,Algeria,2020,2020,5678.5,B,Break\n"
    "FRA,France,FTDS,Foreign-trained doctors (stock),TOT,Total,2020,2020,20000,,\n"
    "FRA,France,TNBD,Total doctors,TOT,Total,2020,2020,230000,,\n"
    "DEU,Germany,FBNF,Foreign-born nurses (annual inflow),HKG,Hong Kong,2021,2021,12,E,Estimated\n"
)


def upload(text: str, *, encoding: str = "utf-8", bom: bool = False) -> io.BytesIO:
    data = text.encode(encoding)
    return io.BytesIO((codecs.BOM_UTF8 if bom else b"") + data)


def stored() -> dict[tuple[str, ...], tuple[Decimal, str, str]]:
    return {
        (s.destination_code, s.origin_code, s.population, s.occupation, s.measure, str(s.year)): (
            s.value,
            s.flag,
            s.flag_note,
        )
        for s in Statistic.objects.all()
    }


def test_a_classic_file_unquoted_with_a_byte_order_mark_is_stored_exactly(reference) -> None:
    summary = statistics_import(upload(CLASSIC, bom=True), name="wfmi.csv")
    assert (summary.read, summary.created, summary.updated, summary.unchanged) == (5, 5, 0, 0)
    assert summary.refused == []
    assert stored() == {
        ("FRA", "IND", "foreign_trained", "doctors", "stock", "2020"): (Decimal("1234"), "", ""),
        ("FRA", "DZA", "foreign_trained", "doctors", "stock", "2020"): (
            Decimal("5678.5"),
            "B",
            "Break",
        ),
        ("FRA", TOTAL_ORIGIN, "foreign_trained", "doctors", "stock", "2020"): (
            Decimal("20000"),
            "",
            "",
        ),
        ("FRA", "", "total", "doctors", "stock", "2020"): (Decimal("230000"), "", ""),
        ("DEU", "HKG", "foreign_born", "nurses", "inflow", "2021"): (
            Decimal("12"),
            "E",
            "Estimated",
        ),
    }
    india = Statistic.objects.get(origin_code="IND")
    assert (india.destination_id, india.origin_id, india.unit) == ("FRA", "IND", "persons")
    assert Statistic.objects.get(origin_code="HKG").origin_id is None
    file = StatisticsFile.objects.get()
    assert india.source_file == file and file.format == "oecd_csv"
    assert file.sha256 == summary.sha256 and len(file.sha256) == 64
    assert file.size == len(CLASSIC.encode()) + 3
    assert file.summary["created"] == 5
    assert dict(summary.unmapped["aggregate"]) == {TOTAL_ORIGIN: 1}
    assert dict(summary.unmapped["territory"]) == {"HKG": 1}
    entry = AuditEntry.objects.get(action="workforce.statistics.imported")
    assert entry.data["sha256"] == file.sha256 and entry.data["created"] == 5


def test_a_quoted_file_in_another_order_keeps_its_flags(reference) -> None:
    text = (
        '"Value","YEA","Year","CO2","Country of origin","VAR","Variable","COU","Country",'
        '"Flag Codes","Flags","Extra"\n'
        '"1,250","2019","2019","PHL","Philippines","FTNS","Foreign-trained nurses (stock)",'
        '"GBR","United Kingdom","B","Break in series","ignored"\n'
        '"3 400,5","2019","2019","IN","India","FTNS","Foreign-trained nurses (stock)",'
        '"GBR","United Kingdom","","",""\n'
    )
    summary = statistics_import(upload(text), name="quoted.csv")
    assert summary.refused == [] and summary.created == 2
    assert stored() == {
        ("GBR", "PHL", "foreign_trained", "nurses", "stock", "2019"): (
            Decimal("1250"),
            "B",
            "Break in series",
        ),
        ("GBR", "IND", "foreign_trained", "nurses", "stock", "2019"): (Decimal("3400.5"), "", ""),
    }


def test_importing_the_same_file_again_changes_nothing(reference) -> None:
    statistics_import(upload(CLASSIC), name="wfmi.csv")
    before = list(Statistic.objects.order_by("pk").values())
    again = statistics_import(upload(CLASSIC), name="wfmi.csv")
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, 5, [])
    assert list(Statistic.objects.order_by("pk").values()) == before
    assert StatisticsFile.objects.count() == 2  # the file is recorded each time it is imported


def test_a_changed_value_is_updated_and_points_to_the_new_file(reference) -> None:
    first = statistics_import(upload(CLASSIC), name="wfmi.csv")
    changed = CLASSIC.replace(",1234,,", ",1240,E,Estimated")
    second = statistics_import(upload(changed), name="wfmi-2.csv")
    assert (second.created, second.updated, second.unchanged) == (0, 1, 4)
    india = Statistic.objects.get(origin_code="IND")
    assert (india.value, india.flag, india.flag_note) == (Decimal("1240"), "E", "Estimated")
    assert india.source_file_id == second.file_id != first.file_id
    assert Statistic.objects.get(origin_code="DZA").source_file_id == first.file_id


def test_a_dry_run_writes_nothing(reference) -> None:
    summary = statistics_import(upload(CLASSIC), name="wfmi.csv", dry_run=True)
    assert (summary.read, summary.created, summary.file_id) == (5, 5, None)
    assert not Statistic.objects.exists() and not StatisticsFile.objects.exists()
    assert not AuditEntry.objects.filter(action="workforce.statistics.imported").exists()


def test_every_refused_row_is_listed_with_its_line_and_the_others_are_stored(reference) -> None:
    text = (
        "COU,VAR,Variable,CO2,YEA,Value\n"
        "FRA,FTDS,Foreign-trained doctors,IND,2020,-5\n"  # line 2
        "FRA,FTDS,Foreign-trained doctors,IND,2021,\n"
        "FRA,FTDS,Foreign-trained doctors,IND,1850,10\n"
        "FRA,ZZZ,Something else entirely,IND,2020,10\n"
        "FRA,FTDS,Foreign-trained doctors,IND,2022,n.a.\n"
        "FRA,FTDS,Foreign-trained doctors,IND,2023,7\n"  # stored
        "FRA,FTDS,Foreign-trained doctors,IND,2023,8\n"  # the same figure again
        "FRA,FTDS,Foreign-trained doctors,,2024,8\n"
    )
    summary = statistics_import(upload(text), name="bad.csv")
    assert summary.read == 8 and summary.created == 1
    lines = dict(summary.refused)
    assert sorted(lines) == [2, 3, 4, 5, 6, 8, 9]
    assert "negative" in lines[2]
    assert lines[3] == "no value"
    assert "1850" in lines[4]
    assert "ZZZ (Something else entirely)" in lines[5]
    assert "not a number" in lines[6]
    assert "line 7" in lines[8]
    assert "origin" in lines[9]
    assert Statistic.objects.get().value == Decimal("7")
    assert StatisticsFile.objects.get().summary["refused"][0] == [2, lines[2]]


def test_a_variable_not_in_the_table_is_read_from_its_label(reference) -> None:
    text = (
        "COU,VAR,Variable,CO2,YEA,Value\n"
        "CAN,XYZ1,Foreign-trained midwives (annual inflow),GBR,2020,3\n"
        "CAN,XYZ2,Stock of foreign-born dentists,GB,2020,4\n"
        "CAN,XYZ3,Pharmacists with a foreign nationality (stock),USA,2020,5\n"
        "CAN,XYZ4,Total nurses and midwives,TOT,2020,6\n"
    )
    summary = statistics_import(upload(text), name="labels.csv")
    assert summary.refused == []
    assert set(stored()) == {
        ("CAN", "GBR", "foreign_trained", "midwives", "inflow", "2020"),
        ("CAN", "GBR", "foreign_born", "dentists", "stock", "2020"),
        ("CAN", "USA", "foreign_citizens", "pharmacists", "stock", "2020"),
        ("CAN", "", "total", "nurses_midwives", "stock", "2020"),
    }


def test_unmapped_codes_are_kept_and_counted_by_kind(reference) -> None:
    text = (
        "COU,VAR,CO2,YEA,Value\n"
        "OECD,FTDS,IND,2020,1\n"
        "FRA,FTDS,WLD,2020,2\n"
        "FRA,FTDS,EU27_2020,2020,3\n"
        "FRA,FTDS,PRI,2020,4\n"
        "FRA,FTDS,TWN,2020,5\n"
        "FRA,FTDS,XQZ,2020,6\n"
        "FRA,FTDS,XQZ,2021,6\n"
    )
    summary = statistics_import(upload(text), name="codes.csv")
    assert summary.refused == [] and Statistic.objects.count() == 7
    assert summary.as_json()["unmapped"] == {
        "aggregate": {"EU27_2020": 1, "OECD": 1, "WORLD": 1},
        "territory": {"PRI": 1, "TWN": 1},
        "unknown": {"XQZ": 2},
    }
    assert Statistic.objects.get(destination_code="OECD").destination_id is None


SDMX_CODES = (
    "DATAFLOW,REF_AREA,MEASURE,COUNTRY_BIRTH,FREQ,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE,"
    "UNIT_MULT\n"
    "OECD.ELS.HD:DSD_HEALTH_WFMI@DF_MIGR(1.0),FRA,DOC_STOCK,MAR,A,2021,1.5,B,PS,3\n"
    "OECD.ELS.HD:DSD_HEALTH_WFMI@DF_MIGR(1.0),FRA,NURSE_INFLOW,_T,A,2021,812,,PS,0\n"
    "OECD.ELS.HD:DSD_HEALTH_WFMI@DF_MIGR(1.0),FRA,NURSE_INFLOW,SEN,A,2021,-1,,PS,0\n"
)


def test_sdmx_csv_with_codes_only(reference) -> None:
    summary = statistics_import(upload(SDMX_CODES), name="sdmx.csv")
    assert summary.format == "sdmx_csv"
    assert summary.refused == [(4, "the value -1 is negative")]
    assert stored() == {
        ("FRA", "MAR", "foreign_born", "doctors", "stock", "2021"): (Decimal("1500"), "B", ""),
        ("FRA", TOTAL_ORIGIN, "foreign_born", "nurses", "inflow", "2021"): (
            Decimal("812"),
            "",
            "",
        ),
    }


def test_sdmx_csv_with_codes_and_labels(reference) -> None:
    text = (
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA: Reference area,HEALTH_PROF: Profession,"
        "POPULATION: Population,COUNTERPART_AREA: Country of origin,FREQ: Frequency,"
        "TIME_PERIOD: Time period,OBS_VALUE,OBS_STATUS: Observation status,"
        "UNIT_MEASURE: Unit of measure\n"
        "DATAFLOW,OECD:DF(1.0),I,DEU: Germany,DOC: Medical doctors,FT: Foreign-trained stock,"
        "SYR: Syria,A: Annual,2022,4321,E: Estimated value,PS: Persons\n"
        "DATAFLOW,OECD:DF(1.0),I,DEU: Germany,NUR: Nurses,TOT: Total stock,"
        '_T: Total,A: Annual,2022,"1,234,567",,PS: Persons\n'
    )
    summary = statistics_import(upload(text), name="labels.csv")
    assert summary.refused == []
    assert stored() == {
        ("DEU", "SYR", "foreign_trained", "doctors", "stock", "2022"): (
            Decimal("4321"),
            "E",
            "Estimated value",
        ),
        ("DEU", "", "total", "nurses", "stock", "2022"): (Decimal("1234567"), "", ""),
    }


def test_sdmx_csv_with_separate_label_columns_and_an_unknown_variable(reference) -> None:
    text = (
        "STRUCTURE,STRUCTURE_ID,REF_AREA,Reference area,MEASURE,Measure,CITIZENSHIP,Citizenship,"
        "TIME_PERIOD,Time period,OBS_VALUE,Observation value\n"
        "DATAFLOW,X,ITA,Italy,N_STK,Nurses (stock),ROU,Romania,2020,2020,900,900\n"
        "DATAFLOW,X,ITA,Italy,Q9,Quality index,ROU,Romania,2020,2020,1,1\n"
    )
    summary = statistics_import(upload(text), name="sep.csv")
    assert set(stored()) == {("ITA", "ROU", "foreign_citizens", "nurses", "stock", "2020")}
    [(line, reason)] = summary.refused
    assert line == 3 and "MEASURE=Q9 (Quality index)" in reason


def test_a_semicolon_file_in_windows_1252(reference) -> None:
    text = (
        "COU;Country;VAR;Variable;CO2;Country of origin;YEA;Value\n"
        "CHE;Suisse;FTDS;Médecins formés à l'étranger;DEU;Allemagne;2020;12,5\n"
    )
    summary = statistics_import(upload(text, encoding="cp1252"), name="fr.csv")
    assert summary.refused == []
    assert stored() == {
        ("CHE", "DEU", "foreign_trained", "doctors", "stock", "2020"): (Decimal("12.5"), "", "")
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,email\nA,a@example.org\n", "neither"),
        ("COU,VAR,CO2,Value\nFRA,FTDS,IND,1\n", "YEA"),
        ("", "no table"),
    ],
)
def test_a_file_that_is_not_one_of_the_shapes_is_refused_whole(reference, text, message) -> None:
    with pytest.raises(StatisticsRefused) as refused:
        statistics_import(upload(text), name="x.csv")
    assert message in str(refused.value)
    assert not StatisticsFile.objects.exists()


def test_a_file_unreadable_half_way_saves_nothing(reference) -> None:
    # Past the first 64 KB, from which the encoding is told (UTF-8 here).
    rows = [
        f"FRA,FTDS,{o},{y},{y}" for o in ("IND", "DZA", "MAR", "TUN") for y in range(1900, 2101)
    ]
    text = "COU,VAR,CO2,YEA,Value\n" + "\n".join(rows) + "\n" + "# padding\n" * 6000
    data = text.encode() + b"FRA,FTDS,SEN,2020,\xff\xfe\n"
    with pytest.raises(StatisticsRefused) as refused:
        statistics_import(io.BytesIO(data), name="broken.csv", chunk=100)
    assert refused.value.line == 1 + len(rows) + 6000 + 1
    assert not Statistic.objects.exists() and not StatisticsFile.objects.exists()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", "1234"),
        ("1 234,5", "1234.5"),
        ("1.234.567", "1234567"),
        ("1,234,567.25", "1234567.25"),
        ("1.234,5", "1234.5"),
        ("1,234", "1234"),
        ("12,5", "12.5"),
        ("0,125", "0.125"),
        ("1'234", "1234"),
    ],
)
def test_numbers_as_sites_and_spreadsheets_write_them(text, value) -> None:
    assert number(text) == Decimal(value)


def test_what_is_not_a_number() -> None:
    assert [number(t) for t in ["..", "n.a.", "x", "", "NaN", "inf"]] == [None] * 6
    # Digits that are not decimal digits (a server error before: Decimal refuses them).
    assert [number(t) for t in ["²", "1²", "①"]] == [None] * 3


def test_a_code_longer_than_stored_codes_is_refused_with_its_row(reference) -> None:
    # PostgreSQL refused the whole file with a server error; SQLite kept the long code.
    long_code = "X" * 25
    text = (
        "COU,Country,VAR,Variable,CO2,Country of origin,YEA,Year,Value,Flag Codes,Flags\n"
        f"FRA,France,FTDS,Foreign-trained doctors (stock),{long_code},Somewhere,2020,2020,1,,\n"
        f"{long_code},Somewhere,FTDS,Foreign-trained doctors (stock),IND,India,2020,2020,1,,\n"
        "FRA,France,FTDS,Foreign-trained doctors (stock),IND,India,2020,2020,7,,\n"
    )
    summary = statistics_import(upload(text), name="long.csv")
    assert [line for line, _reason in summary.refused] == [2, 3]
    assert "longer than 20 characters" in summary.refused[0][1]
    assert list(Statistic.objects.values_list("origin_code", flat=True)) == ["IND"]
