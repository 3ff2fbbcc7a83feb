from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>", views.alert_detail, name="detail"),
    path("<int:pk>/recheck", views.alert_recheck, name="recheck"),
    path("recompute/<int:org>", views.recompute, name="recompute"),
]
