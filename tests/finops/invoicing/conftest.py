from tests.finops.masterdata.conftest import refused_import, run_import  # noqa: F401 - the import fixtures
