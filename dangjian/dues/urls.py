from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "dues"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("calculator/", views.calculator, name="calculator"),
    path("org/<int:pk>/", views.organization, name="organization"),
    path("org/<int:pk>/panel/", views.organization_panel, name="organization_panel"),
    path("org/<int:pk>/generate/", views.ledger_generate, name="ledger_generate"),
    path("org/<int:pk>/farmer/", views.farmer_amount, name="farmer_amount"),
    path("org/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("org/<int:pk>/report/", views.report, name="report"),
    path("org/<int:pk>/report.xlsx", views.report_export, name="report_export"),
    path("member/<int:pk>/", views.member, name="member"),
    path("member/<int:pk>/pay/", views.payment_create, name="payment_create"),
    path("member/<int:pk>/profile/", views.profile_edit, name="profile_edit"),
]
