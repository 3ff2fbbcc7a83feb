from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "recruitment"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("new/", views.applicant_create, name="create"),
    path("rules/", views.rule_list, name="rules"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("organizations/<int:pk>/panel/", views.organization_panel, name="panel"),
    path("<int:pk>/", views.applicant_detail, name="detail"),
    path("<int:pk>/step/", views.step_record, name="step"),
    path("<int:pk>/reveal/<str:field>/", views.applicant_reveal, name="reveal"),
    path("<int:pk>/record.pdf", views.applicant_pdf, name="pdf"),
    path("<int:pk>/extend/", views.probation_extend, name="extend"),
    path("<int:pk>/cancel/", views.probation_cancel, name="cancel"),
    path("<int:pk>/end/", views.applicant_end, name="end"),
]
