"""/.well-known/ files from the configured app ids: none configured claims no URL."""

from __future__ import annotations

from tanhui.codes import app_links

IDS = app_links.AppIds(ios=("ABCDE12345.cn.tanhui.app",), android_package="cn.tanhui.app",
                       android_fingerprints=("aa:bb:cc",))


def test_given_no_app_ids_then_neither_file_claims_a_url():
    none = app_links.AppIds()
    assert app_links.apple_app_site_association(none) == {"applinks": {"apps": [], "details": []}}
    assert app_links.asset_links(none) == []
    assert app_links.asset_links(app_links.AppIds(android_package="cn.tanhui.app")) == []


def test_given_app_ids_then_the_code_paths_open_in_the_app():
    aasa = app_links.apple_app_site_association(IDS)["applinks"]["details"]
    assert aasa[0] == {"appIDs": ["ABCDE12345.cn.tanhui.app"], "components": [{"/": "/Q/*"}, {"/": "/01/*"}]}
    assert aasa[1] == {"appID": "ABCDE12345.cn.tanhui.app", "paths": ["/Q/*", "/01/*"]}
    (links,) = app_links.asset_links(IDS)
    assert links["target"] == {"namespace": "android_app", "package_name": "cn.tanhui.app",
                               "sha256_cert_fingerprints": ["AA:BB:CC"]}


def test_given_the_environment_then_ids_are_read_from_it(monkeypatch):
    monkeypatch.setenv("IOS_APP_IDS", "T1.cn.a, T2.cn.b,")
    monkeypatch.setenv("ANDROID_PACKAGE", " cn.tanhui.app ")
    monkeypatch.setenv("ANDROID_CERT_FINGERPRINTS", "")
    app_links.configured.cache_clear()
    try:
        expected = app_links.AppIds(ios=("T1.cn.a", "T2.cn.b"), android_package="cn.tanhui.app")
        assert app_links.configured() == expected
    finally:
        app_links.configured.cache_clear()
