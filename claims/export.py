"""CSV exports of the filtered claim list and of its links (issue #5 fills this in)."""

from django.http import HttpResponse


def claims_csv(request):
    return HttpResponse("Not implemented yet.\n", status=501, content_type="text/plain")


def links_csv(request):
    return HttpResponse("Not implemented yet.\n", status=501, content_type="text/plain")
