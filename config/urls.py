from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dangjian.api.urls import urls as api_v1_urls
from dangjian.certificates import views as certificate_views
from dangjian.ops import views as ops_views
from dangjian.places import views as places_views
from dangjian.portal import views as portal_views

urlpatterns = [
    path("", include("dangjian.site.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.organizations.urls")),
    path("members/", include("dangjian.members.urls")),
    path("reports/", include("dangjian.reports.urls")),
    path("roster/", include("dangjian.roster.urls")),
    path("exports/", include("dangjian.core.urls")),
    path("transfers/", include("dangjian.transfers.urls")),
    path("cards/", include("dangjian.certificates.urls")),
    path("activities/", include("dangjian.activities.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("recruitment/", include("dangjian.recruitment.urls")),
    path("ops/", include("dangjian.ops.urls")),
    # Keeps a mobile member's /me/ (card, host places) for offline use: its scope must cover /me/.
    path("me/sw.js", places_views.me_service_worker, name="me_service_worker"),
    path("me/", include("dangjian.portal.urls")),
    path("invitations/", include("dangjian.portal.invitation_urls")),
    # The address on the activation letters' QR codes: short, to type by hand if need be.
    path("activate/", portal_views.activate, name="activate"),
    # What the activity certificate's QR opens (the credential in the fragment): short, so the
    # QR stays small (docs/certificate-format.md); the page and its service worker, as /cards/verify/.
    path("v/", certificate_views.verify, name="verify_short"),
    path("v/sw.js", certificate_views.service_worker, name="verify_short_service_worker"),
    path("alerts/", include("dangjian.alerts.urls")),
    path("assessment/", include("dangjian.assessment.urls")),
    path("rectification/", include("dangjian.rectification.urls")),
    path("care/", include("dangjian.care.urls")),
    path("funds/", include("dangjian.funds.urls")),
    path("leadership/", include("dangjian.leadership.urls")),
    path("units/", include("dangjian.units.urls")),
    path("places/", include("dangjian.places.urls")),
    path("rollup/", include("dangjian.rollup.urls")),
    path("api/v1/", api_v1_urls),
    path("api-tokens/", include("dangjian.api.page_urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The old liveness URL, kept for monitors that already ask it (now /ops/health/live).
    path("healthz", ops_views.live, name="healthz"),
]

# Under /api/ a path no view matches answers in the API's error shape, not an HTML page.
handler404 = "dangjian.core.api.api_aware_not_found"
handler500 = "dangjian.core.api.api_aware_server_error"
