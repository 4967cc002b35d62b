def test_probe(demo, new_page, server):
    from tests.browser.conftest import log_in
    page = new_page()
    log_in(page)
    page.goto(demo.annotate_path)
    page.screenshot(path="/tmp/annotate.png", full_page=False)
    print(page.content()[:200])
