from django.urls import path

from . import views

app_name = "ops"
urlpatterns = [
    path("health/live", views.live, name="live"),
    path("health/ready", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
    path("audit/", views.audit_log, name="audit"),
]
