/*
 * Bea Cukai web chat: embed with one tag on any page of an office's website.
 *   <script src="https://HOST/static/webchat/widget.js" data-office="050100" async></script>
 * Optional: data-lang="id|en" (else the page's lang, else the browser's; Indonesian when unsure). The visitor can
 * switch between Indonesian and English in the widget: the choice is kept in localStorage and on the session, so
 * the server's promise, its acknowledgement and the messages we send follow it. Every sentence about time (the
 * promise, today's hours, the answer's deadline and why) comes from the server, already in that language.
 * The conversation survives reloads (a token kept in localStorage);
 * replies arrive by polling with backoff. All text is inserted as text, never as HTML.
 * An idle session expires on the server (401 invalid_token): the widget then forgets the token and the next
 * message starts a new session by itself, without a page reload.
 * No inline script, no eval, no inline style: its look comes from widget.css beside this file. A site with a
 * Content-Security-Policy allows our origin in script-src, style-src and connect-src.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-office][src*='webchat/widget']");
  if (!script) return;
  var office = script.getAttribute("data-office");
  var langKey = "bc-webchat-lang";
  function pickLang(value) {
    value = String(value || "").slice(0, 2).toLowerCase();
    return value === "en" || value === "id" ? value : "";
  }
  var lang = "";
  try { lang = pickLang(localStorage.getItem(langKey)); } catch (e) { /* private mode: the page decides */ }
  lang = lang || pickLang(script.getAttribute("data-lang")) || pickLang(document.documentElement.lang) ||
    pickLang(navigator.language) || "id";
  var base = new URL(script.src, location.href).origin;
  var storeKey = "bc-webchat:" + office;

  var TEXTS = {
    id: {
      open: "Chat dengan Bea Cukai", close: "Tutup", title: "Layanan Informasi Bea Cukai",
      promise: "Layanan ini gratis.", language: "Bahasa",
      complaint: "Pengaduan atau saran", newTab: "(membuka tab baru)",
      privacy: "Nama, pesan, dan nomor identitas atau dokumen yang Anda kirim hanya dipakai untuk menjawab " +
        "Anda, hanya dilihat petugas kantor ini dan atasannya, disimpan selama masa retensi lalu dianonimkan. " +
        "Anda dapat meminta salinan atau penghapusannya.",
      privacyLink: "Privasi", standardLink: "Standar layanan",
      name: "Nama (opsional)", contact: "E-mail (opsional)", message: "Tulis pesan Anda", send: "Kirim",
      you: "Anda", officeLabel: "Petugas", error: "Pesan belum terkirim. Coba lagi.",
      tooLong: "Pesan terlalu panjang.", unread: "pesan baru", empty: "Belum ada pesan.",
      lookup: "Cek status tiket", ticket: "Nomor tiket", code: "Kode verifikasi", check: "Cek",
      notFound: "Tiket tidak ditemukan atau kode salah.",
      received: "Pesan Anda sudah kami terima."
    },
    en: {
      open: "Chat with Customs", close: "Close", title: "Customs Information Service",
      promise: "This service is free of charge.", language: "Language",
      complaint: "Complaint or suggestion", newTab: "(opens in a new tab)",
      privacy: "Your name, messages and the identity or document numbers you send are used only to answer " +
        "you, seen only by this office's officers and their supervisors, kept for the retention period and " +
        "then anonymised. You may ask for a copy or their erasure.",
      privacyLink: "Privacy", standardLink: "Service standard",
      name: "Name (optional)", contact: "E-mail (optional)", message: "Write your message", send: "Send",
      you: "You", officeLabel: "Officer", error: "Not sent yet. Please try again.",
      tooLong: "The message is too long.", unread: "new messages", empty: "No messages yet.",
      lookup: "Check a ticket", ticket: "Ticket number", code: "Verification code", check: "Check",
      notFound: "No such ticket, or the code is wrong.",
      received: "We have received your message."
    }
  };
  var T = TEXTS[lang];

  var state = { token: null, lastId: 0, open: false, unread: 0, delay: 2000, timer: null, seen: {} };
  try { state.token = localStorage.getItem(storeKey); } catch (e) { /* private mode: session only */ }

  var host = document.createElement("div");
  host.id = "bc-webchat";
  document.body.appendChild(host);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  // Hidden until its stylesheet is there (or failed): no flash of an unstyled button.
  host.hidden = true;
  function reveal() { host.hidden = false; }
  root.innerHTML =
    '<button class="fab" type="button" aria-expanded="false" aria-controls="bc-panel"><span class="fab-label"></span><span class="badge" hidden></span></button>' +
    '<section class="panel" id="bc-panel" role="dialog" aria-modal="false" aria-labelledby="bc-title" hidden>' +
    '  <div class="head"><h2 id="bc-title"></h2>' +
    '    <div class="langs" role="group"><button type="button" data-lang="id" lang="id">Indonesia</button>' +
    '    <button type="button" data-lang="en" lang="en">English</button></div>' +
    '    <button type="button" class="close"></button></div>' +
    '  <div class="promise"><p class="p1"></p><p class="p2"></p><p class="p3" hidden></p></div>' +
    '  <ol class="log" aria-live="polite" aria-relevant="additions"></ol>' +
    '  <p class="eta" role="status" hidden></p>' +
    '  <details class="lookup"><summary></summary><form class="lk" novalidate>' +
    '    <label for="bc-number"></label><input id="bc-number" name="number" autocomplete="off">' +
    '    <label for="bc-code"></label><input id="bc-code" name="code" autocomplete="off">' +
    '    <button class="send" type="submit"></button><div class="lk-out" role="status"></div>' +
    '  </form></details>' +
    '  <p class="links"><a class="complaint" target="_blank" rel="noopener noreferrer"></a></p>' +
    '  <p class="privacy"><span class="pnote"></span> <a class="privacy-link" target="_blank" ' +
    'rel="noopener noreferrer"></a> · <a class="standard-link" target="_blank" rel="noopener noreferrer"></a></p>' +
    '  <form class="main" novalidate>' +
    '    <div class="row who"><label class="sr" for="bc-name"></label><input id="bc-name" name="name" autocomplete="name">' +
    '    <label class="sr" for="bc-email"></label><input id="bc-email" name="email" type="email" autocomplete="email"></div>' +
    '    <label class="sr" for="bc-text"></label><textarea id="bc-text" name="text" maxlength="2000" required></textarea>' +
    '    <div class="err" role="alert"></div><button class="send" type="submit"></button>' +
    '  </form>' +
    '</section>';

  var sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = new URL("widget.css", script.src).href;
  sheet.addEventListener("load", reveal);
  sheet.addEventListener("error", reveal);
  root.insertBefore(sheet, root.firstChild);

  function $(sel) { return root.querySelector(sel); }
  var fab = $(".fab"), panel = $(".panel"), log = $(".log"), form = $("form.main"), err = $(".err"), badge = $(".badge");
  // Every text of the widget in the chosen language; called again when the visitor switches.
  function applyTexts() {
    panel.setAttribute("lang", lang);
    fab.setAttribute("lang", lang);
    $(".fab-label").textContent = T.open;
    $("#bc-title").textContent = T.title;
    $(".close").textContent = T.close;
    $(".langs").setAttribute("aria-label", T.language);
    Array.prototype.forEach.call(root.querySelectorAll(".langs button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === lang));
    });
    $(".p1").textContent = T.promise;
    $("label[for=bc-name]").textContent = T.name; $("#bc-name").placeholder = T.name;
    $("label[for=bc-email]").textContent = T.contact; $("#bc-email").placeholder = T.contact;
    $("label[for=bc-text]").textContent = T.message; $("#bc-text").placeholder = T.message;
    $("form.main .send").textContent = T.send;
    $(".lookup summary").textContent = T.lookup;
    $("label[for=bc-number]").textContent = T.ticket; $("#bc-number").placeholder = "BC-" + office + "-…";
    $("label[for=bc-code]").textContent = T.code;
    $("form.lk .send").textContent = T.check;
    complaintLink();
    privacyNotice();
    Array.prototype.forEach.call(log.querySelectorAll("li.m"), function (li) {
      li.querySelector("small").textContent = stamp({ from: li.getAttribute("data-from"), created_at: li.getAttribute("data-at") });
    });
  }

  // Complaints and suggestions (clause a.6) go to the office's public complaint page, in a new tab. Only an
  // http(s) address is ever made a link.
  function complaintLink() {
    var link = $("a.complaint"), url;
    try { url = new URL("/pengaduan/?office=" + encodeURIComponent(office), base); } catch (e) { url = null; }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) { link.parentNode.hidden = true; return; }
    link.href = url.href;
    link.textContent = T.complaint;
    link.setAttribute("aria-label", T.complaint + " " + T.newTab);
  }

  // The privacy notice (UU 27/2022), shown before the first message, with the full privacy page and the service
  // standard a click away (new tabs; only http(s) addresses become links).
  function privacyNotice() {
    $(".pnote").textContent = T.privacy;
    [["a.privacy-link", "/privasi/", T.privacyLink], ["a.standard-link", "/standar-layanan/", T.standardLink]]
      .forEach(function (item) {
        var link = $(item[0]), url;
        try { url = new URL(item[1], base); } catch (e) { url = null; }
        if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) { link.hidden = true; return; }
        link.href = url.href;
        link.textContent = item[2];
        link.setAttribute("aria-label", item[2] + " " + T.newTab);
      });
  }

  // The visitor switches the language: the texts now, the session on the server (so the acknowledgement and
  // the messages we send follow), and the server's promise again in that language.
  function setLang(next) {
    if (next === lang || !TEXTS[next]) return;
    lang = next; T = TEXTS[lang];
    try { localStorage.setItem(langKey, lang); } catch (e) {}
    applyTexts();
    $(".p2").textContent = ""; $(".p3").textContent = ""; $(".p3").hidden = true;  // the server's, in a moment
    loadOffice();
    if (state.token) {
      api("POST", "language/", { language: lang }).then(function (res) {
        if (res.status === 401) { forget(); return; }
        state.delay = 2000; poll();
      }).catch(function () {});
    }
  }
  Array.prototype.forEach.call(root.querySelectorAll(".langs button"), function (b) {
    b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); });
  });
  $("form.lk").addEventListener("submit", function (e) {
    e.preventDefault();
    var out = $(".lk-out");
    out.textContent = "…";
    fetch(base + "/api/v1/tickets/lookup/", {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify({ number: $("#bc-number").value.trim(), code: $("#bc-code").value.trim() })
    }).then(function (r) { return r.json().then(function (d) { return { status: r.status, data: d }; }); })
      .then(function (res) {
        if (res.status !== 200) { out.textContent = (res.data.error && res.data.error.message) || T.notFound; return; }
        out.textContent = res.data.ticket_number + ": " + res.data.status_label + (res.data.answer ? "\n\n" + res.data.answer : "");
      }).catch(function () { out.textContent = T.error; });
  });

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json", "Accept-Language": lang };
    if (state.token) headers["X-Webchat-Token"] = state.token;
    return fetch(base + "/api/v1/webchat/" + path, {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: "omit"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    });
  }

  // The promise as the server words it (free of charge, the office's response target, today's hours, and what
  // a message sent now gets outside hours or just before closing), in the widget's language.
  function loadOffice() {
    var asked = lang;
    api("GET", "offices/" + office + "/").then(function (res) {
      if (res.status !== 200 || asked !== lang) return;
      var info = res.data, p3 = $(".p3");
      if (info.promise_text) $(".p1").textContent = info.promise_text;
      $(".p2").textContent = info.hours_text || "";
      p3.textContent = info.now_text || "";
      p3.hidden = !info.now_text;
    }).catch(function () {});
  }

  function stamp(msg) {
    return (msg.from === "you" ? T.you : T.officeLabel) +
      (msg.created_at ? " · " + new Date(msg.created_at).toLocaleTimeString(lang === "id" ? "id-ID" : "en-GB", { hour: "2-digit", minute: "2-digit" }) : "");
  }

  function render(msg, pending) {
    var key = msg.id ? "id" + msg.id : msg.client_id;
    if (state.seen[key]) return;
    if (msg.client_id && state.seen[msg.client_id]) {
      var mine = state.seen[msg.client_id];
      mine.classList.remove("pending");
      if (msg.created_at) { mine.setAttribute("data-at", msg.created_at); mine.querySelector("small").textContent = stamp(msg); }
      state.seen[key] = mine;
      return;
    }
    var li = document.createElement("li");
    li.className = "m " + (msg.from === "you" ? "you" : "office") + (pending ? " pending" : "");
    li.setAttribute("data-from", msg.from === "you" ? "you" : "office");
    if (msg.created_at) li.setAttribute("data-at", msg.created_at);
    var small = document.createElement("small");
    small.textContent = stamp(msg);
    var body = document.createElement("span");
    body.className = "t";
    body.textContent = msg.text;
    li.appendChild(small); li.appendChild(body);
    renderFiles(li, msg);
    log.appendChild(li);
    state.seen[key] = li;
    if (msg.client_id) state.seen[msg.client_id] = li;
    log.scrollTop = log.scrollHeight;
    if (!pending && msg.from === "office" && !state.open) {
      state.unread += 1; badge.hidden = false; badge.textContent = state.unread;
      badge.setAttribute("aria-label", state.unread + " " + T.unread);
    }
  }

  // The acknowledgement: when the answer comes at the latest and why, as the server words it.
  function showEta(data) {
    var eta = $(".eta");
    if (data && data.acknowledgement) { eta.textContent = data.acknowledgement; eta.hidden = false; }
    else if (data && data.status === "queued") { eta.textContent = T.received; eta.hidden = false; }
    else if (data && "answer_by" in data) { eta.hidden = true; }
  }

  function poll() {
    clearTimeout(state.timer);
    if (!state.token) return;
    api("GET", "messages/?after=" + state.lastId).then(function (res) {
      if (res.status === 401) { forget(); return; }
      var msgs = (res.data && res.data.messages) || [];
      showEta(res.data);
      msgs.forEach(function (m) { render(m, false); state.lastId = Math.max(state.lastId, m.id); });
      showSurvey(res.data);
      state.delay = msgs.length ? 2000 : Math.min(state.delay * 1.5, state.open ? 8000 : 20000);
    }).catch(function () {
      state.delay = Math.min(state.delay * 2, 30000);
    }).then(function () {
      state.timer = setTimeout(poll, state.delay);
    });
  }

  // The server no longer knows the token (expired after idling): drop it; the next message opens a new session.
  function forget() {
    state.token = null; state.lastId = 0;
    $(".eta").hidden = true;
    try { localStorage.removeItem(storeKey); } catch (e) {}
  }

  function ensureSession() {
    if (state.token) return Promise.resolve(true);
    return api("POST", "sessions/", {
      office: office, name: $("#bc-name").value, email: $("#bc-email").value, language: lang
    }).then(function (res) {
      if (res.status !== 201) throw res;
      state.token = res.data.token;
      try { localStorage.setItem(storeKey, state.token); } catch (e) {}
      $(".who").hidden = true;
      return true;
    });
  }

  // Post a message; a session that expired meanwhile (401) is replaced by a new one and the message sent again.
  function send(text, clientId, retried) {
    return ensureSession().then(function () {
      return api("POST", "messages/", { text: text, client_id: clientId, language: lang });
    }).then(function (res) {
      if (res.status === 401 && !retried) { forget(); return send(text, clientId, true); }
      return res;
    });
  }

  function toggle(open) {
    state.open = open;
    panel.hidden = !open;
    fab.setAttribute("aria-expanded", String(open));
    if (open) {
      state.unread = 0; badge.hidden = true;
      loadOffice();
      $("#bc-text").focus();
      state.delay = 2000; poll();
    } else {
      fab.focus();
    }
  }

  fab.addEventListener("click", function () { toggle(!state.open); });
  $(".close").addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });
  $("#bc-text").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("#bc-text").value.trim();
    err.textContent = "";
    if (!text) return;
    if (text.length > 2000) { err.textContent = T.tooLong; return; }
    var clientId = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    render({ from: "you", text: text, client_id: clientId }, true);
    $("#bc-text").value = "";
    send(text, clientId, false).then(function (res) {
      if (res.status !== 201) throw res;
      render({ id: res.data.id, from: "you", text: text, client_id: clientId, created_at: res.data.created_at }, false);
      showEta(res.data);
      state.lastId = Math.max(state.lastId, res.data.id - 1);
      state.delay = 2000; poll();
    }).catch(function (res) {
      var detail = res && res.data && res.data.error && res.data.error.message;
      err.textContent = detail || T.error;
      $("#bc-text").value = text;
    });
  });

  // --- The satisfaction survey (clause b.8.2): while the server says the visitor has a survey to answer, its
  // choices as buttons (worded by the server in the session's language). A press sends the number, with the
  // optional comment after it, as an ordinary message: the same the visitor could type, parsed by the server.
  var survey = null;
  function showSurvey(data) {
    if (!data || !("survey" in data)) return;
    var info = data.survey;
    if (survey && !survey.sent && (!info || survey.lang !== lang)) { survey.box.remove(); survey = null; }
    if (!info || survey) return;
    var box = document.createElement("div"), question = document.createElement("p");
    var choices = document.createElement("div"), label = document.createElement("label");
    var comment = document.createElement("textarea");
    box.className = "survey"; box.setAttribute("role", "group"); box.setAttribute("aria-label", info.question);
    question.className = "sq"; question.textContent = info.question;
    choices.className = "choices";
    label.setAttribute("for", "bc-survey-comment"); label.textContent = info.comment_label;
    comment.id = "bc-survey-comment"; comment.maxLength = 1000; comment.placeholder = info.comment_label;
    survey = { box: box, lang: lang, sent: false };
    info.choices.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "rate";
      button.setAttribute("data-rating", String(choice.value));
      button.textContent = choice.value + " – " + choice.label;
      button.addEventListener("click", function () { rate(choice.value, comment.value.trim(), info.thanks); });
      choices.appendChild(button);
    });
    box.appendChild(question); box.appendChild(label); box.appendChild(comment); box.appendChild(choices);
    log.parentNode.insertBefore(box, log.nextSibling);
  }

  function rate(value, comment, thanks) {
    if (!survey || survey.sent) return;
    survey.sent = true;
    var box = survey.box, text = String(value) + (comment ? ", " + comment : "");
    Array.prototype.forEach.call(box.querySelectorAll("button, textarea"), function (el) { el.disabled = true; });
    var clientId = "s" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    render({ from: "you", text: text, client_id: clientId }, true);
    send(text, clientId, false).then(function (res) {
      if (res.status !== 201) throw res;
      render({ id: res.data.id, from: "you", text: text, client_id: clientId, created_at: res.data.created_at }, false);
      box.textContent = "";
      var done = document.createElement("p");
      done.className = "sq"; done.setAttribute("role", "status"); done.textContent = thanks;
      box.appendChild(done);
      state.lastId = Math.max(state.lastId, res.data.id - 1);
      state.delay = 2000; poll();
    }).catch(function (res) {
      var li = state.seen[clientId];
      if (li) { li.remove(); delete state.seen[clientId]; }
      survey.sent = false;
      Array.prototype.forEach.call(box.querySelectorAll("button, textarea"), function (el) { el.disabled = false; });
      err.textContent = (res && res.data && res.data.error && res.data.error.message) || T.error;
    });
  }

  // --- Attachments: the visitor sends a photo or a PDF (an invoice, a receipt, a boarding pass) and downloads
  // the files of their own thread. The server checks the type by content and the size; the widget only helps.
  var FILE_TEXTS = {
    id: {
      attach: "Lampirkan foto/PDF", attachHint: "Foto (JPEG, PNG, WebP, GIF) atau berkas PDF",
      fileError: "Berkas belum terkirim. Coba lagi.", download: "Unduh"
    },
    en: {
      attach: "Attach a photo/PDF", attachHint: "A photo (JPEG, PNG, WebP, GIF) or a PDF file",
      fileError: "The file was not sent. Please try again.", download: "Download"
    }
  };
  // What the file picker offers; the server decides by the content and the size, and says why in its refusal.
  var FILE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"];
  function fileText(key) { return (FILE_TEXTS[lang] || FILE_TEXTS.id)[key]; }

  function fileSize(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // A file of the thread: a button that fetches it with the session's token and saves it under its name.
  function renderFiles(li, msg) {
    (msg.files || []).forEach(function (file) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "file";
      button.setAttribute("data-file", String(file.id));
      button.textContent = "📎 " + file.name + " (" + fileSize(file.size) + ")";
      button.setAttribute("aria-label", fileText("download") + " " + file.name);
      button.addEventListener("click", function () { downloadFile(file); });
      li.appendChild(button);
    });
  }

  function downloadFile(file) {
    if (!state.token) return;
    fetch(base + "/api/v1/webchat/attachments/" + encodeURIComponent(file.id) + "/", {
      headers: { "X-Webchat-Token": state.token, "Accept-Language": lang }, credentials: "omit"
    }).then(function (r) {
      if (!r.ok) throw r;
      return r.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob), a = document.createElement("a");
      a.href = url; a.download = file.name; a.hidden = true;
      root.appendChild(a); a.click();
      setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 1000);
    }).catch(function () { err.textContent = fileText("fileError"); });
  }

  function postFile(file, clientId, retried) {
    return ensureSession().then(function () {
      var body = new FormData();
      body.append("file", file, file.name);
      body.append("client_id", clientId);
      return fetch(base + "/api/v1/webchat/attachments/", {
        method: "POST", body: body, credentials: "omit",
        headers: { "X-Webchat-Token": state.token, "Accept-Language": lang }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
      });
    }).then(function (res) {
      if (res.status === 401 && !retried) { forget(); return postFile(file, clientId, true); }
      return res;
    });
  }

  function sendFile(file) {
    err.textContent = "";
    var clientId = "f" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    render({ from: "you", text: "📎 " + file.name, client_id: clientId }, true);
    postFile(file, clientId, false).then(function (res) {
      if (res.status !== 201) throw res;
      var li = state.seen[clientId];
      if (li) { li.remove(); delete state.seen[clientId]; }
      render(res.data, false);
      showEta(res.data);
      state.lastId = Math.max(state.lastId, res.data.id - 1);
      state.delay = 2000; poll();
    }).catch(function (res) {
      var li = state.seen[clientId];
      if (li) { li.remove(); delete state.seen[clientId]; }
      err.textContent = (res && res.data && res.data.error && res.data.error.message) || fileText("fileError");
    });
  }

  function setupAttachments() {
    var input = document.createElement("input"), button = document.createElement("button");
    input.type = "file"; input.className = "file-input"; input.hidden = true;
    input.accept = FILE_TYPES.join(",");
    button.type = "button"; button.className = "attach";
    function label() { button.textContent = "📎 " + fileText("attach"); button.title = fileText("attachHint"); }
    label();
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      input.value = "";
      if (file) sendFile(file);
    });
    Array.prototype.forEach.call(root.querySelectorAll(".langs button"), function (b) {
      b.addEventListener("click", function () { setTimeout(label, 0); });
    });
    form.insertBefore(input, $("form.main .send"));
    form.insertBefore(button, $("form.main .send"));
  }
  setupAttachments();

  applyTexts();
  if (state.token) { $(".who").hidden = true; poll(); }
  loadOffice();
})();
