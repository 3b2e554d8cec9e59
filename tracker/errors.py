"""Request errors that name their problem.

Django refuses a request with too many parameters, too big a body or a host it does not
serve by raising while the view reads the request; its own 400 page then says only "Bad
Request", and with DEBUG on its debug page reads the request again and fails again. The
middleware reads the parameters first, so these refusals never reach a view, and the
handler explains every 400 that does.
"""

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render


def explain(exception):
    """The reason a request was refused, in words a reader can act on."""
    if isinstance(exception, TooManyFieldsSent):
        return (
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters, "
            "the most this site reads. Remove the parameters you do not need."
        )
    if isinstance(exception, TooManyFilesSent):
        return (
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files, "
            "the most this site reads at once."
        )
    if isinstance(exception, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        return (
            f"The request is larger than {megabytes:,.0f} MB, the most this site accepts "
            "in one form."
        )
    if isinstance(exception, DisallowedHost):
        return "This site does not answer to the host name the request was sent to."
    if isinstance(exception, MultiPartParserError):
        return "The uploaded form could not be read: its multipart data is malformed."
    if isinstance(exception, SuspiciousOperation):
        return "The request was refused: it could not be read safely."
    if isinstance(exception, BadRequest) and str(exception):
        return str(exception)
    return "The request could not be read."


def bad_request(request, exception=None):
    """handler400: the 400 page, with the reason (plain text for a CSV download)."""
    reason = explain(exception)
    if request.path.endswith(".csv"):
        return HttpResponse(
            f"The export was not made. {reason}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return render(request, "400.html", {"reason": reason}, status=400)


class RequestErrorsMiddleware:
    """Reads the query string and form before anything else, refusing with a reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET  # noqa: B018 (parsing is the point)
            if request.method == "POST":
                request.POST  # noqa: B018
        except (SuspiciousOperation, MultiPartParserError) as exception:
            return bad_request(request, exception)
        return self.get_response(request)
