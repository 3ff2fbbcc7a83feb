from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("<int:pk>", views.round_detail, name="detail"),
    path("<int:pk>/score", views.score_enter, name="score"),
    path("<int:pk>/export.xlsx", views.round_export, name="export"),
    path("<int:pk>/<str:action>", views.round_action, name="action"),
]
