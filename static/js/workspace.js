/* The officer's workspace: keyboard shortcuts, the selected row kept across live refreshes, drafts that
 * survive a reload, canned answers, presence ("someone else is typing"), revealing a masked reference. */
(function () {
  "use strict";
  var overlay = document.getElementById("shortcuts");
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  function typingInField(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function toggleOverlay(show) {
    if (!overlay) return;
    overlay.hidden = show === undefined ? !overlay.hidden : !show;
    if (!overlay.hidden) overlay.querySelector("[data-close]").focus();
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-shortcuts]")) toggleOverlay(true);
    if (e.target.closest("[data-close]")) toggleOverlay(false);
  });

  /* --- Inbox: selection that survives the 4-second refresh --- */
  var list = document.getElementById("inbox-list");
  var selectedId = sessionStorage.getItem("inbox-selected");
  function rows() { return list ? Array.prototype.slice.call(list.querySelectorAll("tbody tr[data-id]")) : []; }
  function paint() {
    rows().forEach(function (r) {
      var on = r.getAttribute("data-id") === selectedId;
      r.classList.toggle("selected", on);
      r.setAttribute("aria-selected", on ? "true" : "false");
    });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.findIndex(function (r) { return r.getAttribute("data-id") === selectedId; });
    index = Math.max(0, Math.min(all.length - 1, index + step));
    selectedId = all[index].getAttribute("data-id");
    sessionStorage.setItem("inbox-selected", selectedId);
    paint();
    all[index].scrollIntoView({ block: "nearest" });
  }
  if (list) {
    paint();
    document.body.addEventListener("htmx:afterSwap", function (e) { if (e.target === list) paint(); });
    list.addEventListener("click", function (e) {
      var row = e.target.closest("tr[data-id]");
      if (row && !e.target.closest("a")) { window.location = row.getAttribute("data-href"); }
    });
  }

  /* --- Conversation --- */
  var convo = document.querySelector(".conversation[data-inquiry]");
  var composer = document.getElementById("composer");
  var textarea = composer ? composer.querySelector("textarea[name=text]") : null;
  var draftKey = convo ? "draft:" + convo.getAttribute("data-inquiry") : null;
  var lastKey = 0;
  if (textarea && draftKey) {
    var saved = localStorage.getItem(draftKey);
    if (saved && !textarea.value) textarea.value = saved;
    textarea.addEventListener("input", function () {
      lastKey = Date.now();
      if (textarea.value) localStorage.setItem(draftKey, textarea.value); else localStorage.removeItem(draftKey);
    });
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); composer.requestSubmit(); }
    });
    composer.addEventListener("submit", function () { localStorage.removeItem(draftKey); });
  }
  document.addEventListener("click", function (e) {
    var canned = e.target.closest("button.canned");
    if (canned && textarea) {
      var body = canned.getAttribute("data-body");
      textarea.value = textarea.value ? textarea.value.replace(/\s*$/, "\n\n") + body : body;
      textarea.dispatchEvent(new Event("input"));
      textarea.focus();
    }
    var reveal = e.target.closest("[data-reveal]");
    if (reveal) {
      fetch(reveal.getAttribute("data-reveal"), { method: "POST", headers: { "X-CSRFToken": csrf } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
        .then(function (value) { document.getElementById(reveal.getAttribute("data-target")).textContent = value; reveal.remove(); });
    }
  });

  /* Presence: who else has this inquiry open, and whether they are typing. */
  var presence = document.getElementById("presence");
  if (convo && presence) {
    var url = convo.getAttribute("data-presence");
    var beat = function () {
      var body = new URLSearchParams({ typing: Date.now() - lastKey < 5000 ? "1" : "0" });
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var others = data.others || [];
          presence.hidden = !others.length;
          presence.textContent = others.map(function (o) {
            return o.name + (o.typing ? " " + (presence.dataset.typing || "is typing…") : " " + (presence.dataset.viewing || "has this open"));
          }).join(" · ");
        }).catch(function () {});
    };
    beat();
    setInterval(beat, 4000);
  }

  /* --- Keys --- */
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && overlay && !overlay.hidden) { toggleOverlay(false); return; }
    if (typingInField(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    var go = function (sel) { var el = document.querySelector(sel); if (el) { e.preventDefault(); return el; } return null; };
    switch (e.key) {
      case "?": e.preventDefault(); toggleOverlay(); break;
      case "j": if (list) { e.preventDefault(); move(1); } break;
      case "k": if (list) { e.preventDefault(); move(-1); } break;
      case "Enter": case "o":
        if (list && selectedId) {
          var row = list.querySelector('tr[data-id="' + selectedId + '"]');
          if (row) { e.preventDefault(); window.location = row.getAttribute("data-href"); }
        }
        break;
      case "/": var search = go("#id_q, #canned-q"); if (search) search.focus(); break;
      case "r": if (textarea) { e.preventDefault(); textarea.focus(); } break;
      case "a": var cq = go("#canned-q"); if (cq) cq.focus(); break;
      case "c": var claim = go("#claim-form"); if (claim) claim.requestSubmit(); break;
      case "e": var esc = go("#escalate"); if (esc) { esc.open = true; esc.querySelector("select").focus(); } break;
      case "x": var res = go("#resolve"); if (res) { res.open = true; res.querySelector("select").focus(); } break;
      case "u": var back = go("[data-back]"); if (back) window.location = back.href; break;
    }
  });
})();
