from django.urls import path

from .views import cases, cohorts, person, writes

app_name = "offenders"

urlpatterns = [
    path("cases/", cases.case_list, name="case-list"),
    path("cases/search/", cases.case_search, name="case-search"),
    path("people/new/", writes.person_create, name="person-create"),
    path("people/<int:person_id>/", person.overview, name="person"),
    path("people/<int:person_id>/offending/", person.offending, name="person-offending"),
    path("people/<int:person_id>/sentence/", person.sentence, name="person-sentence"),
    path("people/<int:person_id>/pathways/", person.pathways_tab, name="person-pathways"),
    path("people/<int:person_id>/panels/", person.panels_tab, name="person-panels"),
    path("people/<int:person_id>/activity/", person.activity, name="person-activity"),
    path("people/<int:person_id>/access-log/", person.access_log, name="person-access-log"),
    path("people/<int:person_id>/edit/", writes.person_edit, name="person-edit"),
    path("people/<int:person_id>/brag/", writes.brag, name="brag-change"),
    path("people/<int:person_id>/contacts/new/", writes.contact, name="contact-record"),
    path("people/<int:person_id>/enforcement/new/", writes.enforcement, name="enforcement-record"),
    path("people/<int:person_id>/assessments/new/", writes.assessment, name="assessment-record"),
    path("people/<int:person_id>/cohorts/adopt/", writes.cohort_adopt, name="cohort-adopt"),
    path(
        "people/<int:person_id>/cohorts/adopt/check/",
        writes.cohort_adopt_check,
        name="cohort-adopt-check",
    ),
    path(
        "people/<int:person_id>/cohorts/<int:membership_id>/deselect/",
        writes.cohort_deselect,
        name="cohort-deselect",
    ),
    path(
        "people/<int:person_id>/disposals/<int:disposal_id>/end/",
        writes.disposal_terminate,
        name="disposal-terminate",
    ),
    path("people/<int:person_id>/merge/", writes.person_merge, name="person-merge"),
    path("people/merge/", writes.person_merge_by_reference, name="merge"),
    path("cohorts/candidates/", cohorts.candidates, name="cohort-candidates"),
    path(
        "cohorts/candidates/<int:person_id>/adopt/",
        cohorts.candidate_adopt,
        name="cohort-candidate-adopt",
    ),
    path("cohorts/ledger/", cohorts.ledger, name="cohort-ledger"),
]
