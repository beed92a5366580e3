from django.urls import path

from . import api, views

app_name = "pathways"

urlpatterns = [
    path("people/<int:person_id>/pathways/plan/", views.plan, name="plan"),
    path("people/<int:person_id>/pathways/needs/add/", views.need_add, name="need-add"),
    path("people/<int:person_id>/pathways/needs/<int:need_id>/", views.need_detail, name="need"),
    path(
        "people/<int:person_id>/pathways/needs/<int:need_id>/notes/add/",
        views.need_note_add,
        name="need-note-add",
    ),
    path(
        "people/<int:person_id>/pathways/needs/<int:need_id>/refer/",
        views.referral_add,
        name="referral-add",
    ),
    path(
        "people/<int:person_id>/pathways/assess/<slug:pathway_code>/",
        views.assess,
        name="assess",
    ),
    path("people/<int:person_id>/pathways/outcomes/add/", views.outcome_add, name="outcome-add"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/inbox/", views.inbox, name="inbox"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral"),
    path(
        "referrals/<int:referral_id>/<slug:action>/",
        views.referral_action,
        name="referral-action",
    ),
    path("services/", views.service_list, name="services"),
    path("services/<int:service_id>/", views.service_detail, name="service"),
    path("pathways/gaps/", views.gaps, name="gaps"),
    path("notifications/", views.notifications, name="notifications"),
    # REST API (OpenAPI schema at /api/schema/); ids are dbids (offenders/api/base.py).
    path("api/v1/pathways/services/", api.ServiceListApi.as_view(), name="api-services"),
    path(
        "api/v1/pathways/people/<dbid:person_id>/needs/",
        api.PersonNeedsApi.as_view(),
        name="api-person-needs",
    ),
    path("api/v1/pathways/referrals/", api.ReferralListApi.as_view(), name="api-referrals"),
    path(
        "api/v1/pathways/referrals/<dbid:referral_id>/",
        api.ReferralDetailApi.as_view(),
        name="api-referral",
    ),
    path(
        "api/v1/pathways/referrals/<dbid:referral_id>/transitions/",
        api.ReferralTransitionApi.as_view(),
        name="api-referral-transition",
    ),
]
