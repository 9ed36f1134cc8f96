"""A synthetic NACHA notification of change, shared by the reader's and the import's tests: a COR
batch with one zero-dollar tc 21 entry and its addenda 98, change code C01 (corrected account
987654321) for the payment with original trace 121042880000007."""


def noc_file() -> bytes:
    rows = [
        "101 231380104 121042882" + "2401051200A094101" + "BANK".ljust(23) + "US".ljust(23),
        "5220ACME            "
        + " " * 20
        + "1234567890COR"
        + "NOC".ljust(10)
        + " " * 6
        + "240105"
        + "   "
        + "1"
        + "23138010"
        + "0000001",
        "621231380104"
        + "12345678".ljust(17)
        + "0" * 10
        + "ID1".ljust(15)
        + "JANE DOE".ljust(22)
        + "  "
        + "1"
        + "231380100000001",
        "798C01121042880000007      12104288" + "987654321".ljust(29) + " " * 15 + "231380100000001",
        "82200000020023138010" + "0" * 24 + "1234567890" + " " * 25 + "23138010" + "0000001",
        "9000001000001000000020023138010" + "0" * 24,
    ]
    return "\n".join(row.ljust(94) for row in rows).encode()
