"""Assertions many test modules share."""


def assert_redirects_to_login(response):
    assert response.status_code == 302
    assert response.url.startswith("/connexion/")
