"""The secretary's side of member accounts: invitations, letters, resets (/invitations/)."""

from django.urls import path

from . import views

app_name = "accounts-invite"
urlpatterns = [
    path("org/<int:org>/", views.invite, name="organization"),
    path("<uuid:public_id>/", views.invitation, name="batch"),
    path("<uuid:public_id>/letters.pdf", views.invitation_pdf, name="pdf"),
    path("member/<int:pk>/reset", views.account_reset, name="reset"),
]
