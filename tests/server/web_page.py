"""web_page.py BASE_URL MODE TIMEOUT_S TRANSCRIPT [API_KEY] - the minutes page of `llm4all serve`
in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium; nothing is
downloaded): open /, paste the transcript into the textarea, type the API key when one is
given, click "Résumer", see the progress, wait (at most TIMEOUT_S) for the minutes, then:
  MODE content   (a model that can be judged: qwen2.5-1.5b-instruct): the "Décisions" section
                 lists at least one decision and the "Actions" section's table has at least one
                 action item (owner, action);
  MODE structure (smollm2-135m under sanitizers: too weak to judge): the "Décisions" and
                 "Actions" sections are there, each with a list/table or "Aucune.";
and in both modes: the downloads give the Markdown and the JSON, the page logged no error (no
CSP violation), and Markdown with markup in it is shown as text (no element made from it).
Prints what it does; ends with "web_page: N passed, M failed"."""
import json
import os
import sys
import tempfile
import time

from common import Checks

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

t = Checks("web_page")
URL, MODE, TIMEOUT, TRANSCRIPT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
KEY = sys.argv[5] if len(sys.argv) > 5 else ""
assert MODE in ("content", "structure"), MODE
print(f"web_page: {URL} mode {MODE} (timeout {TIMEOUT} s){' with an API key' if KEY else ''}",
      flush=True)

downloads = tempfile.mkdtemp(prefix="l4a-web-")
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
          "--window-size=1200,900"):
    opts.add_argument(a)
opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                       "download.prompt_for_download": False})
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    drv.set_page_load_timeout(60)
    drv.get(URL + "/")
    t.check(drv.title.startswith("Compte rendu"), "page title", drv.title)
    text = open(TRANSCRIPT, encoding="utf-8").read()
    area = drv.find_element(By.ID, "transcript")
    area.send_keys(text)    # typed as a paste would put it
    t.check(area.get_property("value").strip() == text.strip(), "transcript in the textarea")
    if KEY:
        drv.find_element(By.ID, "apikey").send_keys(KEY)
    drv.find_element(By.ID, "go").click()
    t0, seen, last = time.time(), set(), ""
    state = "timeout"
    while time.time() - t0 < TIMEOUT:
        if drv.find_element(By.ID, "result").is_displayed():
            state = "result"
            break
        err = drv.find_element(By.ID, "error")
        if err.is_displayed() and err.text:
            state = "error: " + err.text
            break
        s = drv.find_element(By.ID, "status-text").text
        if s and s != last:
            print(f"web_page: {time.time() - t0:5.1f} s: {s}", flush=True)
            seen.add(s)
            last = s
        time.sleep(0.5)
    print(f"web_page: {state} after {time.time() - t0:.1f} s", flush=True)
    t.check(state == "result", "minutes shown within the timeout", state)
    t.check(len(seen) >= 1, "progress shown while it runs", repr(seen))

    def section(title):
        """The elements after the <h3> titled `title`, up to the next heading."""
        return drv.execute_script("""
            const h = [...document.querySelectorAll('#minutes h3')]
                .find(e => e.textContent.trim() === arguments[0]);
            if (!h) return null;
            const out = [];
            for (let e = h.nextElementSibling; e && !/^H[1-4]$/.test(e.tagName); e = e.nextElementSibling)
                out.push(e);
            return out;""", title)

    if state == "result":
        dec, act = section("Décisions"), section("Actions")
        t.check(dec is not None, "a 'Décisions' section")
        t.check(act is not None, "an 'Actions' section")
        decisions = [li.text for e in dec or [] if e.tag_name == "ul"
                     for li in e.find_elements(By.TAG_NAME, "li")]
        rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                for e in act or [] if e.tag_name == "table"
                for tr in e.find_elements(By.CSS_SELECTOR, "tbody tr")]
        print(f"web_page: decisions {decisions}", flush=True)
        print(f"web_page: action items {rows}", flush=True)
        if MODE == "content":
            t.check(len(decisions) >= 1 and all(d.strip() for d in decisions),
                    "at least one decision on the page")
            t.check(len(rows) >= 1 and all(len(r) == 3 and r[0] and r[1] for r in rows),
                    "at least one action item (owner, action, deadline) on the page")
        else:
            none = lambda els: any(e.text.strip() == "Aucune." for e in els or [])
            t.check(bool(decisions) or none(dec), "'Décisions': a list or 'Aucune.'")
            t.check(bool(rows) or none(act), "'Actions': a table or 'Aucune.'")
            print("web_page: structure only (the small model's content is not judged)",
                  flush=True)
        # downloads: the Markdown and the JSON
        drv.find_element(By.ID, "dl-md").click()
        drv.find_element(By.ID, "dl-json").click()
        md = os.path.join(downloads, "compte-rendu.md")
        js = os.path.join(downloads, "compte-rendu.json")
        # Chromium writes a download into a hidden temporary file, then a .crdownload, then
        # renames it to its name: done when both names are there, not empty, and nothing is
        # left in progress beside them
        def downloaded():
            busy = any(n.endswith(".crdownload") or n.startswith(".org.chromium.")
                       for n in os.listdir(downloads))
            return not busy and all(os.path.isfile(f) and os.path.getsize(f) > 0
                                    for f in (md, js))
        for _ in range(200):
            if downloaded():
                break
            time.sleep(0.1)
        md_ok = os.path.exists(md) and "## Décisions" in open(md, encoding="utf-8").read()
        t.check(md_ok, "the .md download has the minutes")
        try:
            doc = json.load(open(js, encoding="utf-8"))
            keys = {"title", "participants", "summary", "topics", "decisions", "action_items",
                    "open_questions"}
            t.check(keys <= set(doc), "the .json download has the minutes' keys", repr(doc)[:200])
        except Exception as e:
            t.check(False, "the .json download", repr(e))

    # model text is only ever text: markup in the Markdown makes no element
    evil = ('# <img src=x id=evil1>\n\n## Décisions\n\n- <script id=evil2>1</script> **<b id=evil3>x</b>**\n\n'
            '| a | b | c |\n|---|---|---|\n| <i id=evil4>o</i> | a \\| b | _<u id=evil5>d</u>_ |\n')
    res = drv.execute_script("""
        const div = document.createElement('div');
        render(arguments[0], div);
        return [div.querySelectorAll('#evil1,#evil2,#evil3,#evil4,#evil5,img,script,b,i,u').length,
                div.textContent];""", evil)
    t.check(res[0] == 0 and "<img src=x id=evil1>" in res[1] and "a | b" in res[1],
            "markup in the Markdown stays text", repr(res)[:300])

    logs = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    t.check(not logs, "no error in the browser console (CSP included)", repr(logs)[:400])
finally:
    drv.quit()
t.finish()
