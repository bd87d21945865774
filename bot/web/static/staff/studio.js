/* The studio: a live preview of answers (the widget's own renderer) and publish progress. */
(function () {
  "use strict";
  var answer = document.getElementById("answer");
  var preview = document.getElementById("preview");
  var values = { council_phone: "01632 960 000", council_emergency_phone: "01632 960 999",
    council_website: "https://www.example.gov.uk", council_name: "the council",
    council_opening_hours: "Monday to Friday, 9am to 5pm" };
  function showPreview() {
    if (!window.CouncilChatMarkdown) { return; }
    var text = answer.value.replace(/\{(\w+)\}/g, function (all, name) { return values[name] || all; });
    var bubble = document.createElement("div");
    bubble.className = "cw-msg cw-msg--bot";
    bubble.appendChild(window.CouncilChatMarkdown(text));
    preview.textContent = "";
    preview.appendChild(bubble);
  }
  if (answer && preview) {
    // The widget's own styles, so the preview looks as residents will see it.
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/widget/widget.css";
    document.head.appendChild(css);
    answer.addEventListener("input", showPreview);
    window.addEventListener("load", showPreview);
  }

  var publish = document.getElementById("publish");
  if (publish && window.fetch) {
    var running = ["checking", "training", "evaluating"];
    var state = publish.getAttribute("data-state");
    if (running.indexOf(state) === -1) { return; }
    var timer = setInterval(function () {
      fetch("/studio/api/publishes/" + publish.getAttribute("data-publish"), { credentials: "same-origin" })
        .then(function (reply) { return reply.json(); })
        .then(function (data) {
          if (data.publish.state !== state) { clearInterval(timer); window.location.reload(); return; }
          document.getElementById("publish-progress").value = data.publish.progress;
          document.getElementById("publish-status").textContent = data.state_text + ". " + data.publish.stage;
        })
        .catch(function () { /* try again on the next tick */ });
    }, 2000);
  }
})();
