import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_the_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    operations = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert ("/api/v1/auth/token/", "post") in operations
    assert ("/api/v1/addresses/{id}/", "delete") in operations
    for path, method in operations:
        responses = schema["paths"][path][method]["responses"]
        assert "429" in responses, (path, method)
        assert any(code.startswith("2") for code in responses), (path, method)


@pytest.mark.django_db
def test_swagger_ui_renders(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert "swagger-ui" in response.content.decode()
