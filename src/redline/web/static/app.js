/* redline dashboard: progressive enhancement only (every page works without it,
   except the live checker and the charts). No inline script anywhere: the CSP
   forbids it. Chat text is always put in the page with textContent, never HTML. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var lang = document.body.getAttribute("data-lang") || "zh";

  function jsonData(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // Copy buttons: data-copy, or the suggestion text next to the button.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("button.copy") : null;
    if (!btn) return;
    var text = btn.getAttribute("data-copy");
    if (text === null) {
      var t = btn.parentNode.querySelector(".text");
      text = t ? t.textContent : "";
    }
    var done = function () {
      var old = btn.textContent;
      btn.textContent = "✓";
      setTimeout(function () { btn.textContent = old; }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); } catch (e) { /* ignore */ }
      document.body.removeChild(area);
      done();
    }
  });

  // ---------------------------------------------------------------- checker
  var form = document.getElementById("checker");
  if (form) {
    var S = jsonData("checker-strings") || {};
    var names = jsonData("category-names") || {};
    var verdict = document.getElementById("verdict");
    var results = document.getElementById("results");
    var highlight = document.getElementById("highlight");
    var tpl = document.getElementById("finding-tpl");
    var timer = null, seq = 0;

    var build = function () {
      var f = form.elements;
      var messages = [];
      var buyerText = f.buyer.value.trim();
      var buyerAccount = f.buyer_account.value.trim();
      if (buyerText) {
        var m = { role: "buyer", text: buyerText };
        if (buyerAccount) m.account = buyerAccount;
        messages.push(m);
      }
      messages.push({ role: "agent", account: form.getAttribute("data-account"), text: f.reply.value });
      var conv = {
        id: "checker",
        shop: { platform: f.platform.value, cod: f.cod.checked, free_shipping: f.free_shipping.checked },
        messages: messages
      };
      var order = {};
      if (f.order_buyer.value.trim()) order.buyer = f.order_buyer.value.trim();
      if (f.payment.value) order.payment = f.payment.value;
      if (Object.keys(order).length) conv.order = order;
      return conv;
    };

    // Finding offsets count characters as code points (formats.md); a JS string
    // counts UTF-16 units, so 😊 is one character to the server and two here.
    // Slice an array of code points (Array.from splits by them), never the string.
    var draw = function (text, data) {
      results.textContent = "";
      highlight.textContent = "";
      var chars = Array.from(text);
      var part = function (a, b) { return chars.slice(a, b).join(""); };
      var spans = data.findings.map(function (x) { return [x.start, x.end]; })
        .sort(function (a, b) { return a[0] - b[0]; });
      var pos = 0;
      spans.forEach(function (s) {
        var a = Math.max(s[0], pos), b = Math.min(s[1], chars.length);
        if (b <= a) return;
        if (a > pos) highlight.appendChild(document.createTextNode(part(pos, a)));
        var mark = document.createElement("mark");
        mark.className = "hit";
        mark.textContent = part(a, b);
        highlight.appendChild(mark);
        pos = b;
      });
      if (pos < chars.length) highlight.appendChild(document.createTextNode(part(pos)));
      var violations = data.findings.filter(function (x) { return x.severity === "violation"; });
      if (!data.findings.length) {
        verdict.textContent = S.clean; verdict.className = "verdict ok";
      } else if (violations.length) {
        verdict.textContent = S.flagged; verdict.className = "verdict bad";
      } else {
        verdict.textContent = S.warned; verdict.className = "verdict warn";
      }
      data.findings.forEach(function (x) {
        var li = tpl.content.firstElementChild.cloneNode(true);
        li.classList.add("sev-" + x.severity);
        var name = names[x.category];
        li.querySelector(".badge").textContent = name ? (lang === "en" ? name[1] : name[0]) : x.category;
        li.querySelector(".points").textContent = x.points ? x.points + " " + S.points : "";
        li.querySelector(".why").textContent = x.explanation;
        li.querySelector(".suggest .text").textContent = x.suggestion;
        var more = li.querySelector("a.tpl-link");
        if (more) {
          var buyer = form.elements.buyer ? form.elements.buyer.value : "";
          more.href = "/templates?category=" + encodeURIComponent(x.category) +
            (buyer.trim() ? "&q=" + encodeURIComponent(buyer.slice(0, 400)) : "");
        }
        results.appendChild(li);
      });
    };

    var check = function () {
      var text = form.elements.reply.value;
      if (!text.trim()) {
        verdict.textContent = S.waiting; verdict.className = "verdict";
        results.textContent = ""; highlight.textContent = "";
        return;
      }
      var mine = ++seq;
      fetch("/api/check", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
        body: JSON.stringify(build())
      }).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      }).then(function (data) {
        if (mine === seq) draw(text, data);
      }).catch(function () {
        if (mine === seq) { verdict.textContent = S.error; verdict.className = "verdict bad"; }
      });
    };

    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 200);
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); check(); });
  }

})();

// The exam's timer: counts down from data-minutes and hands the paper in at zero.
(function () {
  var timer = document.getElementById("exam-timer");
  var paper = document.getElementById("exam-paper");
  if (!timer || !paper) return;
  var left = parseInt(timer.getAttribute("data-minutes"), 10) * 60;
  var sent = false;
  paper.addEventListener("submit", function (ev) {
    if (sent) { ev.preventDefault(); return; }
    sent = true;
  });
  var tick = function () {
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 0) {
      if (!sent) { sent = true; paper.submit(); }
      return;
    }
    left -= 1;
    window.setTimeout(tick, 1000);
  };
  tick();
})();

// Nothing irreversible in one click: a button (or form) with data-confirm asks first,
// and a form is sent once (a second click while it is on its way does nothing).
(function () {
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !(form instanceof HTMLFormElement) || form.id === "exam-paper") return;
    var button = ev.submitter || null;
    var ask = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) { ev.preventDefault(); return; }
    if (form.method.toLowerCase() !== "post") return;
    if (form.getAttribute("data-sent") === "1") { ev.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
  });
  // Back from the browser's page cache: the form may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (f) { f.removeAttribute("data-sent"); });
  });
})();
