"""`field__any=[...]`: `field = ANY(%s)` with the list as one array parameter, for set-based services
that filter by thousands of ids (`__in` binds and quotes each value on its own, which costs more
than the query). Registered on every field at start-up (CoreConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler


class AnyOf(models.Lookup):  # type: ignore[type-arg]
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        return "%s", [list(value)]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def lookups_register() -> None:
    models.Field.register_lookup(AnyOf)
    models.ForeignObject.register_lookup(AnyOf)  # foreign keys look up their own way
