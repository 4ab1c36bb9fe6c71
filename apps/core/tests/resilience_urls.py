"""Views whose database is unreachable, used only to test the 503 answers."""

from django.db import OperationalError, ProgrammingError
from django.http import HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


def unreachable(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def broken_query(request):
    raise ProgrammingError('relation "nowhere" does not exist')


class UnreachableApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise OperationalError("server closed the connection unexpectedly")


def fine(request):
    return HttpResponse("fine")


urlpatterns = [
    path("page/", unreachable),
    path("broken/", broken_query),
    path("api/v1/thing/", UnreachableApi.as_view()),
    path("", fine, name="home"),
]
