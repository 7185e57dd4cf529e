from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from sla import views as sla_views
from supervision import api as supervision_api
from supervision import api_live, live_views, scorecard_views, survey_views
from supervision import views as supervision_views
from tickets.views import public_lookup

from . import metrics, public_pages, views

api_v1 = [
    path("", include("tickets.api.urls")),
    path("", include("webchat.api.urls")),
    path("", include("offices.api.urls")),
    path("", include("complaints.api.urls")),
    path("reports/live/", api_live.LiveBoardView.as_view(), name="api-reports-live"),
    path("reports/sla/", supervision_api.SlaReportView.as_view(), name="api-reports-sla"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("inbox/", include("tickets.urls")),
    path("tiket/", public_lookup.public_lookup, name="ticket-lookup"),
    path("pengaduan/", include("complaints.urls_public")),
    path("kepatuhan/", include("complaints.urls")),
    path("standar-layanan/", public_pages.service_standard, name="service-standard"),
    path("privasi/", public_pages.privacy, name="privacy"),
    path("privasi/permintaan/", include("privacy.urls")),
    path("sla/", supervision_views.dashboard, name="sla-dashboard"),
    path("sla/inquiries/", supervision_views.drilldown, name="sla-inquiries"),
    path("sla/officers/", scorecard_views.officer_scorecards, name="sla-officers"),
    path("sla/survey/", survey_views.survey_page, name="sla-survey"),
    path("sla/survey/comments/", survey_views.survey_comments, name="sla-survey-comments"),
    path("sla/live/", live_views.live_board, name="sla-live"),
    path("sla/live/list/", live_views.live_list, name="sla-live-list"),
    path("sla/live/inquiry/<int:pk>/", live_views.live_inquiry, name="sla-live-inquiry"),
    path("notifications/", sla_views.notifications, name="notifications"),
    path("notifications/read/", sla_views.notifications_read, name="notifications-read"),
    path("webchat/", include("webchat.urls")),
    path("intake/", include("channels_intake.intake_urls")),
]

admin.site.site_header = "Helpdesk Bea Cukai"
admin.site.site_title = "Helpdesk Bea Cukai"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

handler404 = "helpdesk.views.page_not_found"
handler500 = "helpdesk.views.server_error"
