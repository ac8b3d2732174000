"""Statistics for tests, written directly (the import and the reports are tested elsewhere)."""

from __future__ import annotations

from decimal import Decimal

from codemonitor.reference.countries import member_state_codes
from codemonitor.workforce.models import TOTAL_ORIGIN, Dataset, Statistic


def stat(
    destination: str,
    year: int,
    value: float | int | str,
    *,
    origin: str = "",
    population: str = "",
    occupation: str = "doctors",
    measure: str = "stock",
    dataset: str = Dataset.OECD,
    flag: str = "",
) -> Statistic:
    """A figure; `population` defaults to total without an origin, foreign-trained with one."""
    population = population or ("foreign_trained" if origin else "total")
    members = set(member_state_codes())
    return Statistic.objects.create(
        dataset=dataset,
        destination_code=destination,
        destination_id=destination if destination in members else None,
        origin_code=origin,
        origin_id=origin if origin in members else None,
        population=population,
        occupation=occupation,
        measure=measure,
        year=year,
        value=Decimal(str(value)),
        flag=flag,
    )


def oecd_fixture() -> None:
    """A small OECD-like dataset with one NRI figure; the indicator tests compute it by hand.

    United Kingdom (GBR), doctors: total stock 2020 1000 (OECD) and 1200 (its NRI), 2021 1100;
    foreign-trained 2020 300 for all origins, 2021 only by country: IND 150, NGA 80, PAK 30.
    Nigeria's doctors abroad in 2021: GBR 80, USA 500, IRL 20.
    """
    stat("GBR", 2020, 1000)
    stat("GBR", 2020, 1200, dataset=Dataset.NRI)
    stat("GBR", 2021, 1100, flag="B")
    stat("GBR", 2020, 300, origin=TOTAL_ORIGIN)
    stat("GBR", 2020, 200, origin="IND")
    stat("GBR", 2021, 150, origin="IND")
    stat("GBR", 2021, 80, origin="NGA")
    stat("GBR", 2021, 30, origin="PAK")
    stat("USA", 2021, 500, origin="NGA")
    stat("USA", 2021, 900, origin="IND")
    stat("IRL", 2021, 20, origin="NGA")
    stat("GBR", 2021, 40, origin="NGA", measure="inflow")
    stat("GBR", 2021, 999, origin="EUR")  # a region: never a country of origin
