"""A tiny API used only to test the Idempotency-Key helper."""

import itertools

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent

calls = itertools.count(1)


class CreateThingApi(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent
    def post(self, request):
        if request.data.get("explode"):
            return Response({"code": "server_error"}, status=500)
        return Response({"call": next(calls), "name": request.data.get("name")}, status=201)


urlpatterns = [path("things/", CreateThingApi.as_view())]
