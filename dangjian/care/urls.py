from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("member/<int:pk>/<str:kind>", views.record_new, name="record_new"),
    path("fund/<int:org>", views.fund, name="fund"),
]
