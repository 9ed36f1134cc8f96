from django.urls import include, path

from finops.accounts.api import (
    UserDeactivateApi,
    UserDetailApi,
    UserGrantApi,
    UserListApi,
    UserReactivateApi,
    UserRevokeApi,
)
from finops.audit.api import AuditEventListApi
from finops.invoicing.api import (
    HoldReleaseApi,
    InvoiceApproveApi,
    InvoiceCancelApi,
    InvoiceControlApi,
    InvoiceDetailApi,
    InvoiceListApi,
    VarianceAcceptApi,
    VarianceDecisionApi,
)
from finops.ledger.api import JournalDetailApi, JournalListApi, JournalPostApi
from finops.masterdata.api import BankAccountDetailApi, BankAccountListApi, CounterpartyDetailApi, CounterpartyListApi
from finops.payables.api import (
    BatchDecisionApi,
    BatchDetailApi,
    BatchListApi,
    BatchReleaseApi,
    GoodsReceiptDetailApi,
    GoodsReceiptListApi,
    PaymentDetailApi,
    PaymentListApi,
    PurchaseOrderDetailApi,
    PurchaseOrderListApi,
)
from finops.receivables.api import CollectionNoteListApi
from finops.search.api import SearchApi
from finops.treasury.api import StatementDetailApi, StatementListApi
from reconciliation.exceptions.api import ExceptionDetailApi, ExceptionListApi
from reconciliation.matching.api import MatchRunDetailApi, MatchRunListApi

app_name = "api"
urlpatterns = [
    path("invoices/", InvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/<int:pk>/", InvoiceDetailApi.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/control/", InvoiceControlApi.as_view(), name="invoice-control"),
    path("invoices/<int:pk>/holds/<int:hold_id>/release/", HoldReleaseApi.as_view(), name="invoice-hold-release"),
    path("invoices/<int:pk>/cancel/", InvoiceCancelApi.as_view(), name="invoice-cancel"),
    path("invoices/<int:pk>/accept-variance/", VarianceAcceptApi.as_view(), name="invoice-accept-variance"),
    path("invoices/<int:pk>/variance-decision/", VarianceDecisionApi.as_view(), name="invoice-variance-decision"),
    path("invoices/<int:pk>/approve/", InvoiceApproveApi.as_view(), name="invoice-approve"),
    path("invoices/<int:pk>/collection-notes/", CollectionNoteListApi.as_view(), name="invoice-collection-note-list"),
    path("payments/", PaymentListApi.as_view(), name="payment-list"),
    path("payments/<int:pk>/", PaymentDetailApi.as_view(), name="payment-detail"),
    path("payment-batches/", BatchListApi.as_view(), name="batch-list"),
    path("payment-batches/<int:pk>/", BatchDetailApi.as_view(), name="batch-detail"),
    path("payment-batches/<int:pk>/decision/", BatchDecisionApi.as_view(), name="batch-decision"),
    path("payment-batches/<int:pk>/release/", BatchReleaseApi.as_view(), name="batch-release"),
    path("purchase-orders/", PurchaseOrderListApi.as_view(), name="po-list"),
    path("purchase-orders/<int:pk>/", PurchaseOrderDetailApi.as_view(), name="po-detail"),
    path("goods-receipts/", GoodsReceiptListApi.as_view(), name="receipt-list"),
    path("goods-receipts/<int:pk>/", GoodsReceiptDetailApi.as_view(), name="receipt-detail"),
    path("statements/", StatementListApi.as_view(), name="statement-list"),
    path("statements/<int:pk>/", StatementDetailApi.as_view(), name="statement-detail"),
    path("journal-entries/", JournalListApi.as_view(), name="journal-list"),
    path("journal-entries/<int:pk>/", JournalDetailApi.as_view(), name="journal-detail"),
    path("journal-entries/<int:pk>/post/", JournalPostApi.as_view(), name="journal-post"),
    path("counterparties/", CounterpartyListApi.as_view(), name="counterparty-list"),
    path("counterparties/<int:pk>/", CounterpartyDetailApi.as_view(), name="counterparty-detail"),
    path("bank-accounts/", BankAccountListApi.as_view(), name="bankaccount-list"),
    path("bank-accounts/<int:pk>/", BankAccountDetailApi.as_view(), name="bankaccount-detail"),
    path("exceptions/", ExceptionListApi.as_view(), name="exception-list"),
    path("exceptions/<int:pk>/", ExceptionDetailApi.as_view(), name="exception-detail"),
    path("users/", UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>/", UserDetailApi.as_view(), name="user-detail"),
    path("users/<int:pk>/grant/", UserGrantApi.as_view(), name="user-grant"),
    path("users/<int:pk>/revoke/", UserRevokeApi.as_view(), name="user-revoke"),
    path("users/<int:pk>/deactivate/", UserDeactivateApi.as_view(), name="user-deactivate"),
    path("users/<int:pk>/reactivate/", UserReactivateApi.as_view(), name="user-reactivate"),
    path("search/", SearchApi.as_view(), name="search"),
    path("match-runs/", MatchRunListApi.as_view(), name="matchrun-list"),
    path("match-runs/<int:pk>/", MatchRunDetailApi.as_view(), name="matchrun-detail"),
    path("audit-events/", AuditEventListApi.as_view(), name="auditevent-list"),
    path("", include("integrations.api_urls")),
]
