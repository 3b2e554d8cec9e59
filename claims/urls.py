from django.urls import path

from . import export, views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/export.csv", export.claims_csv, name="claims_csv"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("links/export.csv", export.links_csv, name="links_csv"),
    path("speakers/", views.speaker_list, name="speaker_list"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
]
