/*
 * Bea Cukai web chat: embed with one tag on any page of an office's website.
 *   <script src="https://HOST/static/webchat/widget.js" data-office="050100" async></script>
 * Optional: data-lang="id|en". The conversation survives reloads (a token kept in localStorage);
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
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "id").slice(0, 2);
  if (lang !== "en") lang = "id";
  var base = new URL(script.src, location.href).origin;
  var storeKey = "bc-webchat:" + office;

  var T = {
    id: {
      open: "Chat dengan Bea Cukai", close: "Tutup", title: "Layanan Informasi Bea Cukai",
      promise: "Layanan ini gratis. Kami menjawab dalam 55 menit kerja.",
      hours: "Jam layanan hari ini", closedToday: "Hari ini kantor tutup.",
      startsAt: "Di luar jam layanan, waktu jawab mulai dihitung pada",
      name: "Nama (opsional)", contact: "E-mail (opsional)", message: "Tulis pesan Anda", send: "Kirim",
      you: "Anda", officeLabel: "Petugas", error: "Pesan belum terkirim. Coba lagi.",
      tooLong: "Pesan terlalu panjang.", unread: "pesan baru", empty: "Belum ada pesan.",
      lookup: "Cek status tiket", ticket: "Nomor tiket", code: "Kode verifikasi", check: "Cek",
      notFound: "Tiket tidak ditemukan atau kode salah.",
      answerBy: "Pesan Anda sudah kami terima. Jawaban paling lambat:"
    },
    en: {
      open: "Chat with Customs", close: "Close", title: "Customs Information Service",
      promise: "This service is free of charge. We answer within 55 working minutes.",
      hours: "Today's service hours", closedToday: "The office is closed today.",
      startsAt: "Outside service hours, the answer time starts at",
      name: "Name (optional)", contact: "E-mail (optional)", message: "Write your message", send: "Send",
      you: "You", officeLabel: "Officer", error: "Not sent yet. Please try again.",
      tooLong: "The message is too long.", unread: "new messages", empty: "No messages yet.",
      lookup: "Check a ticket", ticket: "Ticket number", code: "Verification code", check: "Check",
      notFound: "No such ticket, or the code is wrong.",
      answerBy: "We have received your message. The answer will reach you by"
    }
  }[lang];

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
    '  <div class="head"><h2 id="bc-title"></h2><button type="button" class="close"></button></div>' +
    '  <div class="promise"><p class="p1"></p><p class="p2"></p></div>' +
    '  <ol class="log" aria-live="polite" aria-relevant="additions"></ol>' +
    '  <p class="eta" role="status" hidden></p>' +
    '  <details class="lookup"><summary></summary><form class="lk" novalidate>' +
    '    <label for="bc-number"></label><input id="bc-number" name="number" autocomplete="off">' +
    '    <label for="bc-code"></label><input id="bc-code" name="code" autocomplete="off">' +
    '    <button class="send" type="submit"></button><div class="lk-out" role="status"></div>' +
    '  </form></details>' +
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
  $(".fab-label").textContent = T.open;
  $("#bc-title").textContent = T.title;
  $(".close").textContent = T.close;
  $(".p1").textContent = T.promise;
  $("label[for=bc-name]").textContent = T.name; $("#bc-name").placeholder = T.name;
  $("label[for=bc-email]").textContent = T.contact; $("#bc-email").placeholder = T.contact;
  $("label[for=bc-text]").textContent = T.message; $("#bc-text").placeholder = T.message;
  $("form.main .send").textContent = T.send;
  $(".lookup summary").textContent = T.lookup;
  $("label[for=bc-number]").textContent = T.ticket; $("#bc-number").placeholder = "BC-" + office + "-…";
  $("label[for=bc-code]").textContent = T.code;
  $("form.lk .send").textContent = T.check;
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

  function loadOffice() {
    api("GET", "offices/" + office + "/").then(function (res) {
      if (res.status !== 200) return;
      var info = res.data, p2 = $(".p2");
      var text = info.today_hours && info.today_hours.length
        ? T.hours + ": " + info.today_hours.map(function (h) { return h.join("–"); }).join(", ") + " (" + info.timezone_label + ")"
        : T.closedToday;
      if (!info.open_now && info.clock_starts_at_label) text += " " + T.startsAt + " " + info.clock_starts_at_label + ".";
      p2.textContent = text;
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
      if (msg.created_at) mine.querySelector("small").textContent = stamp(msg);
      state.seen[key] = mine;
      return;
    }
    var li = document.createElement("li");
    li.className = "m " + (msg.from === "you" ? "you" : "office") + (pending ? " pending" : "");
    var small = document.createElement("small");
    small.textContent = stamp(msg);
    var body = document.createElement("span");
    body.className = "t";
    body.textContent = msg.text;
    li.appendChild(small); li.appendChild(body);
    log.appendChild(li);
    state.seen[key] = li;
    if (msg.client_id) state.seen[msg.client_id] = li;
    log.scrollTop = log.scrollHeight;
    if (!pending && msg.from === "office" && !state.open) {
      state.unread += 1; badge.hidden = false; badge.textContent = state.unread;
      badge.setAttribute("aria-label", state.unread + " " + T.unread);
    }
  }

  function showEta(data) {
    var eta = $(".eta");
    if (data && data.answer_by_label) { eta.textContent = T.answerBy + " " + data.answer_by_label + "."; eta.hidden = false; }
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
      return api("POST", "messages/", { text: text, client_id: clientId });
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

  if (state.token) { $(".who").hidden = true; poll(); }
  loadOffice();
})();
