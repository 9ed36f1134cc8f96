"""Word lists and catalogues for the demo seed: plausible company names per country, the
banks behind their accounts, what Nordlicht Components buys and sells.

Plain data, no Django. Prices are strings so they become Decimal without passing through float.
"""

from __future__ import annotations

from typing import NamedTuple

GROUP_NAME = "Nordlicht Components"
EMAIL_DOMAIN = "nordlicht-components.example"


class NamePattern(NamedTuple):
    """How a country's company names are put together: "{surname} {trade} {form}" and friends."""

    surnames: tuple[str, ...]
    places: tuple[str, ...]
    supplier_trades: tuple[str, ...]
    customer_trades: tuple[str, ...]
    legal_forms: tuple[str, ...]
    templates: tuple[str, ...]


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
            "Möller",
            "Haas",
            "Kaiser",
            "Sommer",
            "Franke",
            "Böhm",
            "Pfeiffer",
            "Dietrich",
            "Wendt",
            "Thiele",
        ),
        places=(
            "Rhein",
            "Elbe",
            "Weser",
            "Harz",
            "Allgäu",
            "Nordsee",
            "Bodensee",
            "Saar",
            "Spree",
            "Main",
            "Eifel",
            "Taunus",
            "Lausitz",
            "Ruhr",
            "Hanse",
            "Schwarzwald",
        ),
        supplier_trades=(
            "Logistik",
            "Spedition",
            "Metallbau",
            "Stahlhandel",
            "Kunststofftechnik",
            "Verpackung",
            "Präzisionsteile",
            "Werkzeugbau",
            "Elektrotechnik",
            "Industriebedarf",
            "Oberflächentechnik",
            "Gießerei",
            "Hydraulik",
            "Dichtungstechnik",
            "Zerspanungstechnik",
            "Antriebstechnik",
        ),
        customer_trades=(
            "Maschinenbau",
            "Anlagenbau",
            "Fahrzeugtechnik",
            "Fördertechnik",
            "Landtechnik",
            "Windkraft",
            "Medizintechnik",
            "Automation",
            "Pumpenwerke",
            "Antriebssysteme",
            "Technischer Handel",
            "Armaturen",
            "Sondermaschinenbau",
        ),
        legal_forms=("GmbH", "GmbH", "GmbH", "GmbH & Co. KG", "AG", "KG"),
        templates=(
            "{surname} {trade} {form}",
            "{surname} {trade} {form}",
            "{place}-{trade} {form}",
            "{surname} & {surname2} {form}",
        ),
    ),
    "GB": NamePattern(
        surnames=(
            "Whitfield",
            "Ashworth",
            "Pemberton",
            "Hargreaves",
            "Thornton",
            "Blackwood",
            "Fairbairn",
            "Holloway",
            "Kershaw",
            "Radcliffe",
            "Sutcliffe",
            "Wainwright",
            "Prescott",
            "Langley",
            "Marsden",
            "Oakley",
            "Pickering",
            "Rowntree",
            "Stanton",
            "Tennant",
            "Whitaker",
            "Coulson",
            "Bramley",
        ),
        places=(
            "Midlands",
            "Pennine",
            "Severn",
            "Humber",
            "Thames",
            "Clyde",
            "Mersey",
            "Tyne",
            "Cotswold",
            "Solent",
            "Wessex",
            "Trent",
            "Chiltern",
            "Calder",
        ),
        supplier_trades=(
            "Precision",
            "Engineering Supplies",
            "Fasteners",
            "Plastics",
            "Logistics",
            "Packaging",
            "Castings",
            "Electrical",
            "Hydraulics",
            "Steel Stockholders",
            "Tooling",
            "Freight",
            "Coatings",
            "Bearings",
        ),
        customer_trades=(
            "Engineering",
            "Automation",
            "Rail Systems",
            "Marine",
            "Agricultural Machinery",
            "Process Equipment",
            "Industrial Distribution",
            "Fluid Power",
            "Motion Control",
            "Pumps",
        ),
        legal_forms=("Ltd", "Ltd", "Ltd", "Limited", "PLC", "LLP"),
        templates=(
            "{surname} {trade} {form}",
            "{surname} {trade} {form}",
            "{place} {trade} {form}",
            "{surname} & {surname2} {form}",
            "{surname} & Sons Ltd",
        ),
    ),
    "US": NamePattern(
        surnames=(
            "Carter",
            "Mitchell",
            "Reynolds",
            "Sullivan",
            "Hayes",
            "Brooks",
            "Whitaker",
            "Donovan",
            "Harlan",
            "McAllister",
            "Franklin",
            "Patterson",
            "Caldwell",
            "Bennett",
            "Morrison",
            "Garrison",
            "Holt",
            "Kowalski",
            "Lindqvist",
            "Ramirez",
            "Delgado",
            "O'Neill",
            "Sinclair",
        ),
        places=(
            "Great Lakes",
            "Keystone",
            "Lone Star",
            "Buckeye",
            "Cascade",
            "Tri-State",
            "Piedmont",
            "Gulf Coast",
            "Heartland",
            "Mid-Atlantic",
            "Rocky Mountain",
            "Ohio Valley",
            "Bay Area",
            "Prairie",
        ),
        supplier_trades=(
            "Industrial Supply",
            "Machining",
            "Fabrication",
            "Logistics",
            "Plastics",
            "Electric",
            "Tool & Die",
            "Packaging",
            "Metals",
            "Freight Lines",
            "Bearing & Supply",
            "Coatings",
            "Fastener",
        ),
        customer_trades=(
            "Equipment",
            "Manufacturing",
            "Automation",
            "Machinery",
            "Industrial Distributors",
            "Motion Systems",
            "Power Systems",
            "Fluid Power",
            "Ag Equipment",
            "Conveyor",
        ),
        legal_forms=("LLC", "LLC", "Inc.", "Inc.", "Corp.", "Co."),
        templates=(
            "{surname} {trade} {form}",
            "{surname} {trade} {form}",
            "{place} {trade} {form}",
            "{surname} & {surname2} {trade} {form}",
        ),
    ),
    "FR": NamePattern(
        surnames=(
            "Lefèvre",
            "Moreau",
            "Girard",
            "Dubois",
            "Fontaine",
            "Chevalier",
            "Rousseau",
            "Garnier",
            "Mercier",
            "Blanchard",
            "Perrin",
            "Lambert",
            "Bonnet",
            "Faure",
        ),
        places=("Rhône", "Loire", "Alsace", "Provence", "Normandie", "Bretagne", "Lorraine", "Picardie", "Savoie"),
        supplier_trades=(
            "Transports",
            "Usinage",
            "Emballages",
            "Plasturgie",
            "Fonderie",
            "Mécanique de Précision",
            "Traitement de Surface",
            "Visserie",
            "Aciers",
        ),
        customer_trades=(
            "Mécanique",
            "Automatismes",
            "Équipements Industriels",
            "Machines Agricoles",
            "Systèmes Ferroviaires",
            "Distribution Industrielle",
        ),
        legal_forms=("SAS", "SAS", "SARL", "SA"),
        templates=("{trade} {surname} {form}", "{trade} {surname} {form}", "{trade} {place} {form}"),
    ),
    "NL": NamePattern(
        surnames=(
            "de Vries",
            "van Dijk",
            "Bakker",
            "Jansen",
            "Visser",
            "Smit",
            "Meijer",
            "de Boer",
            "Mulder",
            "van den Berg",
            "Dekker",
            "Brouwer",
            "Hendriks",
        ),
        places=("Rijnmond", "Twente", "Brabant", "Zeeland", "Veluwe", "Delta", "Kennemer", "Drechtsteden"),
        supplier_trades=(
            "Logistiek",
            "Transport",
            "Verpakkingen",
            "Kunststoffen",
            "Metaalbewerking",
            "Staalhandel",
            "Techniek",
            "Gieterij",
        ),
        customer_trades=(
            "Machinebouw",
            "Automatisering",
            "Aandrijftechniek",
            "Industriële Handel",
            "Installatietechniek",
            "Scheepsbouw",
        ),
        legal_forms=("B.V.", "B.V.", "B.V.", "N.V."),
        templates=("{surname} {trade} {form}", "{place} {trade} {form}"),
    ),
}


class Bank(NamedTuple):
    """A real bank and the national code that routes to it (bank code + branch, sort code, or ABA)."""

    country: str
    name: str
    bank_code: str  # DE Bankleitzahl, GB bank + sort code, FR code banque, NL bank code; US ABA routing number
    branch_code: str = ""
    account_digits: int = 10
    us_bic: str = ""  # the US has no IBAN to derive a BIC from


BANKS: dict[str, tuple[Bank, ...]] = {
    "DE": (
        Bank("DE", "Commerzbank", "37040044"),
        Bank("DE", "Deutsche Bank", "50070010"),
        Bank("DE", "UniCredit Bank – HypoVereinsbank", "70020270"),
        Bank("DE", "BW-Bank", "60050101"),
        Bank("DE", "Hamburger Sparkasse", "20050550"),
        Bank("DE", "ING-DiBa", "50010517"),
        Bank("DE", "Stadtsparkasse Düsseldorf", "30050110"),
        Bank("DE", "Sparkasse Hannover", "25050180"),
        Bank("DE", "Sparkasse Dortmund", "44050199"),
    ),
    "GB": (
        Bank("GB", "NatWest", "NWBK601613", account_digits=8),
        Bank("GB", "NatWest", "NWBK560003", account_digits=8),
        Bank("GB", "Barclays", "BARC200000", account_digits=8),
        Bank("GB", "Barclays", "BUKB202015", account_digits=8),
        Bank("GB", "HSBC UK", "HBUK400530", account_digits=8),
        Bank("GB", "Lloyds Bank", "LOYD309634", account_digits=8),
        Bank("GB", "Royal Bank of Scotland", "RBOS161615", account_digits=8),
    ),
    "FR": (
        Bank("FR", "BNP Paribas", "30004", "00828", account_digits=11),
        Bank("FR", "Société Générale", "30003", "03620", account_digits=11),
        Bank("FR", "LCL – Crédit Lyonnais", "30002", "00550", account_digits=11),
        Bank("FR", "CIC", "30066", "10021", account_digits=11),
    ),
    "NL": (
        Bank("NL", "ABN AMRO", "ABNA"),
        Bank("NL", "ING", "INGB"),
        Bank("NL", "Rabobank", "RABO"),
        Bank("NL", "Triodos Bank", "TRIO"),
    ),
    "US": (
        Bank("US", "JPMorgan Chase Bank", "021000021", account_digits=10, us_bic="CHASUS33"),
        Bank("US", "Bank of America", "026009593", account_digits=12, us_bic="BOFAUS3N"),
        Bank("US", "Wells Fargo Bank", "121000248", account_digits=10, us_bic="WFBIUS6S"),
        Bank("US", "Citibank", "021000089", account_digits=9, us_bic="CITIUS33"),
        Bank("US", "U.S. Bank", "091000022", account_digits=12, us_bic="USBKUS44"),
        Bank("US", "Truist Bank", "061000104", account_digits=13, us_bic="SNTRUS3A"),
    ),
}

BANK_CURRENCY = {"DE": "EUR", "FR": "EUR", "NL": "EUR", "GB": "GBP", "US": "USD"}

# Which countries supply and buy, in what proportion (integer weights).
SUPPLIER_COUNTRIES = (("DE", 38), ("GB", 22), ("US", 24), ("FR", 8), ("NL", 8))
CUSTOMER_COUNTRIES = (("DE", 34), ("GB", 24), ("US", 26), ("FR", 8), ("NL", 8))


class CatalogItem(NamedTuple):
    description: str
    price_low: str
    price_high: str
    qty_low: int
    qty_high: int


PURCHASE_ITEMS: tuple[CatalogItem, ...] = (
    CatalogItem("Stainless steel sheet 1.4301, 2.0 mm (kg)", "3.10", "4.60", 500, 8000),
    CatalogItem("Aluminium round bar EN AW-6082, Ø40 mm (m)", "9.00", "14.00", 50, 800),
    CatalogItem("Deep groove ball bearing 6204-2RS", "1.20", "2.60", 500, 6000),
    CatalogItem("Hex bolt M10x40 8.8 zinc-plated (box of 100)", "6.50", "11.00", 20, 400),
    CatalogItem("PA66 GF30 granulate (kg)", "2.80", "4.20", 500, 10000),
    CatalogItem("Corrugated shipping box 600x400x400", "0.90", "1.80", 500, 5000),
    CatalogItem("Copper busbar 30x5 mm (m)", "18.00", "29.00", 20, 400),
    CatalogItem("O-ring NBR 70, 42x3 mm", "0.08", "0.22", 2000, 40000),
    CatalogItem("Gear motor 0.75 kW, IE3", "310.00", "480.00", 2, 40),
    CatalogItem("Hydraulic hose DN12 2SN (m)", "7.50", "12.00", 50, 600),
    CatalogItem("CNC milling, subcontracted (hours)", "68.00", "95.00", 10, 160),
    CatalogItem("Road freight, full truckload", "1100.00", "2400.00", 1, 8),
    CatalogItem("Powder coating RAL 7035 (m²)", "14.00", "22.00", 50, 800),
    CatalogItem("EUR pallet 1200x800, new", "14.00", "19.00", 50, 400),
    CatalogItem("Die-casting tool modification", "2800.00", "9500.00", 1, 2),
    CatalogItem("Industrial PC, fanless, 8 GB", "1450.00", "2100.00", 1, 10),
)

SALES_ITEMS: tuple[CatalogItem, ...] = (
    CatalogItem("Radial shaft seal RWDR 45x62x8 FKM", "3.80", "6.20", 200, 5000),
    CatalogItem("Drive coupling NC-40, aluminium", "38.00", "55.00", 20, 400),
    CatalogItem("Sensor housing SH-200, die-cast", "12.00", "19.00", 100, 2000),
    CatalogItem("Precision bushing PB-12, bronze", "1.90", "3.40", 500, 10000),
    CatalogItem("Gearbox cover GC-310, machined", "85.00", "140.00", 10, 200),
    CatalogItem("Hydraulic manifold block HM-6", "210.00", "380.00", 5, 80),
    CatalogItem("Linear guide carriage LG-25", "42.00", "66.00", 20, 300),
    CatalogItem("Commissioning, field technician (days)", "880.00", "1150.00", 1, 6),
    CatalogItem("Spare parts kit SK-PRO", "145.00", "260.00", 2, 40),
)

# Supplier invoices that come without a purchase order: a month's service, one line.
SERVICE_ITEMS: tuple[CatalogItem, ...] = (
    CatalogItem("Electricity supply, {month}", "9800.00", "24000.00", 1, 1),
    CatalogItem("Facility cleaning, {month}", "2100.00", "4800.00", 1, 1),
    CatalogItem("IT managed services, {month}", "3500.00", "7900.00", 1, 1),
    CatalogItem("Forklift lease, {month}", "1250.00", "2600.00", 1, 1),
    CatalogItem("Waste disposal and recycling, {month}", "640.00", "1900.00", 1, 1),
    CatalogItem("Security services, {month}", "1800.00", "3900.00", 1, 1),
)

# Price levels per currency relative to EUR list prices (rounded, stable for the demo).
PRICE_LEVEL = {"EUR": "1.00", "GBP": "0.86", "USD": "1.08"}

# Direct debits a bank books without an invoice in our books: (payee, description, low, high).
DIRECT_DEBITS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "DE": (
        ("Telekom Deutschland GmbH", "SEPA-Lastschrift Telekom Rechnung {month}", "1480.00", "2950.00"),
        ("Allianz Versicherungs-AG", "SEPA-Lastschrift Betriebshaftpflicht Beitrag {month}", "3200.00", "5400.00"),
        ("Stadtwerke Hamburg GmbH", "SEPA-Lastschrift Wasser/Abwasser Abschlag {month}", "780.00", "1650.00"),
    ),
    "GB": (
        ("British Gas Business", "DIRECT DEBIT BRITISH GAS BUSINESS {month}", "1900.00", "4200.00"),
        ("BT Business", "DIRECT DEBIT BT BUSINESS {month}", "420.00", "980.00"),
        ("Zurich Insurance plc", "DIRECT DEBIT ZURICH INS PREMIUM {month}", "2100.00", "3600.00"),
    ),
    "US": (
        ("Consolidated Edison", "ACH DEBIT CON ED OF NY UTIL PAYMT {month}", "2300.00", "5100.00"),
        ("Verizon Business", "ACH DEBIT VERIZON WIRELESS PAYMENTS {month}", "610.00", "1400.00"),
        ("The Hartford", "ACH DEBIT HARTFORD INS PREMIUM {month}", "2800.00", "4700.00"),
    ),
}
