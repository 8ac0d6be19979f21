from django.core.management import call_command


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/projects/{slug}/next-task/" in (tmp_path / "schema.yaml").read_text()
