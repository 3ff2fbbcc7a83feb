from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.xlsx", views.index_export, name="export"),
    path("<int:pk>/", views.organization_ledger, name="ledger"),
    path("<int:pk>/export.xlsx", views.ledger_export, name="ledger_export"),
]
