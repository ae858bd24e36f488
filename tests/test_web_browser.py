"""End to end in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) against
`policylint serve` started as a subprocess on a free port: log in, upload the sample draft, see the highlights,
dismiss one finding with a reason, download the review form and read it back, find the decision in the audit log.

The review page's screenshot is written to tmp_path; with POLICYLINT_SCREENSHOT=docs/workbench-review.png it is
also saved there (that is how the committed screenshot was made)."""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import SAMPLES, policylint_cmd

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PASSWORD = "浏览器测试-口令-2026"
REASON = "该条款限定的是项目实施地点而非经营者注册地，经与起草单位核实不构成歧视性条件"

selenium = pytest.importorskip("selenium")
pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                                reason="chromium / chromium-driver not installed (apt-get install chromium chromium-driver)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    db = tmp / "cases.db"
    r = subprocess.run(policylint_cmd() + ["users", "add", "张三", "--db", str(db)], input=PASSWORD + "\n",
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    port = _free_port()
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen(policylint_cmd() + ["serve", "--port", str(port), "--db", str(db)], stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):   # wait until it answers (not a timed assert: a readiness poll)
        try:
            urllib.request.urlopen(url + "/login", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError((tmp / "serve.log").read_text())
            time.sleep(0.1)
    yield url, db, tmp
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    assert PASSWORD not in (tmp / "serve.log").read_text()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,1100",
              "--lang=zh-CN", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False,
                                           "safebrowsing.enabled": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.implicitly_wait(5)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _wait(driver, condition, timeout=60):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(condition)


def test_review_in_a_real_browser(server, browser, tmp_path):
    import docx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, db, _ = server
    d = browser
    d.get(url + "/")
    assert "/login" in d.current_url
    _wait(d, EC.presence_of_element_located((By.ID, "name"))).send_keys("张三")   # the first page may be slow
    d.find_element(By.ID, "password").send_keys("wrong-password")
    d.find_element(By.ID, "login").click()
    assert "用户名或口令不正确" in d.find_element(By.CSS_SELECTOR, ".error").text
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    d.find_element(By.ID, "login").click()
    _wait(d, EC.presence_of_element_located((By.ID, "upload")))
    assert "张三（审查人员）" in d.page_source

    d.find_element(By.ID, "file").send_keys(str(SAMPLES / "sample_draft.docx"))
    d.find_element(By.ID, "upload").click()
    _wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "article.finding")))
    cards = d.find_elements(By.CSS_SELECTOR, "article.finding")
    assert len(cards) >= 10
    first = cards[0]
    marks = first.find_elements(By.CSS_SELECTOR, ".clause-text mark")
    assert marks and marks[0].text and marks[0].text in first.find_element(By.CSS_SELECTOR, ".clause-text").text
    assert marks[0].value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"   # visibly highlighted
    # the clause and the finding side by side
    clause, detail = first.find_element(By.CSS_SELECTOR, ".clause"), first.find_element(By.CSS_SELECTOR, ".detail")
    assert clause.rect["x"] + clause.rect["width"] <= detail.rect["x"] + 1
    assert abs(clause.rect["y"] - detail.rect["y"]) < 2
    for label in ("可能违反", "理由", "修改建议"):
        assert label in detail.text
    assert "最相近的已公布案例" in d.page_source

    rule = first.find_element(By.CSS_SELECTOR, ".detail .family").text.rsplit("规则 ", 1)[1].strip()
    first.find_element(By.CSS_SELECTOR, "input[value='不采纳']").click()
    first.find_element(By.CSS_SELECTOR, "textarea[name=reason]").send_keys(REASON)
    first.find_element(By.CSS_SELECTOR, "form.decide button").click()
    _wait(d, lambda drv: REASON in drv.find_element(By.ID, "f1").text)
    assert "审查人意见：不采纳" in d.find_element(By.ID, "f1").text
    assert d.find_element(By.ID, "decided").text == "1"

    d.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "workbench-review.png"
    d.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000
    if os.environ.get("POLICYLINT_SCREENSHOT"):
        shutil.copy(shot, os.environ["POLICYLINT_SCREENSHOT"])

    d.find_element(By.ID, "download").click()
    _wait(d, lambda drv: [p for p in drv.downloads.glob("*.docx")], timeout=60)
    form = next(d.downloads.glob("*.docx"))
    cells = "\n".join(c.text for t in docx.Document(str(form)).tables for r in t.rows for c in r.cells)
    assert f"不采纳。理由：{REASON}（张三，" in cells
    assert f"{rule}（" in cells

    d.get(url + "/audit")
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#audit tbody tr")]
    assert any("审查决定" in r and REASON in r and "张三" in r for r in rows)
    assert any("下载审查表" in r for r in rows)
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT user_name, action, detail FROM audit_log WHERE action = '审查决定'").fetchone()
    conn.close()
    assert row == ("张三", "审查决定", f"不采纳；理由：{REASON}")
