from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("new/", views.transfer_create, name="create"),
    path("import/", views.package_import, name="import_package"),
    path("receipts/import/", views.receipt_import, name="import_receipt"),
    path("verify/", views.letter_verify, name="verify"),
    path("organizations/<int:pk>/panel/", views.organization_panel, name="organization_panel"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/letter.pdf", views.transfer_letter, name="letter"),
    path("<int:pk>/package/", views.transfer_package, name="package"),
    path("<int:pk>/receipt.json", views.transfer_receipt, name="receipt"),
    path("<int:pk>/<str:action>/", views.transfer_action, name="action"),
    path("mobile/", views.mobile_list, name="mobile"),
    path("mobile/new/", views.outflow_create, name="outflow_create"),
    path("mobile/reports/", views.outflow_reports, name="outflow_reports"),
    path("mobile/reports/<int:pk>/seen/", views.outflow_report_seen, name="outflow_report_seen"),
    path("mobile/<int:pk>/<str:action>/", views.outflow_action, name="outflow_action"),
    path("mobile/inflows/", views.inflow_list, name="inflows"),
    path("mobile/inflows/new/", views.inflow_create, name="inflow_create"),
    path("mobile/inflows/<int:pk>/leave/", views.inflow_leave, name="inflow_leave"),
]
