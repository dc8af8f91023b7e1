/* ID-card reader enrolment (R0.4): the browser asks the vendor's local bridge for the card on the reader
   (GET data-bridge-url, e.g. http://127.0.0.1:19196/readcard, answering partyName, gender, nation, bornDay,
   certAddress, certNumber, certOrg, effDate, expDate and identityPic as base64), shows the name, the
   masked number and the chip photo, and posts {subject, card} as JSON to the platform (data-post-url),
   which validates and enrols. The full number is never put on the page (X7). No build step, no library. */
(function () {
  "use strict";

  var root = document.getElementById("cardreader");
  if (!root) {
    return;
  }
  var bridgeUrl = root.dataset.bridgeUrl;
  var postUrl = root.dataset.postUrl;
  var button = document.getElementById("card-read");
  var select = document.getElementById("card-subject");
  var preview = document.getElementById("card-preview");
  var photo = document.getElementById("card-photo");
  var nameBox = document.getElementById("card-name");
  var numberBox = document.getElementById("card-number");
  var statusBox = document.getElementById("card-status");
  var errorBox = document.getElementById("card-errors");
  var BRIDGE_TIMEOUT_MS = 15000;

  function mask(number) {
    var text = String(number || "").trim();
    if (text.length <= 7) {
      return text.slice(0, 1) + "*".repeat(Math.max(0, text.length - 1));
    }
    return text.slice(0, 3) + "*".repeat(text.length - 7) + text.slice(-4);
  }

  function photoUrl(picture) {
    var text = String(picture || "").replace(/\s+/g, "");
    if (!text) {
      return "";
    }
    if (text.indexOf("data:") === 0) {
      return text;
    }
    var type = "image/jpeg";
    if (text.indexOf("Qk") === 0) {
      type = "image/bmp"; // "BM"
    } else if (text.indexOf("iVBOR") === 0) {
      type = "image/png";
    }
    return "data:" + type + ";base64," + text;
  }

  // Some bridges wrap the card: {"resultFlag": 0, "resultContent": {...}} or {"data": {...}}.
  function unwrap(data) {
    if (data && typeof data === "object" && !("certNumber" in data)) {
      var keys = ["resultContent", "data", "result", "card"];
      for (var i = 0; i < keys.length; i++) {
        if (data[keys[i]] && typeof data[keys[i]] === "object") {
          return data[keys[i]];
        }
      }
    }
    return data;
  }

  function setStatus(text) {
    statusBox.textContent = text || "";
  }

  function showErrors(lines) {
    errorBox.textContent = "";
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      errorBox.appendChild(div);
    });
  }

  function problemLines(body) {
    var lines = [];
    if (body && Array.isArray(body.errors) && body.errors.length) {
      body.errors.forEach(function (e) {
        var where = e.record ? e.record + ": " : "";
        lines.push(where + e.message_zh + " / " + e.message_en);
      });
    } else if (body && body.message) {
      lines.push(body.message.zh + " / " + body.message.en);
    }
    return lines.length ? lines : [root.dataset.msgFailed];
  }

  function showCard(card) {
    nameBox.textContent = card.partyName || "";
    numberBox.textContent = mask(card.certNumber);
    var url = photoUrl(card.identityPic);
    if (url) {
      photo.src = url;
      photo.hidden = false;
    } else {
      photo.removeAttribute("src");
      photo.hidden = true;
    }
    preview.hidden = false;
  }

  function readBridge() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, BRIDGE_TIMEOUT_MS) : null;
    return fetch(bridgeUrl, { method: "GET", cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        // The bridge answered: whatever went wrong, it is not "unreachable" (e.g. no card on the reader).
        if (!response.ok) {
          var failed = new Error("bridge answered " + response.status);
          failed.answered = true;
          throw failed;
        }
        return response.json().catch(function () {
          var garbled = new Error("bridge answered with no JSON");
          garbled.answered = true;
          throw garbled;
        });
      })
      .finally(function () {
        if (timer) {
          window.clearTimeout(timer);
        }
      });
  }

  function enrol(subject, card) {
    var token = root.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(postUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ subject: Number(subject), card: card }),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, body: body };
      });
    });
  }

  function done() {
    button.disabled = false;
  }

  button.addEventListener("click", function () {
    showErrors([]);
    var subject = select.value;
    if (!subject) {
      showErrors([root.dataset.msgChoose]);
      return;
    }
    button.disabled = true;
    preview.hidden = true;
    setStatus(root.dataset.msgReading);
    readBridge()
      .then(
        function (data) {
          var card = unwrap(data);
          if (!card || typeof card !== "object" || !(card.certNumber || card.partyName)) {
            var error = new Error("no card");
            error.noCard = true;
            throw error;
          }
          return card;
        },
        function (failure) {
          var error = new Error(failure && failure.answered ? "no card" : "unreachable");
          if (failure && failure.answered) {
            error.noCard = true;
          } else {
            error.unreachable = true;
          }
          throw error;
        }
      )
      .then(function (card) {
        showCard(card);
        setStatus(root.dataset.msgEnrolling);
        return enrol(subject, card);
      })
      .then(function (result) {
        if (result.ok) {
          // A new query string each time, so the page always reloads; the anchor shows the new row.
          window.location.assign(
            window.location.pathname + "?subject=" + encodeURIComponent(subject) + "&enrolled=" +
              encodeURIComponent(result.body.enrolment) + "#enrolment-" + encodeURIComponent(result.body.enrolment)
          );
          return;
        }
        setStatus("");
        showErrors(problemLines(result.body));
        done();
      })
      .catch(function (error) {
        setStatus("");
        var message = root.dataset.msgFailed;
        if (error && error.unreachable) {
          message = root.dataset.msgUnreachable;
        } else if (error && error.noCard) {
          message = root.dataset.msgBadCard;
        }
        showErrors([message]);
        done();
      });
  });
})();
