from django.urls import path

from finops.payables import views

app_name = "payables"
urlpatterns = [
    path("payments/", views.payment_list_view, name="payment-list"),
    path("payments/<int:pk>/", views.payment_detail_view, name="payment-detail"),
    path("batches/", views.batch_list_view, name="batch-list"),
    path("batches/<int:pk>/", views.batch_detail_view, name="batch-detail"),
    path("batches/<int:pk>/approve/", views.batch_approve_view, name="batch-approve"),
    path("batches/<int:pk>/decline/", views.batch_decline_view, name="batch-decline"),
    path("batches/<int:pk>/release/", views.batch_release_view, name="batch-release"),
    path("batches/<int:pk>/file/", views.batch_file_view, name="batch-file"),
    path("batches/<int:pk>/mark-sent/", views.batch_mark_sent_view, name="batch-mark-sent"),
    path("purchase-orders/", views.purchase_order_list_view, name="po-list"),
    path("purchase-orders/<int:pk>/", views.purchase_order_detail_view, name="po-detail"),
    path("receipts/", views.goods_receipt_list_view, name="receipt-list"),
    path("receipts/<int:pk>/", views.goods_receipt_detail_view, name="receipt-detail"),
]
