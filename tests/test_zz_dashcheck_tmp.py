from tests.test_web import _sign_in


def test_dash(api):
    client, keys, *_ = api
    c = _sign_in(client.app, keys["operator"])
    page = c.get("/ui/dashboard")
    open("/tmp/dashcheck/zh.html", "w").write(page.text)
    for chart in ("yearly", "amounts", "kind"):
        r = c.get(f"/ui/dashboard/{chart}.png")
        assert r.status_code == 200, chart
        open(f"/tmp/dashcheck/{chart}.png", "wb").write(r.content)
    c.cookies.set("pm_lang", "en")
    page = c.get("/ui/dashboard")
    open("/tmp/dashcheck/en.html", "w").write(page.text)
    assert c.get("/ui/dashboard/targets.xlsx").status_code == 200
