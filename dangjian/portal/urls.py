from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("info", views.info, name="info"),
    path("correction", views.correction_new, name="correction_new"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>", views.correction_decide, name="correction_decide"),
    path("notices/<int:org>", views.notice_publish, name="notice_publish"),
    path("report", views.mobile_report, name="mobile_report"),
    path("looked", views.who_looked, name="who_looked"),
    path("help", views.help_new, name="help_new"),
    path("volunteer/<int:pk>", views.volunteer_signup, name="volunteer_signup"),
]
