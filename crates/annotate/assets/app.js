"use strict";
// The labelling page. Spans are character offsets (Unicode code points, like the mention file),
// so text is handled as Array.from(text), never by JS string (UTF-16) indices.
(function () {
  // The session token the server embedded in this page: every change must carry it (no other
  // page can read it), and off loopback every request too.
  const token = document.querySelector('meta[name="uptake-token"]').content;
  const $ = (id) => document.getElementById(id);
  const DECISION_NAMES = { abnormal: "abnormal", neutral: "neutral", not_mention: "not a mention", skip: "skipped" };

  let regions = [];          // [{name, display_name}]
  let sentence = null;       // the SentenceView shown
  let progress = null;       // the ProgressView
  let cur = 0;               // index of the current mention
  let queue = Promise.resolve();
  let pending = 0;

  function setBusy(delta) {
    pending += delta;
    document.body.dataset.busy = pending > 0 ? "true" : "false";
  }

  // Every action runs in order, after the previous one has been answered, so fast typing
  // labels mention after mention exactly as if typed slowly.
  function enqueue(action) {
    setBusy(1);
    queue = queue.then(action).catch(showError).finally(() => setBusy(-1));
    return queue;
  }

  // Changes go as JSON with the token in a header: the server refuses anything else.
  async function api(method, path, body) {
    const headers = { "Accept": "application/json", "X-Uptake-Token": token };
    const changes = method !== "GET";
    if (changes) headers["Content-Type"] = "application/json";
    const payload = changes ? JSON.stringify(body === undefined ? {} : body) : undefined;
    const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    let data = null;
    try { data = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok) {
      throw new Error((data && data.error) || ("the server answered " + response.status));
    }
    return data;
  }

  function showError(err) {
    const box = $("error");
    box.textContent = String(err && err.message ? err.message : err);
    box.hidden = false;
    const saved = $("saved");
    saved.textContent = "not saved";
    saved.classList.add("failed");
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  function markSaved() {
    const saved = $("saved");
    saved.classList.remove("failed");
    saved.textContent = "saved ✓ " + new Date().toLocaleTimeString();
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }

  // ----- rendering -----

  function render() {
    if (!sentence) return;
    const total = progress.total;
    $("pos").textContent = String(sentence.pos + 1);
    $("total").textContent = String(total);
    $("done").textContent = String(progress.finished);
    $("total2").textContent = String(total);
    $("barfill").style.width = (total ? (100 * progress.finished / total) : 0) + "%";
    $("exam").textContent = sentence.exam_id ? "exam " + sentence.exam_id : "";
    $("section").textContent = sentence.section || "";
    const state = $("state");
    state.textContent = sentence.finished ? "finished" : "";
    state.className = sentence.finished ? "alldone" : "";
    $("before").textContent = sentence.context_before;
    $("after").textContent = sentence.context_after;
    renderSentence();
    renderMentions();
    renderCounts();
  }

  function decisionClass(m) { return m.decision || "open"; }

  // The mention shown on top at each character: the current one, else one that is kept.
  function renderSentence() {
    const chars = Array.from(sentence.text);
    const owner = new Array(chars.length).fill(-1);
    const order = sentence.mentions.slice().sort((a, b) => {
      const rank = (m) => (m.index === cur ? 2 : (m.decision === "not_mention" ? 0 : 1));
      return rank(a) - rank(b);
    });
    for (const m of order) for (let i = m.start; i < m.end && i < chars.length; i++) owner[i] = m.index;
    const box = $("sentence");
    box.replaceChildren();
    let i = 0;
    while (i < chars.length) {
      let j = i + 1;
      while (j < chars.length && owner[j] === owner[i]) j++;
      const text = chars.slice(i, j).join("");
      if (owner[i] < 0) {
        box.append(el("span", { "data-start": String(i), text }));
      } else {
        const m = sentence.mentions[owner[i]];
        const cls = "m " + decisionClass(m) + (m.index === cur ? " cur" : "");
        const span = el("span", { class: cls, "data-start": String(i), "data-m": String(m.index), text });
        span.addEventListener("click", () => enqueue(async () => { cur = m.index; render(); }));
        box.append(span);
        if (j === m.end || j === chars.length) {
          const tag = el("span", { class: "tag " + decisionClass(m), "data-tag": String(m.index), "aria-hidden": "true",
            text: m.display_name + (m.decision ? " · " + DECISION_NAMES[m.decision] : "") });
          box.append(tag);
        }
      }
      i = j;
    }
  }

  function renderMentions() {
    const body = $("mentions").tBodies[0];
    body.replaceChildren();
    const chars = Array.from(sentence.text);
    for (const m of sentence.mentions) {
      const label = m.decision ? DECISION_NAMES[m.decision] : "to label";
      const row = el("tr", { class: m.index === cur ? "cur" : "", "data-m": String(m.index) }, [
        el("td", { text: String(m.index + 1) }),
        el("td", {}, [document.createTextNode(chars.slice(m.start, m.end).join("")),
          ...(m.added ? [el("span", { class: "added", text: " (added)" })] : [])]),
        el("td", { text: m.display_name }),
        el("td", {}, [el("span", { class: "pill " + decisionClass(m), text: label })]),
      ]);
      row.addEventListener("click", () => enqueue(async () => { cur = m.index; render(); }));
      body.append(row);
    }
  }

  function renderCounts() {
    const body = $("counts").tBodies[0];
    body.replaceChildren();
    for (const c of progress.counts) {
      const cell = (n) => el("td", { class: n === 0 ? "zero" : "", text: String(n) });
      body.append(el("tr", { "data-region": c.region }, [
        el("td", { text: c.display_name, title: c.region }),
        cell(c.abnormal), cell(c.neutral), cell(c.not_mention), cell(c.skip), cell(c.open),
      ]));
    }
  }

  // ----- navigation -----

  async function load(pos, mention) {
    sentence = await api("GET", "/api/sentence/" + pos);
    const open = sentence.mentions.findIndex((m) => !m.decision);
    cur = mention !== undefined ? mention : (open >= 0 ? open : 0);
    render();
  }

  async function goNext() {
    if (sentence.pos + 1 < progress.total) await load(sentence.pos + 1);
  }

  async function goBack() {
    if (sentence.pos > 0) await load(sentence.pos - 1);
  }

  function moveMention(delta) {
    const n = sentence.mentions.length;
    if (n === 0) return;
    cur = (cur + delta + n) % n;
    render();
  }

  // ----- edits -----

  async function applyEdit(edit) {
    const change = await api("POST", "/api/edit", { id: sentence.id, edit });
    sentence = change.sentence;
    progress = change.progress;
    markSaved();
    return change;
  }

  async function decide(decision) {
    if (!sentence.mentions.length) return;
    const labelled = cur;
    await applyEdit({ op: "label", mention: labelled, decision });
    // Next undecided mention of this sentence, else the next sentence.
    const ms = sentence.mentions;
    for (let k = 1; k <= ms.length; k++) {
      const i = (labelled + k) % ms.length;
      if (!ms[i].decision) { cur = i; render(); return; }
    }
    if (sentence.pos + 1 < progress.total) {
      await load(sentence.pos + 1);
    } else if (progress.first_open !== null && progress.first_open !== undefined) {
      await load(progress.first_open);
    } else {
      render();
      $("state").textContent = "all sentences finished";
    }
  }

  async function undo() {
    const change = await api("POST", "/api/undo");
    progress = change.progress;
    sentence = change.sentence;
    const open = sentence.mentions.findIndex((m) => !m.decision);
    cur = open >= 0 ? open : 0;
    markSaved();
    render();
  }

  async function nudge(dStart, dEnd) {
    const m = sentence.mentions[cur];
    if (!m) return;
    await applyEdit({ op: "span", mention: cur, start: m.start + dStart, end: m.end + dEnd });
    render();
  }

  function codePoints(s) { return Array.from(s).length; }

  // The mouse selection inside the sentence as character offsets, or null.
  function selectionSpan() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const point = (node, offset) => {
      if (node.nodeType !== Node.TEXT_NODE) return null;
      const seg = node.parentElement && node.parentElement.closest("[data-start]");
      if (!seg || !$("sentence").contains(seg)) return null;
      return Number(seg.dataset.start) + codePoints(node.data.slice(0, offset));
    };
    const a = point(range.startContainer, range.startOffset);
    const b = point(range.endContainer, range.endOffset);
    if (a === null || b === null || b <= a) return null;
    return { start: a, end: b };
  }

  async function spanFromSelection() {
    const span = selectionSpan();
    if (!span) throw new Error("select part of the sentence with the mouse first");
    await applyEdit({ op: "span", mention: cur, start: span.start, end: span.end });
    window.getSelection().removeAllRanges();
    render();
  }

  async function addFromSelection() {
    const span = selectionSpan();
    if (!span) throw new Error("select the words of the new mention with the mouse first");
    const region = await pickRegion("Region of the new mention", null);
    if (!region) return;
    await applyEdit({ op: "add", start: span.start, end: span.end, region });
    window.getSelection().removeAllRanges();
    cur = sentence.mentions.length - 1;
    render();
  }

  async function changeRegion() {
    const m = sentence.mentions[cur];
    if (!m) return;
    const region = await pickRegion("Region of mention " + (cur + 1), m.region);
    if (!region || region === m.region) return;
    await applyEdit({ op: "region", mention: cur, region });
    render();
  }

  // ----- region picker (keyboard: type, arrows, Enter, Esc; or click) -----

  let picking = null;

  function pickRegion(title, current) {
    return new Promise((resolve) => {
      const picker = $("picker");
      const input = $("pick-filter");
      $("pick-title").textContent = title;
      input.value = "";
      picking = { resolve, matches: [], sel: 0, current };
      picker.hidden = false;
      filterRegions();
      input.focus();
    });
  }

  function filterRegions() {
    const q = $("pick-filter").value.trim().toLowerCase();
    const list = $("pick-list");
    picking.matches = regions.filter((r) => !q || r.name.toLowerCase().includes(q) || r.display_name.toLowerCase().includes(q));
    const at = picking.matches.findIndex((r) => r.name === picking.current);
    picking.sel = q ? 0 : Math.max(0, at);
    list.replaceChildren();
    picking.matches.forEach((r, i) => {
      const li = el("li", { "data-region": r.name }, [document.createTextNode(r.display_name), el("span", { class: "nm", text: r.name })]);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); closePicker(r.name); });
      list.append(li);
    });
    highlightPick();
  }

  function highlightPick() {
    const items = $("pick-list").children;
    for (let i = 0; i < items.length; i++) items[i].classList.toggle("sel", i === picking.sel);
    if (items[picking.sel]) items[picking.sel].scrollIntoView({ block: "nearest" });
  }

  function closePicker(choice) {
    $("picker").hidden = true;
    $("pick-filter").blur();
    const p = picking;
    picking = null;
    if (p) p.resolve(choice);
  }

  $("pick-filter").addEventListener("input", filterRegions);
  $("pick-filter").addEventListener("keydown", (e) => {
    if (!picking) return;
    if (e.key === "ArrowDown") { picking.sel = Math.min(picking.sel + 1, picking.matches.length - 1); highlightPick(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { picking.sel = Math.max(picking.sel - 1, 0); highlightPick(); e.preventDefault(); }
    else if (e.key === "Enter") { const r = picking.matches[picking.sel]; closePicker(r ? r.name : null); e.preventDefault(); }
    else if (e.key === "Escape") { closePicker(null); e.preventDefault(); }
    e.stopPropagation();
  });
  $("picker").addEventListener("mousedown", (e) => { if (e.target === $("picker")) closePicker(null); });

  // ----- keys and buttons -----

  const ACTIONS = {
    abnormal: () => decide("abnormal"),
    neutral: () => decide("neutral"),
    not_mention: () => decide("not_mention"),
    skip: () => decide("skip"),
    clear: () => applyEdit({ op: "clear", mention: cur }).then(render),
    undo: () => undo(),
    region: () => changeRegion(),
    span: () => spanFromSelection(),
    add: () => addFromSelection(),
    back: () => goBack(),
    next: () => goNext(),
    first_open: () => (progress.first_open !== null ? load(progress.first_open) : null),
    next_mention: async () => moveMention(1),
    prev_mention: async () => moveMention(-1),
    grow_left: () => nudge(-1, 0),
    grow_right: () => nudge(0, 1),
    shrink_left: () => nudge(1, 0),
    shrink_right: () => nudge(0, -1),
  };

  const KEYS = {
    "1": "abnormal", "0": "neutral", "n": "not_mention", "s": "skip", "x": "clear",
    "u": "undo", "r": "region", "e": "span", "a": "add",
    "ArrowLeft": "back", "b": "back", "PageUp": "back", "ArrowRight": "next", "PageDown": "next", "g": "first_open",
    "j": "next_mention", "ArrowDown": "next_mention", "Tab": "next_mention",
    "k": "prev_mention", "ArrowUp": "prev_mention",
    "[": "grow_left", "]": "grow_right", "{": "shrink_left", "}": "shrink_right",
  };

  document.addEventListener("keydown", (e) => {
    if (picking || !sentence) return;
    if ((e.ctrlKey || e.metaKey) && (e.key === "z" || e.key === "Z")) { e.preventDefault(); enqueue(ACTIONS.undo); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    let name = KEYS[e.key];
    if (e.key === "Tab" && e.shiftKey) name = "prev_mention";
    if (!name) return;
    e.preventDefault();
    enqueue(ACTIONS[name]);
  });

  for (const button of document.querySelectorAll("#buttons button")) {
    button.addEventListener("mousedown", (e) => e.preventDefault()); // keep the text selection
    button.addEventListener("click", () => { const a = ACTIONS[button.dataset.act]; if (a) enqueue(a); });
  }

  // ----- start: resume where the person stopped -----

  enqueue(async () => {
    const s = await api("GET", "/api/state");
    regions = s.regions;
    progress = s.progress;
    $("annotator").textContent = s.annotator ? "annotator: " + s.annotator : "";
    if (progress.total === 0) { $("state").textContent = "the sample is empty"; return; }
    await load(progress.first_open !== null ? progress.first_open : 0);
    if (progress.first_open === null) $("state").textContent = "all sentences finished";
    document.body.dataset.ready = "true";
  });
})();
