from django.urls import path

from . import views

app_name = "rectification"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("criteria", views.criteria, name="criteria"),
    path("criteria/<int:pk>", views.criterion_edit, name="criterion"),
    path("cases.xlsx", views.cases_export, name="cases_export"),
    path("<int:pk>/export.xlsx", views.review_export, name="export"),
    path("<int:pk>", views.review_detail, name="review"),
    path("<int:pk>/candidates/<int:candidate>", views.candidate_decide, name="decide"),
    path("<int:pk>/<str:action>", views.review_action, name="action"),
    path("cases/<int:pk>", views.case_detail, name="case"),
    path("cases/<int:pk>/close", views.case_close, name="close"),
]
