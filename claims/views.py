from django.shortcuts import get_object_or_404, render

from .models import Claim, Link, Source, Speaker, Topic


def home(request):
    context = {
        "claim_count": Claim.objects.count(),
        "source_count": Source.objects.count(),
        "speaker_count": Speaker.objects.count(),
        "link_count": Link.objects.count(),
        "topics": Topic.objects.all(),
    }
    return render(request, "claims/home.html", context)


def claim_detail(request, pk):
    claim = get_object_or_404(Claim.objects.for_list(), pk=pk)
    return render(request, "claims/claim_detail.html", {"claim": claim})


def speaker_detail(request, slug):
    speaker = get_object_or_404(Speaker, slug=slug)
    return render(request, "claims/speaker_detail.html", {"speaker": speaker})


def source_detail(request, pk):
    source = get_object_or_404(Source.objects.select_related("outlet"), pk=pk)
    return render(request, "claims/source_detail.html", {"source": source})


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    return render(request, "claims/topic_detail.html", {"topic": topic})
