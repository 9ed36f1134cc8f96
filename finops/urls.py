from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("finops.dashboards.urls")),
    path("accounts/", include("finops.accounts.urls")),
    path("search/", include("finops.search.urls")),
    path("invoices/", include("finops.invoicing.urls")),
    path("invoices/", include("finops.receivables.urls")),
    path("payables/", include("finops.payables.urls")),
    path("treasury/", include("finops.treasury.urls")),
    path("ledger/", include("finops.ledger.urls")),
    path("masterdata/", include("finops.masterdata.urls")),
    path("audit/", include("finops.audit.urls")),
    path("exceptions/", include("reconciliation.exceptions.urls")),
    path("matching/", include("reconciliation.matching.urls")),
    path("integrations/", include("integrations.urls")),
    path("bank-files/", include("integrations.bankfiles.urls")),
    path("events/", include("integrations.outbox.urls")),
    path("api/", include("finops.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # signed-in users only (the schema answers 401/403 to others, the docs send them to sign in);
    # the split view serves its initialiser as a script file, which the Content-Security-Policy allows
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")),
        name="api-docs",
    ),
    path("django-admin/", admin.site.urls),
]
