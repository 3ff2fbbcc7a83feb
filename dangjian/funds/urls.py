from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.organization_ledger, name="ledger"),
]
