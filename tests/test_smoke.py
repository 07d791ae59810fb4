def test_health_answers_ok_when_the_database_answers(http):
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
