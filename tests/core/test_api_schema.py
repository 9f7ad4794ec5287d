def test_the_openapi_schema_documents_the_api(api_client, db):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert "/api/me" in schema["paths"]
    assert {"sessionToken", "sessionCookie"} <= set(schema["components"]["securitySchemes"])


def test_the_api_docs_page_renders_from_our_own_static_files(api_client, db):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page
