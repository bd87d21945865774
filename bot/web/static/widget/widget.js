/*
 * Council chat widget: accessible (WCAG 2.2 AA), no framework, no build step.
 *
 * Embed on any page:
 *   <script src="https://assistant.example.gov.uk/widget/widget.js" defer
 *           data-server="https://assistant.example.gov.uk:5005"
 *           data-title="Ask Brackenford"
 *           data-colour="#1d70b8"
 *           data-privacy-url="https://www.example.gov.uk/privacy"
 *           data-lang="en"></script>
 *
 * Everything the resident or the assistant sends is shown as text: the small
 * Markdown subset (links, bold, lists, line breaks) is built with DOM nodes,
 * never innerHTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = new URL(script.src, window.location.href);
  var data = script.dataset;
  var config = {
    server: data.server || base.protocol + "//" + base.hostname + ":5005",
    api: data.api || base.origin,
    title: data.title || "Ask the council",
    colour: data.colour || "#1d70b8",
    privacyUrl: data.privacyUrl || "",
    lang: data.lang || "en"
  };
  var STORE = "council-chat:";
  var store = window.sessionStorage;

  // ---- colour: only colours with AA contrast against white text are used ----
  function luminance(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex);
    if (!m) { return null; }
    var rgb = [0, 2, 4].map(function (i) {
      var c = parseInt(m[1].substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }
  function safeColour(hex) {
    var l = luminance(hex);
    return l !== null && 1.05 / (l + 0.05) >= 4.5 ? hex : "#1d70b8";
  }

  // ---- small DOM helpers ----
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "hidden") { node.hidden = !!attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function hiddenText(text) { return el("span", { "class": "cw-vh", text: text }); }

  // ---- the safe Markdown subset ----
  function safeUrl(url) {
    return /^https?:\/\/[^\s]+$/i.test(url) || sitePath(url) ? url : null;
  }
  // A path on this site. Browsers read a backslash as "/", so "/\evil.example" means "//evil.example",
  // another host; the resolved origin is checked too, for any other way of naming a host.
  function sitePath(url) {
    if (!/^\/(?![\/\\])[^\s]*$/.test(url)) { return false; }
    try { return new URL(url, window.location.href).origin === window.location.origin; } catch (e) { return false; }
  }
  function inline(text, parent) {
    var buffer = "";
    var bold = null;
    var target = parent;
    function flush() { if (buffer) { target.appendChild(document.createTextNode(buffer)); buffer = ""; } }
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (ch === "\\" && i + 1 < text.length && /[\\`*_\[\]<>|~()#+!{}-]/.test(text[i + 1])) {
        buffer += text[++i];
      } else if (ch === "*" && text[i + 1] === "*" && (bold || text.indexOf("**", i + 2) > -1)) {
        flush();
        if (bold) { target = parent; bold = null; }
        else { bold = el("strong"); parent.appendChild(bold); target = bold; }
        i++;
      } else if (ch === "[") {
        var close = text.indexOf("](", i);
        var end = close > -1 ? text.indexOf(")", close + 2) : -1;
        var url = end > -1 ? safeUrl(text.slice(close + 2, end)) : null;
        if (url && text.slice(i + 1, close).indexOf("[") === -1) {
          flush();
          var link = el("a", { href: url, text: text.slice(i + 1, close) });
          if (/^https?:/i.test(url)) { link.target = "_blank"; link.rel = "noopener noreferrer";
            link.appendChild(hiddenText(" (opens in a new tab)")); }
          target.appendChild(link);
          i = end;
        } else { buffer += ch; }
      } else { buffer += ch; }
    }
    flush();
  }
  function markdown(text) {
    var box = el("div", { "class": "cw-text" });
    var list = null;
    var paragraph = null;
    String(text || "").split("\n").forEach(function (line) {
      var item = /^\s*[-*] (.*)$/.exec(line);
      if (item) {
        if (!list) { list = el("ul"); box.appendChild(list); }
        paragraph = null;
        var li = el("li");
        inline(item[1], li);
        list.appendChild(li);
      } else if (!line.trim()) {
        list = null; paragraph = null;
      } else {
        list = null;
        if (paragraph) { paragraph.appendChild(el("br")); }
        else { paragraph = el("p"); box.appendChild(paragraph); }
        inline(line, paragraph);
      }
    });
    return box;
  }

  // The content studio previews answers with this same renderer (data-mode="preview": no chat).
  window.CouncilChatMarkdown = markdown;
  if (data.mode === "preview") { return; }

  // ---- state kept for the tab, so a reload or another page keeps the chat ----
  function load(key, fallback) {
    try { var v = store.getItem(STORE + key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(key, value) { try { store.setItem(STORE + key, JSON.stringify(value)); } catch (e) { /* full */ } }
  function newSessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var state = {
    session: load("session", null) || newSessionId(),
    log: load("log", []),
    open: load("open", false),
    handoff: load("handoff", null)   // "waiting" or "with_agent" while the contact centre has the chat
  };
  save("session", state.session);

  // ---- build the widget ----
  var colour = safeColour(config.colour);
  var root = el("div", { "class": "cw", lang: config.lang });
  root.style.setProperty("--cw-colour", colour);
  var launcher = el("button", { "class": "cw-launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "cw-panel", text: config.title });
  var title = el("h2", { id: "cw-title", "class": "cw-title", text: config.title });
  var closeButton = el("button", { "class": "cw-close", type: "button", "aria-label": "Close chat" },
    [el("span", { "aria-hidden": "true", text: "\u00d7" })]);
  var status = el("p", { "class": "cw-status", role: "status", "aria-live": "polite" });
  var log = el("div", { "class": "cw-log", role: "log", "aria-live": "polite", "aria-label": "Conversation",
    tabindex: "0" });
  var input = el("textarea", { id: "cw-input", "class": "cw-input", rows: "2", maxlength: "4000",
    autocomplete: "off" });
  var send = el("button", { "class": "cw-send", type: "submit", text: "Send" });
  var form = el("form", { "class": "cw-form" }, [
    el("label", { "for": "cw-input", "class": "cw-label", text: "Your message" }), input, send]);
  var restart = el("button", { type: "button", "class": "cw-link-button", text: "Start again" });
  var download = el("button", { type: "button", "class": "cw-link-button", text: "Download conversation" });
  var print = el("button", { type: "button", "class": "cw-link-button", text: "Print conversation" });
  var end = el("button", { type: "button", "class": "cw-link-button", text: "End chat" });
  var privacy = el("p", { "class": "cw-privacy" }, [document.createTextNode(
    "We use no cookies. This conversation is kept in this browser tab and by the council to answer you. ")]);
  if (safeUrl(config.privacyUrl)) {
    privacy.appendChild(el("a", { href: config.privacyUrl, text: "Read our privacy notice" }));
  }
  var panel = el("section", { id: "cw-panel", "class": "cw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "cw-title", hidden: true }, [
    el("div", { "class": "cw-header" }, [title, closeButton]),
    status, log, form,
    el("div", { "class": "cw-actions" }, [restart, download, print, end]),
    privacy
  ]);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- messages ----
  var assistantName = config.title;
  function speaker(entry) {
    if (entry.who === "user") { return "You said:"; }
    if (entry.who === "agent") { return (entry.name || "An adviser") + " said:"; }
    return assistantName + " said:";
  }
  function renderEntry(entry, index) {
    var item = el("div", { "class": "cw-msg cw-msg--" + entry.who });
    var who = el("p", { "class": entry.who === "agent" ? "cw-who" : "cw-vh", text: speaker(entry) });
    item.appendChild(who);
    if (entry.text) {
      item.appendChild(entry.who === "user" ? el("p", { "class": "cw-text", text: entry.text }) : markdown(entry.text));
    }
    if (entry.image && safeUrl(entry.image)) {
      item.appendChild(el("img", { src: entry.image, alt: entry.alt || "Image from " + assistantName }));
    }
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", { "class": "cw-buttons", role: "group", "aria-label": "Choose an answer" });
      entry.buttons.forEach(function (button) {
        var b = el("button", { type: "button", "class": "cw-choice", text: button.title });
        if (entry.used) { b.disabled = true; }
        b.addEventListener("click", function () {
          entry.used = true;
          save("log", state.log);
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) { x.disabled = true; });
          input.focus();   // the used buttons are disabled, so focus moves on to the message box
          sendMessage(button.payload, button.title);
        });
        group.appendChild(b);
      });
      item.appendChild(group);
    }
    if (entry.tools && entry.tools.length && !entry.used) { item.appendChild(toolButtons(entry)); }
    if (entry.askHelpful) { item.appendChild(helpfulQuestion(entry, index)); }
    return item;
  }
  // "Use my location" and "Add a photo", offered when the assistant asks where or what.
  function toolButtons(entry) {
    var box = el("div", { "class": "cw-buttons" });
    if (entry.tools.indexOf("location") > -1 && navigator.geolocation) {
      var here = el("button", { type: "button", "class": "cw-choice", text: "Use my location" });
      here.addEventListener("click", function () {
        setStatus("Finding your location\u2026");
        navigator.geolocation.getCurrentPosition(function (position) {
          setStatus("");
          entry.used = true;
          save("log", state.log);
          box.remove();
          var payload = "/share_location" + JSON.stringify({
            latitude: Number(position.coords.latitude.toFixed(6)),
            longitude: Number(position.coords.longitude.toFixed(6)) });
          sendMessage(payload, "Use my location");
        }, function () {
          setStatus("We could not get your location. Type the street name instead.");
        }, { enableHighAccuracy: true, timeout: 15000 });
      });
      box.appendChild(here);
    }
    if (entry.tools.indexOf("photo") > -1) {
      var id = "cw-photo-" + Math.random().toString(36).slice(2);
      // The file picker is opened by the button, so it is kept out of the tab order.
      var picker = el("input", { type: "file", id: id, accept: "image/jpeg,image/png,image/webp,image/gif",
        "class": "cw-vh", tabindex: "-1", "aria-label": "Photo of the problem" });
      var add = el("button", { type: "button", "class": "cw-choice", text: "Add a photo" });
      add.addEventListener("click", function () { picker.click(); });
      picker.addEventListener("change", function () {
        var file = picker.files && picker.files[0];
        if (!file) { return; }
        if (file.size > 10 * 1024 * 1024) { setStatus("The photo must be smaller than 10MB."); return; }
        var body = new FormData();
        body.append("photo", file);
        setStatus("Uploading your photo\u2026");
        fetch(config.api + "/api/photos", { method: "POST", body: body, credentials: "omit" })
          .then(function (reply) { return reply.json().then(function (json) { return [reply.ok, json]; }); })
          .then(function (result) {
            if (!result[0]) { setStatus(result[1].error || "The photo could not be uploaded."); return; }
            setStatus("");
            entry.tools = entry.tools.filter(function (t) { return t !== "photo"; });
            save("log", state.log);
            add.remove();
            sendMessage("/add_photo" + JSON.stringify({ photo_url: result[1].url }), "Photo added");
          })
          .catch(function () { setStatus("The photo could not be uploaded. Try again."); });
      });
      box.appendChild(picker);
      box.appendChild(add);
    }
    return box;
  }
  function helpfulQuestion(entry) {
    var box = el("div", { "class": "cw-helpful", role: "group", "aria-label": "Was this helpful?" });
    if (entry.helpful) {
      box.appendChild(el("p", { text: "Thank you for your feedback." }));
      return box;
    }
    box.appendChild(el("p", { text: "Was this helpful?", "aria-hidden": "true" }));
    [["Yes", true], ["No", false]].forEach(function (answer) {
      var b = el("button", { type: "button", "class": "cw-choice cw-choice--small", text: answer[0] });
      b.addEventListener("click", function () {
        entry.helpful = answer[0];
        save("log", state.log);
        sendFeedback(entry, answer[1]);
        var thanks = el("p", { text: "Thank you for your feedback." });
        box.textContent = "";
        box.appendChild(thanks);
        input.focus();
      });
      box.appendChild(b);
    });
    return box;
  }
  function addEntry(entry) {
    state.log.push(entry);
    save("log", state.log);
    log.appendChild(renderEntry(entry, state.log.length - 1));
    log.scrollTop = log.scrollHeight;
  }
  function renderLog() {
    log.textContent = "";
    state.log.forEach(function (entry, index) { log.appendChild(renderEntry(entry, index)); });
    log.scrollTop = log.scrollHeight;
  }

  // ---- talking to the assistant (Rasa's socket.io channel) ----
  var socket = null;
  var typingTimer = null;
  var lostConnection = false;
  function setStatus(text) { status.textContent = text; }
  function typing(on) {
    clearTimeout(typingTimer);
    root.classList.toggle("cw--typing", on);
    setStatus(on ? assistantName + " is typing" : "");
    if (on) { typingTimer = setTimeout(function () { typing(false); }, 15000); }
  }
  function connect() {
    if (socket || typeof window.io !== "function") { return; }
    socket = window.io(config.server, { transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: state.session });
      if (lostConnection) { setStatus("Reconnected. You can carry on."); lostConnection = false; }
    });
    socket.on("disconnect", function () {
      lostConnection = true;
      setStatus("Connection lost. Trying to reconnect\u2026");
    });
    socket.on("bot_uttered", function (message) {
      typing(false);
      if (message.handoff) {
        setHandoff(message.handoff === "ended" ? null : message.handoff);
        return;
      }
      if (Array.isArray(message.widget)) {
        // Tools for the message just shown (sent as Rasa custom JSON).
        var last = state.log[state.log.length - 1];
        if (last && last.who !== "user") {
          last.tools = message.widget.filter(function (t) { return t === "location" || t === "photo"; });
          save("log", state.log);
          renderLog();
        }
        return;
      }
      var entry = { who: message.agent ? "agent" : "bot", name: message.agent || null, text: message.text || "" };
      var buttons = message.quick_replies || message.buttons || [];
      entry.buttons = buttons.map(function (b) { return { title: b.title, payload: b.payload }; });
      if (message.attachment && message.attachment.type === "image") {
        entry.image = message.attachment.payload && message.attachment.payload.src;
      }
      // Ask "Was this helpful?" after an answer that points somewhere (it has a link).
      entry.askHelpful = entry.who === "bot" && !entry.buttons.length && /\]\(https?:/.test(entry.text);
      if (entry.text || entry.image || entry.buttons.length) { addEntry(entry); }
    });
  }
  // ---- handover to an adviser: tell the contact centre the resident is still here ----
  var presenceTimer = null;
  function presence(left) {
    var body = JSON.stringify({ conversation_id: state.session, left: !!left });
    var url = config.api + "/api/handoff/presence";
    // text/plain keeps it a simple request: no preflight, and sendBeacon works as the page closes.
    if (left && navigator.sendBeacon) { navigator.sendBeacon(url, new Blob([body], { type: "text/plain" })); return; }
    if (window.fetch) {
      fetch(url, { method: "POST", headers: { "Content-Type": "text/plain" }, body: body, credentials: "omit",
        keepalive: !!left }).catch(function () { /* the next beat tries again */ });
    }
  }
  function setHandoff(value) {
    state.handoff = value || null;
    save("handoff", state.handoff);
    clearInterval(presenceTimer);
    presenceTimer = null;
    if (state.handoff) {
      presence(false);
      presenceTimer = setInterval(function () { presence(false); }, 20000);
    }
  }
  function leaveHandoff() {
    if (state.handoff) { presence(true); setHandoff(null); }
  }
  function sendMessage(payload, shown) {
    var text = String(payload || "").trim();
    if (!text) { return false; }
    connect();
    if (!socket) {
      // The chat's connection script did not load: say so, and keep what was typed.
      setStatus("Your message was not sent because the chat could not connect. Reload the page and try again.");
      return false;
    }
    addEntry({ who: "user", text: shown || text });
    // With an adviser, replies come when a person writes them: no "typing" promise.
    if (state.handoff) { setStatus(state.handoff === "waiting" ? "Sent. An adviser will reply when they join."
      : "Sent to the adviser."); } else { typing(true); }
    socket.emit("user_uttered", { message: text, session_id: state.session });
    return true;
  }
  function sendFeedback(entry, helpful) {
    var body = JSON.stringify({ conversation_id: state.session, message: entry.text.slice(0, 500), helpful: helpful });
    if (window.fetch) {
      fetch(config.api + "/api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
        body: body, credentials: "omit" }).catch(function () { /* feedback is best effort */ });
    }
  }

  // ---- opening, closing, keyboard ----
  function openPanel() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save("open", true);
    connect();
    if (!state.log.length) {
      addEntry({ who: "bot", text: "Hello. Ask me a question about council services, or type 'help' to see what I can do." });
    }
    input.focus();
  }
  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save("open", false);
    launcher.focus();
  }
  function startAgain() {
    leaveHandoff();
    state.session = newSessionId();
    state.log = [];
    save("session", state.session);
    save("log", []);
    if (socket) { socket.disconnect(); socket = null; }
    renderLog();
    openPanel();
  }
  function transcript() {
    return state.log.map(function (entry) {
      return speaker(entry) + " " + (entry.text || "").replace(/\\(.)/g, "$1");
    }).join("\n\n");
  }
  launcher.addEventListener("click", function () { if (panel.hidden) { openPanel(); } else { closePanel(); } });
  closeButton.addEventListener("click", closePanel);
  // Escape closes the chat from anywhere in it (or when focus has fallen back to the page).
  document.addEventListener("keydown", function (event) {
    var inside = panel.contains(document.activeElement) || document.activeElement === document.body;
    if (event.key === "Escape" && !panel.hidden && inside) { event.preventDefault(); closePanel(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sendMessage(input.value)) { input.value = ""; }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
  });
  restart.addEventListener("click", startAgain);
  end.addEventListener("click", function () {
    leaveHandoff();
    addEntry({ who: "bot", text: "You ended the chat. Choose 'Start again' to ask something else." });
    if (socket) { socket.disconnect(); socket = null; }
    state.session = newSessionId();
    save("session", state.session);
    closePanel();
  });
  download.addEventListener("click", function () {
    var file = new Blob([transcript()], { type: "text/plain" });
    var link = el("a", { href: URL.createObjectURL(file), download: "conversation.txt" });
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
  print.addEventListener("click", function () {
    var w = window.open("", "_blank");
    if (!w) { return; }
    w.document.title = config.title + " conversation";
    var pre = w.document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.textContent = transcript();
    w.document.body.appendChild(pre);
    w.print();
  });

  // ---- news of the resident's reports told while the chat was closed (the worker sends it) ----
  function catchUp() {
    if (!state.log.length || !window.fetch) { return; }
    fetch(config.api + "/api/news", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ conversation_id: state.session }), credentials: "omit" })
      .then(function (reply) { return reply.ok ? reply.json() : { news: [] }; })
      .then(function (body) {
        (body.news || []).forEach(function (text) {
          var shown = state.log.some(function (entry) { return entry.text === text; });
          if (!shown && typeof text === "string") { addEntry({ who: "bot", text: text, buttons: [] }); }
        });
      })
      .catch(function () { /* the next visit tries again */ });
  }

  function start() {
    document.body.appendChild(root);
    renderLog();
    if (state.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); connect(); }
    if (state.handoff) { setHandoff(state.handoff); }
    catchUp();
  }
  // The socket.io client is served beside this file.
  if (typeof window.io === "function") { start(); }
  else {
    var io = document.createElement("script");
    io.src = new URL("../vendor/socket.io.min.js", base).href;
    io.onload = start;
    io.onerror = function () { start(); setStatus("The chat cannot connect right now. Try again later."); };
    document.head.appendChild(io);
  }
  // Styles are served beside this file too.
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("widget.css", base).href;
  document.head.appendChild(css);
})();
