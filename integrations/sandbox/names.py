"""Word lists for the seeded counterparties, the banks behind their accounts and the catalogue
the group buys from. Plain data; prices are strings so that they become Decimal without float.
"""

from __future__ import annotations

from typing import NamedTuple

GROUP_NAME = "Nordlicht Components"


class Entity(NamedTuple):
    code: str
    name: str
    country: str
    currency: str
    ar_prefix: str  # the group's own invoice numbers: RE-2026-10001, SI-2026-20001, INV-2026-30001


ENTITIES: dict[str, Entity] = {
    "DE01": Entity("DE01", f"{GROUP_NAME} GmbH", "DE", "EUR", "RE"),
    "GB01": Entity("GB01", f"{GROUP_NAME} Ltd", "GB", "GBP", "SI"),
    "US01": Entity("US01", f"{GROUP_NAME} Inc.", "US", "USD", "INV"),
}
# French and Dutch business is booked by the German company.
HOME_ENTITY = {"DE": "DE01", "FR": "DE01", "NL": "DE01", "GB": "GB01", "US": "US01"}


class NamePattern(NamedTuple):
    surnames: tuple[str, ...]
    places: tuple[str, ...]
    goods_trades: tuple[str, ...]
    service_trades: tuple[str, ...]
    customer_trades: tuple[str, ...]
    legal_forms: tuple[str, ...]


NAME_PATTERNS: dict[str, NamePattern] = {
    "DE": NamePattern(
        surnames=(
            "Brenner",
            "Hoffmann",
            "Krüger",
            "Vogel",
            "Lindner",
            "Albrecht",
            "Seidel",
            "Hartmann",
            "Brandt",
            "Schäfer",
            "Kessler",
            "Lorenz",
            "Fuchs",
            "Winkler",
            "Baumann",
            "Engel",
            "Reuter",
            "Ziegler",
        ),
        places=("Rhein", "Elbe", "Weser", "Harz", "Allgäu", "Nordsee", "Bodensee", "Saar", "Spree", "Main", "Ruhr"),
        goods_trades=("Metallbau", "Stahlhandel", "Kunststofftechnik", "Elektronik", "Antriebstechnik", "Hydraulik"),
        service_trades=("Logistik", "Spedition", "IT-Service", "Gebäudeservice", "Energie", "Unternehmensberatung"),
        customer_trades=("Maschinenbau", "Anlagenbau", "Automation", "Fahrzeugtechnik", "Fördertechnik", "Windkraft"),
        legal_forms=("GmbH", "GmbH", "GmbH", "GmbH & Co. KG", "AG", "KG"),
    ),
    "GB": NamePattern(
        surnames=(
            "Ashworth",
            "Pemberton",
            "Whitfield",
            "Hargreaves",
            "Thornton",
            "Caldwell",
            "Fairbairn",
            "Kendrick",
            "Marsh",
            "Prescott",
            "Rowntree",
            "Sutcliffe",
            "Wainwright",
        ),
        places=("Pennine", "Severn", "Mersey", "Tyne", "Cotswold", "Solent", "Humber", "Thames", "Clyde", "Chiltern"),
        goods_trades=("Fabrications", "Precision Engineering", "Plastics", "Electronics", "Fasteners", "Packaging"),
        service_trades=("Logistics", "Freight", "IT Services", "Facilities", "Consulting", "Energy"),
        customer_trades=("Engineering", "Automation", "Rail Systems", "Marine", "Aerospace Components", "Instruments"),
        legal_forms=("Ltd", "Ltd", "Limited", "PLC"),
    ),
    "US": NamePattern(
        surnames=(
            "Carver",
            "Delaney",
            "Hollis",
            "Whitaker",
            "Brennan",
            "Calloway",
            "Mercer",
            "Sullivan",
            "Lang",
            "Donovan",
            "Foster",
            "Garrison",
        ),
        places=("Great Lakes", "Pacific", "Keystone", "Lone Star", "Cascade", "Gulf Coast", "Bay State", "Heartland"),
        goods_trades=("Metals", "Components", "Plastics", "Electronics", "Industrial Supply", "Packaging"),
        service_trades=("Logistics", "Freight", "IT Solutions", "Facility Services", "Advisors", "Power & Light"),
        customer_trades=("Manufacturing", "Automation", "Robotics", "Equipment", "Energy Systems", "Instruments"),
        legal_forms=("Inc.", "Inc.", "LLC", "Corp.", "Co."),
    ),
    "FR": NamePattern(
        surnames=("Moreau", "Lefèvre", "Girard", "Bonnet", "Mercier", "Fontaine", "Rousseau", "Chevalier"),
        places=("Rhône", "Loire", "Alsace", "Provence", "Normandie", "Bretagne"),
        goods_trades=("Métallurgie", "Plasturgie", "Électronique"),
        service_trades=("Logistique", "Transports", "Services Informatiques"),
        customer_trades=("Industrie", "Mécanique", "Automatismes", "Équipements"),
        legal_forms=("SAS", "SAS", "SA", "SARL"),
    ),
    "NL": NamePattern(
        surnames=("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Mulder", "de Boer", "Bos"),
        places=("Rijnmond", "Brabant", "Twente", "Delta", "Veluwe", "Zuid-Holland"),
        goods_trades=("Metaaltechniek", "Kunststoffen", "Elektrotechniek"),
        service_trades=("Logistiek", "Transport", "ICT Diensten"),
        customer_trades=("Machinebouw", "Automatisering", "Installatietechniek"),
        legal_forms=("B.V.", "B.V.", "N.V."),
    ),
}
NAME_TEMPLATES = ("{surname} {trade} {form}", "{place} {trade} {form}", "{surname} & {surname2} {form}")


class Bank(NamedTuple):
    """A real bank: national bank code (+ branch or sort code) and BIC; for the US the ABA routing number."""

    country: str
    name: str
    bank_code: str
    branch_code: str
    account_digits: int
    bic: str


BANKS: dict[str, tuple[Bank, ...]] = {
    "DE": (
        Bank("DE", "Commerzbank", "37040044", "", 10, "COBADEFFXXX"),
        Bank("DE", "Deutsche Bank", "50070010", "", 10, "DEUTDEFFXXX"),
        Bank("DE", "UniCredit Bank – HypoVereinsbank", "70020270", "", 10, "HYVEDEMMXXX"),
        Bank("DE", "Hamburger Sparkasse", "20050550", "", 10, "HASPDEHHXXX"),
        Bank("DE", "ING-DiBa", "50010517", "", 10, "INGDDEFFXXX"),
        Bank("DE", "Stadtsparkasse Düsseldorf", "30050110", "", 10, "DUSSDEDDXXX"),
    ),
    "GB": (
        Bank("GB", "NatWest", "NWBK", "601613", 8, "NWBKGB2LXXX"),
        Bank("GB", "Barclays", "BARC", "200000", 8, "BARCGB22"),
        Bank("GB", "HSBC UK", "HBUK", "400530", 8, "HBUKGB4B"),
        Bank("GB", "Lloyds Bank", "LOYD", "309634", 8, "LOYDGB2L"),
    ),
    "FR": (
        Bank("FR", "BNP Paribas", "30004", "00828", 11, "BNPAFRPP"),
        Bank("FR", "Société Générale", "30003", "03620", 11, "SOGEFRPP"),
    ),
    "NL": (
        Bank("NL", "ABN AMRO", "ABNA", "", 10, "ABNANL2A"),
        Bank("NL", "ING", "INGB", "", 10, "INGBNL2A"),
        Bank("NL", "Rabobank", "RABO", "", 10, "RABONL2U"),
    ),
    "US": (
        Bank("US", "JPMorgan Chase Bank", "021000021", "", 10, "CHASUS33"),
        Bank("US", "Bank of America", "026009593", "", 12, "BOFAUS3N"),
        Bank("US", "Wells Fargo Bank", "121000248", "", 10, "WFBIUS6S"),
        Bank("US", "Citibank", "021000089", "", 9, "CITIUS33"),
        Bank("US", "U.S. Bank", "091000022", "", 12, "USBKUS44"),
    ),
}


class OwnAccount(NamedTuple):
    """An account of the group at the sandbox bank (IBAN accounts only: see API.md)."""

    entity: str
    purpose: str  # operating pays suppliers and payroll; collections receives customer cash; cash pool
    country: str
    bank_code: str
    opening_balance: str


OWN_ACCOUNTS: tuple[OwnAccount, ...] = (
    OwnAccount("DE01", "operating", "DE", "37040044", "1864250.00"),
    OwnAccount("DE01", "collections", "DE", "50070010", "742918.35"),
    OwnAccount("DE01", "cash pool", "DE", "70020270", "3500000.00"),
    OwnAccount("GB01", "operating", "GB", "NWBK", "1215480.00"),
    OwnAccount("GB01", "collections", "GB", "BARC", "468302.17"),
)


class CatalogItem(NamedTuple):
    item: str
    price_low: str
    price_high: str
    qty_low: int
    qty_high: int


CATALOG: tuple[CatalogItem, ...] = (
    CatalogItem("Aluminium profile 40x40 mm, 6 m", "38.50", "52.00", 20, 200),
    CatalogItem("Stainless steel sheet 1.4301, 2 mm, 1000x2000", "118.00", "164.00", 10, 80),
    CatalogItem("Deep groove ball bearing 6204-2RS", "3.10", "4.90", 200, 2000),
    CatalogItem("Hex bolt M10x40 8.8, box of 100", "11.20", "15.80", 10, 120),
    CatalogItem("Servo motor 400 W with encoder", "412.00", "538.00", 2, 24),
    CatalogItem("Controller PCB assembly rev. C", "86.00", "129.00", 25, 300),
    CatalogItem("Cable harness 12-pin, 1.5 m", "14.40", "21.90", 50, 600),
    CatalogItem("Hydraulic cylinder 50/30-200", "231.00", "298.00", 4, 40),
    CatalogItem("Inductive proximity sensor M18", "22.50", "31.00", 40, 400),
    CatalogItem("Shipping carton 600x400x400, bundle of 25", "18.90", "26.50", 20, 160),
    CatalogItem("Hydraulic oil ISO VG 46, 20 l", "61.00", "84.00", 6, 60),
    CatalogItem("Linear guide rail 20 mm, 1 m", "47.00", "69.00", 10, 120),
)

# What service suppliers bill without a purchase order, with a typical amount range.
SERVICE_BILLS: tuple[tuple[str, str], ...] = (
    ("450.00", "2900.00"),  # freight
    ("1200.00", "9800.00"),  # IT services and licences
    ("800.00", "4200.00"),  # facility services
    ("2500.00", "18500.00"),  # consulting
    ("1900.00", "7600.00"),  # energy
)

AP_NUMBER_STYLES = ("{n:08d}", "INV-{n}", "R{year}-{n:05d}", "{year}/{n:04d}", "SI{n:06d}", "F{year}{n:05d}")
