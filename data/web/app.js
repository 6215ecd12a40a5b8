/* app.js - the minutes page of `llm4all serve` (docs/server.md, "Web page").
 *
 * Reads the transcript (textarea, or a file through FileReader), submits it to
 * POST /v1/meetings/summarize, polls GET /v1/meetings/summarize/{id} for progress, then shows
 * the minutes: the server's Markdown turned into DOM nodes by a small renderer for what
 * src/meeting/markdown.c writes (headings, paragraphs, "- " lists, one table, **bold** and
 * _italic_). Model text only ever goes into textContent: never innerHTML, so nothing it says
 * can become markup or script. The API key, when typed, stays in this page (memory only: not
 * stored). Served under a CSP without inline script: everything is in this file.
 */
"use strict";

const API = "/v1/meetings/summarize";
const STAGES = {
  queued: "En attente",
  plan: "Préparation",
  map: "Lecture des parties",
  reduce: "Fusion des notes",
  final: "Rédaction du compte rendu",
};

const $ = (id) => document.getElementById(id);
let job = null;       /* {id, stop} of the running job */
let result = null;    /* the finished job */

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("apikey").value.trim();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

function showError(msg) {
  $("error").textContent = msg;
  $("error").hidden = !msg;
}

function setStatus(text, done, total) {
  $("status").hidden = false;
  $("status-text").textContent = text;
  const bar = $("bar");
  if (total > 0) {
    bar.max = total;
    bar.value = done;
  } else {
    bar.removeAttribute("value");   /* indeterminate */
  }
}

function busy(on) {
  $("go").disabled = on;
  $("cancel").hidden = !on;
  if (!on) $("status").hidden = true;
}

/* The message of an error answer (OpenAI-style {"error": {"message"}}). */
async function errorText(resp) {
  let msg = "";
  try {
    const body = await resp.json();
    msg = body && body.error && body.error.message ? body.error.message : "";
  } catch (e) { /* not JSON */ }
  if (resp.status === 401) return "Clé d'API manquante ou incorrecte (champ « Clé d'API »).";
  if (resp.status === 413) return "Transcription trop longue pour ce serveur (" + msg + ").";
  if (resp.status === 429) return "Le serveur est occupé par d'autres comptes rendus : réessayez plus tard. " + msg;
  return "Erreur " + resp.status + (msg ? " : " + msg : "");
}

function progressText(j) {
  const p = j.progress || {};
  let t = STAGES[p.stage] || p.stage || "";
  if (j.status === "queued" && j.queue_position > 0) t += " (position " + j.queue_position + ")";
  if (p.total > 1) t += " " + p.done + "/" + p.total;
  return t + "…";
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function summarize() {
  showError("");
  $("result").hidden = true;
  const transcript = $("transcript").value;
  if (!transcript.trim()) {
    showError("Collez une transcription ou chargez un fichier.");
    return;
  }
  const body = { transcript, format: $("format").value, language: $("language").value };
  busy(true);
  setStatus("Envoi…", 0, 0);
  const me = { id: null, stop: false };
  job = me;
  try {
    let resp = await fetch(API, { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (resp.status !== 202) throw new Error(await errorText(resp));
    let j = await resp.json();
    me.id = j.id;
    while (!me.stop && (j.status === "queued" || j.status === "running")) {
      setStatus(progressText(j), (j.progress || {}).done || 0, (j.progress || {}).total || 0);
      await sleep(1000);
      if (me.stop) break;
      resp = await fetch(API + "/" + encodeURIComponent(me.id), { headers: headers() });
      if (resp.status !== 200) throw new Error(await errorText(resp));
      j = await resp.json();
    }
    if (me.stop) return;
    if (j.status === "error") throw new Error("Échec : " + ((j.error && j.error.message) || "erreur inconnue"));
    showResult(j);
  } catch (e) {
    if (!me.stop) showError(e.message || String(e));
  } finally {
    if (job === me) {
      job = null;
      busy(false);
    }
  }
}

async function cancel() {
  const me = job;
  if (!me) return;
  me.stop = true;
  job = null;
  busy(false);
  showError("Compte rendu annulé.");
  if (me.id) {
    try {
      await fetch(API + "/" + encodeURIComponent(me.id), { method: "DELETE", headers: headers() });
    } catch (e) { /* the server may be gone */ }
  }
}

/* ---- Markdown to DOM (the subset that src/meeting/markdown.c writes) */

/* Inline text: **bold** and _italic_ spans, the rest as text nodes. */
function inline(parent, text) {
  const re = /\*\*(.+?)\*\*|(?:^|(?<=\s))_(.+?)_(?=$|[\s.,;:!?])/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) parent.appendChild(document.createTextNode(text.slice(at, m.index)));
    const el = document.createElement(m[1] !== undefined ? "strong" : "em");
    el.textContent = m[1] !== undefined ? m[1] : m[2];
    parent.appendChild(el);
    at = m.index + m[0].length;
  }
  if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
}

/* Cells of a table row "| a | b \| c |" ("\|" is a literal bar). */
function cells(line) {
  const out = [];
  let cur = "";
  const s = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === "|") { cur += "|"; i++; }
    else if (s[i] === "|") { out.push(cur.trim()); cur = ""; }
    else cur += s[i];
  }
  out.push(cur.trim());
  return out;
}

function render(md, root) {
  root.replaceChildren();
  const lines = md.split("\n");
  let list = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const h = /^(#{1,3}) (.*)$/.exec(line);
    if (!line.startsWith("- ")) list = null;
    if (h) {
      const el = document.createElement("h" + (h[1].length + 1));   /* # -> h2: the page has its h1 */
      el.textContent = h[2];
      root.appendChild(el);
    } else if (line.startsWith("- ")) {
      if (!list) list = root.appendChild(document.createElement("ul"));
      inline(list.appendChild(document.createElement("li")), line.slice(2));
    } else if (line.startsWith("|") && /^\|[-| :]+\|$/.test((lines[i + 1] || "").trim())) {
      const table = root.appendChild(document.createElement("table"));
      const tr = table.appendChild(document.createElement("thead")).appendChild(document.createElement("tr"));
      for (const c of cells(line)) tr.appendChild(document.createElement("th")).textContent = c;
      const tbody = table.appendChild(document.createElement("tbody"));
      i += 2;
      for (; i < lines.length && lines[i].startsWith("|"); i++) {
        const row = tbody.appendChild(document.createElement("tr"));
        for (const c of cells(lines[i])) inline(row.appendChild(document.createElement("td")), c);
      }
      i--;
    } else if (line.trim()) {
      inline(root.appendChild(document.createElement("p")), line);
    }
  }
}

function showResult(j) {
  result = j;
  render(j.markdown || "", $("minutes"));
  const st = j.stats || {};
  $("result-info").textContent = st.seconds ? "rédigé en " + Math.round(st.seconds) + " s par " + j.model : "";
  $("result").hidden = false;
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function readFile() {
  const f = $("file").files[0];
  if (!f) return;
  const rd = new FileReader();
  rd.onload = () => {
    $("transcript").value = rd.result;
    $("file-info").textContent = f.name + " (" + f.size + " octets)";
  };
  rd.onerror = () => showError("Lecture du fichier impossible : " + f.name);
  rd.readAsText(f, "utf-8");
}

document.addEventListener("DOMContentLoaded", () => {
  $("go").addEventListener("click", summarize);
  $("cancel").addEventListener("click", cancel);
  $("file").addEventListener("change", readFile);
  $("dl-md").addEventListener("click", () => {
    if (result) download("compte-rendu.md", "text/markdown;charset=utf-8", result.markdown || "");
  });
  $("dl-json").addEventListener("click", () => {
    if (result) download("compte-rendu.json", "application/json", JSON.stringify(result.minutes, null, 2) + "\n");
  });
});
