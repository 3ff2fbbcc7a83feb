from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "certificates"
urlpatterns: list[URLPattern | URLResolver] = [
    path("mine/", views.mine, name="mine"),
    path("mine/issue/", views.mine_issue, name="mine_issue"),
    path("mine/card.<str:kind>", views.mine_download, name="mine_download"),
    path("verify/", views.verify, name="verify"),
    path("checkin/<int:pk>/", views.activity_checkin, name="activity_checkin"),
    path("verify/data.json", views.verifier_data, name="verifier_data"),
    path("verify/sw.js", views.service_worker, name="service_worker"),
    path("org/<int:pk>/", views.organization, name="organization"),
    path("org/<int:pk>/issue/", views.organization_issue, name="organization_issue"),
    path("org/<int:pk>/cards.pdf", views.organization_print, name="organization_print"),
    path("member/<int:pk>/issue/", views.member_issue, name="member_issue"),
    path("member/<int:pk>/card.<str:kind>", views.member_card_download, name="member_download"),
    path("<int:pk>/revoke/", views.certificate_revoke, name="revoke"),
    path("trust/", views.trust_list, name="trust"),
    path("trust/<int:pk>/remove/", views.trust_remove, name="trust_remove"),
    path("receipts/", views.receipts_page, name="receipts"),
    path("receipts/export/<str:issuer>/", views.receipt_export, name="receipt_export"),
    path("receipts/<int:pk>/", views.receipt_download, name="receipt_download"),
    path("keys.json", views.public_keys, name="public_keys"),
    path("revocations.cbor", views.revocation_list, name="revocation_list"),
]
