"""Roles, what each may do on the models, and what each may do inside an entity it is granted.

Model permissions go to the role's group (e.g. "Controller"); entity permissions go to a group
per role and entity (e.g. "Controller · DE01") holding django-guardian object permissions on that
LegalEntity. A user therefore sees an entity's records only if granted a role *in* that entity.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AP_CLERK = "ap_clerk"
    TREASURY_ANALYST = "treasury_analyst"
    CONTROLLER = "controller"
    ADMIN = "admin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.AP_CLERK: "AP clerk",
    Role.TREASURY_ANALYST: "Treasury analyst",
    Role.CONTROLLER: "Controller",
    Role.ADMIN: "Admin",
    Role.AUDITOR: "Auditor",
}

# Object permissions on masterdata.LegalEntity (declared in LegalEntity.Meta.permissions).
VIEW_ENTITY = "view_entity_data"
WORK_PAYABLES = "work_payables"
WORK_TREASURY = "work_treasury"
APPROVE_PAYMENTS = "approve_payments"
APPROVE_BANK_CHANGES = "approve_bank_changes"
ADMINISTER_ENTITY = "administer_entity"
VIEW_AUDIT = "view_audit"

WORK_PERMISSIONS = (WORK_PAYABLES, WORK_TREASURY, APPROVE_PAYMENTS, ADMINISTER_ENTITY)
# Who may release an approved batch to the bank (and carry it there as a file): treasury, or a
# controller of the entity.
RELEASE_PERMISSIONS = (WORK_TREASURY, APPROVE_PAYMENTS)
# Who chases customers: the AP clerks and treasury analysts of an entity. Controllers, admins and
# auditors read the collection notes but do not add them.
COLLECTION_PERMISSIONS = (WORK_PAYABLES, WORK_TREASURY)
# Who imports bank files (statements and bank acknowledgements): treasury analysts, and the
# entity's admins.
IMPORT_PERMISSIONS = (WORK_TREASURY, ADMINISTER_ENTITY)
# Who runs the matching of supplier invoices on demand: the entity's AP clerks and admins.
MATCH_AP_PERMISSIONS = (WORK_PAYABLES, ADMINISTER_ENTITY)

ENTITY_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.AP_CLERK: (VIEW_ENTITY, WORK_PAYABLES),
    Role.TREASURY_ANALYST: (VIEW_ENTITY, WORK_TREASURY),
    Role.CONTROLLER: (VIEW_ENTITY, APPROVE_PAYMENTS, APPROVE_BANK_CHANGES, VIEW_AUDIT),
    Role.ADMIN: (VIEW_ENTITY, ADMINISTER_ENTITY, VIEW_AUDIT),
    Role.AUDITOR: (VIEW_ENTITY, VIEW_AUDIT),
}

_VIEW_ALL = (
    "masterdata.view_legalentity",
    "masterdata.view_bankaccount",
    "masterdata.view_counterparty",
    "invoicing.view_invoice",
    "payables.view_payment",
    "payables.view_paymentbatch",
    "payables.view_purchaseorder",
    "payables.view_goodsreceipt",
    "matching.view_matchrun",
)
_VIEW_TREASURY = ("treasury.view_bankstatement", "ledger.view_journalentry")

# Model permissions per role (app_label.codename).
MODEL_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.AP_CLERK: (*_VIEW_ALL, "payables.add_paymentbatch"),
    Role.TREASURY_ANALYST: (*_VIEW_ALL, *_VIEW_TREASURY, "bankfiles.add_inboundfile", "ledger.add_journalentry"),
    Role.CONTROLLER: _VIEW_ALL + _VIEW_TREASURY + ("audit.view_auditevent", "payables.add_approval"),
    Role.ADMIN: _VIEW_ALL
    + _VIEW_TREASURY
    + (
        "masterdata.add_legalentity",
        "masterdata.change_legalentity",
        "masterdata.add_bankaccount",
        "masterdata.change_bankaccount",
        "masterdata.add_counterparty",
        "masterdata.change_counterparty",
        "masterdata.view_fieldownership",
        "masterdata.add_fieldownership",
        "masterdata.change_fieldownership",
        "masterdata.delete_fieldownership",
        "masterdata.view_bankaccountchange",
        "bankfiles.add_inboundfile",
        "integrations.view_connector",
        "integrations.add_connector",
        "integrations.change_connector",
        "outbox.view_outboxmessage",
        "outbox.view_webhooksubscription",
        "audit.view_auditevent",
        # the people of the entities they administer (finops.accounts.services: invite, roles, deactivate)
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
    ),
    Role.AUDITOR: _VIEW_ALL + _VIEW_TREASURY + ("audit.view_auditevent",),
}


ENTITY_GROUP_SEPARATOR = " · "


def entity_group_name(role: Role, entity_code: str) -> str:
    return f"{role.label}{ENTITY_GROUP_SEPARATOR}{entity_code}"
