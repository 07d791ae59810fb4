"""A browser for the trust tests: a requests.Session against the live server
that logs in through the form and sends the page's CSRF token, as people do."""

from __future__ import annotations

import re

import requests

CSRF_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*\bvalue="([^"]+)"')


class Browser:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.cookies.set("lang", "en")

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=30, allow_redirects=False,
                                **kwargs)

    def csrf(self, page: str) -> str:
        response = self.get(page)
        assert response.status_code == 200, (page, response.status_code)
        match = CSRF_TOKEN.search(response.text)
        assert match, f"{page} has no form"
        return match.group(1)

    def submit(self, path: str, data: dict, *, form_on: str | None = None,
               headers: dict | None = None) -> requests.Response:
        token = self.csrf(form_on or path)
        return self.session.post(self.base_url + path, data={"csrf_token": token, **data},
                                 timeout=30, allow_redirects=False, headers=headers or {})

    def log_in(self, email: str, password: str) -> requests.Response:
        return self.submit("/login", {"email": email, "password": password})

    def copy(self) -> Browser:
        """Another browser holding the same cookies (a copied session cookie)."""
        other = Browser(self.base_url)
        other.session.cookies.update(self.session.cookies)
        return other

    def logged_in(self) -> bool:
        return self.get("/dashboard").status_code == 200
