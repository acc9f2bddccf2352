"""/docs and /redoc work with no network: every script, style and icon they load is served here."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_the_docs_pages_load_only_local_assets(client: TestClient, page: str, script: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", r.text)
    urls += re.findall(r"""url\s*:\s*['"]([^'"]+)['"]""", r.text)  # Swagger UI's openapi url
    assert any(u.endswith(script) for u in urls), urls
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), f"{page} loads {url} from the network"
        asset = client.get(urljoin("http://testserver" + page, url))
        assert asset.status_code == 200, url
    assert "cdn" not in r.text.lower() and "fonts.googleapis" not in r.text
    bundle = client.get(next(u for u in urls if u.endswith(script)))
    assert len(bundle.content) > 100_000 and "javascript" in bundle.headers["content-type"]
