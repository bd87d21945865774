/* The console, live: the server streams HTML fragments it built and escaped
   (server-sent events); this script only puts them in place and sends replies. */
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var conversation = document.getElementById("conversation");
  var id = conversation ? conversation.getAttribute("data-escalation") : null;
  var source = new EventSource("/console/api/stream" + (id ? "?conversation=" + encodeURIComponent(id) : ""));
  var lastLines = null;

  function put(elementId, html) {
    var target = document.getElementById(elementId);
    if (!target || target.getAttribute("data-html") === html) { return; }
    // Keep what an adviser is typing when the actions are redrawn.
    var typing = document.getElementById("reply-text");
    var draft = typing ? typing.value : null;
    var focused = document.activeElement && target.contains(document.activeElement) ? document.activeElement.id : null;
    target.innerHTML = html;
    target.setAttribute("data-html", html);
    var again = document.getElementById("reply-text");
    if (again && draft !== null) { again.value = draft; }
    if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
    bindReplyForm();
  }

  source.addEventListener("queue", function (event) {
    var data = JSON.parse(event.data);
    if (conversation) { return; }
    put("queue-waiting", data.waiting);
    put("queue-active", data.active);
    put("queue-callbacks", data.callbacks);
    var summary = document.getElementById("queue-summary");
    if (summary && summary.textContent !== data.summary) { summary.textContent = data.summary; }
  });

  source.addEventListener("conversation", function (event) {
    var data = JSON.parse(event.data);
    var log = document.getElementById("conversation-transcript");
    var list = log ? log.querySelector(".transcript") : null;
    var atBottom = !list || list.scrollTop + list.clientHeight >= list.scrollHeight - 20;
    put("conversation-transcript", data.transcript);
    put("conversation-status", data.status);
    put("conversation-details", data.details);
    put("conversation-reports", data.reports);
    put("conversation-actions", data.actions);
    list = log ? log.querySelector(".transcript") : null;
    if (list && atBottom) { list.scrollTop = list.scrollHeight; }
    if (lastLines !== null && data.lines > lastLines && data.last_resident) {
      document.getElementById("new-message").textContent = "The resident said: " + data.last_resident;
    }
    lastLines = data.lines;
  });

  function bindReplyForm() {
    var form = document.getElementById("reply-form");
    if (!form || form.getAttribute("data-bound")) { return; }
    form.setAttribute("data-bound", "yes");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter;
      var text = document.getElementById("reply-text");
      var body = { text: text.value };
      if (submitter && submitter.name === "saved") { body = { saved: submitter.value }; }
      var status = document.getElementById("reply-status");
      fetch(form.action, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
          "X-CSRF-Token": form.querySelector("input[name=csrf_token]").value },
        body: JSON.stringify(body) })
        .then(function (reply) { return reply.json().then(function (json) { return [reply.ok, json]; }); })
        .then(function (result) {
          if (result[0]) {
            if (!body.saved) { text.value = ""; }
            status.textContent = "Reply sent.";
            text.focus();
          } else {
            status.textContent = result[1].error || "Your reply was not sent. Try again.";
          }
        })
        .catch(function () { status.textContent = "Your reply was not sent. Check your connection and try again."; });
    });
  }
  bindReplyForm();
})();
