from django.urls import path, re_path

from . import api, citations, export, views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/export.csv", export.claims_csv, name="claims_csv"),
    re_path(
        r"^claims/cite\.(?P<kind>json|ris|bib)$",
        citations.claims_citations,
        name="claims_cite",
    ),
    path("claims/options/<str:name>/", views.pick_list, name="pick_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    re_path(
        r"^claims/(?P<pk>[0-9]+)/cite\.(?P<kind>json|ris|bib)$",
        citations.claim_citation,
        name="claim_cite",
    ),
    path("links/export.csv", export.links_csv, name="links_csv"),
    path("api/claims/", api.claims, name="api_claims"),
    path("api/claims/<int:pk>/", api.claim, name="api_claim"),
    path("api/links/", api.links, name="api_links"),
    path("api/speakers/", api.speakers, name="api_speakers"),
    path("api/sources/", api.sources, name="api_sources"),
    path("api/topics/", api.topics, name="api_topics"),
    path("api/openapi.json", api.openapi, name="api_openapi"),
    path("speakers/", views.speaker_list, name="speaker_list"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
]
