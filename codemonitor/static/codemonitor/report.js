/* Code Monitor: progressive enhancement of report pages.
   Without this script every page is a plain form that saves on Back / Save / Continue.
   With it: each field is saved as it changes, unsaved changes survive a lost connection
   (kept in this browser and sent again until the server confirms), relevance and errors
   follow the answers, documents upload on their own, times show in local time too. */
(function () {
  "use strict";

  function localTimes() {
    document.querySelectorAll("time.local-time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime()) || el.dataset.localised) return;
      el.dataset.localised = "1";
      var local = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
        { dateStyle: "long", timeStyle: "short" }).format(when);
      var span = document.createElement("span");
      span.className = "local";
      span.textContent = " — " + local + " (" + (Intl.DateTimeFormat().resolvedOptions().timeZone || "local") + ")";
      el.after(span);
    });
  }

  function countryFilters() {
    document.querySelectorAll(".country-filter").forEach(function (input) {
      input.hidden = false;
      var list = input.parentElement.querySelector(".country-list");
      input.addEventListener("input", function () {
        var term = input.value.trim().toLowerCase();
        list.querySelectorAll("label").forEach(function (label) {
          var checked = label.querySelector("input").checked;
          label.hidden = term !== "" && !checked && label.textContent.toLowerCase().indexOf(term) === -1;
        });
      });
    });
  }

  function preventDoubleSubmit() {
    document.querySelectorAll("form.submit-form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  }

  var root = document.getElementById("report");
  localTimes();
  countryFilters();
  preventDoubleSubmit();
  if (!root || !window.fetch) return;
  // Without a page form (the review page) the script still sends what an earlier page kept.
  var form = document.getElementById("page-form") || root;

  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]") ||
    document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!csrfInput) return;
  var csrf = csrfInput.value;
  var lastSent = {};
  var storeKey = "codemonitor-pending-" + root.dataset.report;
  var stateEl = document.getElementById("save-state");
  var timers = {};
  var retryDelay = 2000;
  var retryTimer = null;
  var inFlight = {};
  // While the server is unreachable (no connection, 502/503/504) saves are retried until they
  // go through, and /healthz is asked every 2 s: as soon as it answers, what waits is sent.
  // Another server error is retried a few times only, then shown; the value stays typed.
  var healthUrl = root.dataset.healthz;
  var healthTimer = null;
  var HEALTH_EVERY = 2000;
  var RETRY_AFTER_MOST = 10000;
  var SERVER_ERRORS_MOST = 3;
  var serverErrors = {};
  var gaveUp = {};

  function setState(name) {
    if (!stateEl) return;
    stateEl.textContent = stateEl.dataset[name] || "";
    stateEl.className = "save-state " + name;
  }

  function pending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function setPending(all) {
    try {
      if (Object.keys(all).length) localStorage.setItem(storeKey, JSON.stringify(all));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: the in-memory retry still runs */ }
  }
  var memoryPending = pending();

  function fieldOf(el) { return el.closest(".field[data-key]"); }

  function readValue(field) {
    var inputs = field.querySelectorAll("input[name='" + field.dataset.key + "'], textarea[name='" + field.dataset.key + "'], select[name='" + field.dataset.key + "']");
    var kind = field.dataset.kind;
    if (kind === "select_multiple") {
      var values = [];
      inputs.forEach(function (i) { if (i.checked) values.push(i.value); });
      return { multiple: true, value: values };
    }
    var value = "";
    inputs.forEach(function (i) {
      if (i.type === "radio") { if (i.checked) value = i.value; }
      else value = i.value;
    });
    return { multiple: false, value: value };
  }

  function writeValue(field, value) {
    var key = field.dataset.key;
    field.querySelectorAll("[name='" + key + "']").forEach(function (i) {
      if (i.type === "checkbox") i.checked = Array.isArray(value) && value.indexOf(i.value) !== -1;
      else if (i.type === "radio") i.checked = (i.value === (value === null ? "" : String(value)));
      else i.value = value === null || value === undefined ? "" : (Array.isArray(value) ? value.join(" ") : String(value));
    });
  }

  function versionInput(key) { return form.querySelector("input[data-version-for='" + key + "']"); }

  function queue(field) {
    var key = field.dataset.key;
    var read = readValue(field);
    var signature = JSON.stringify(read.value);
    if (lastSent[key] === signature && !memoryPending[key]) return;  // "change" after "input"
    lastSent[key] = signature;
    delete gaveUp[key]; delete serverErrors[key];  // a new value: try again from the start
    var version = versionInput(key);
    memoryPending[key] = { value: read.value, multiple: read.multiple,
                           version: version ? version.value : "", page: root.dataset.page };
    setPending(memoryPending);
    send(key);
  }

  function send(key) {
    var item = memoryPending[key];
    if (!item || inFlight[key]) return;
    inFlight[key] = true;
    setState("saving");
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("field", key);
    body.append("page", item.page || root.dataset.page);
    body.append("version", item.version || "");
    if (item.multiple) {
      body.append("multiple", "1");
      item.value.forEach(function (v) { body.append("value", v); });
    } else body.append("value", item.value);
    // keepalive lets a save finish after the page is left; browsers cap such bodies at 64 KB.
    var text = body.toString();
    fetch(root.dataset.autosave, { method: "POST", body: text, credentials: "same-origin",
                                    keepalive: text.length < 60000,
                                    headers: { "Accept": "application/json",
                                               "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (response) {
        var after = parseInt(response.headers.get("Retry-After") || "", 10);
        return response.json().then(function (data) { return { status: response.status, data: data, after: after }; },
                                    function () { return { status: response.status, data: {}, after: after }; });
      })
      .then(function (result) {
        inFlight[key] = false;
        var current = memoryPending[key];
        var sameAsSent = current === item;
        if (result.status === 200 && result.data.saved) {
          var v = versionInput(key);
          if (v) v.value = result.data.version;
          var d = form.querySelector("input[name='d" + key + "']");
          if (d && result.data.digest) d.value = result.data.digest;
          if (sameAsSent) { delete memoryPending[key]; setPending(memoryPending); }
          else if (current) { current.version = String(result.data.version); send(key); }
          applyState(result.data, key);
          retryDelay = 2000;
          delete serverErrors[key];
          if (!waiting().length) setState(Object.keys(gaveUp).length ? "error" : "saved");
        } else if (result.status === 409 && result.data.conflict) {
          delete memoryPending[key]; setPending(memoryPending);
          showConflict(key, item, result.data);
        } else if (result.status === 401) {
          // The session ended: keep the value here and send it after signing in again.
          setState("signin");
          if (stateEl && result.data.sign_in) {
            stateEl.textContent = result.data.error + " ";
            var link = document.createElement("a");
            link.href = result.data.sign_in; link.textContent = stateEl.dataset.signin || "→";
            stateEl.appendChild(link);
          }
        } else if (result.status >= 400 && result.status < 500 && result.status !== 429 && result.status !== 408) {
          delete memoryPending[key]; setPending(memoryPending);
          setState("failed");
          if (stateEl && result.data.error) stateEl.textContent = result.data.error;
          // A value that cannot be stored: say so on the field, which keeps what was typed.
          var refusedEl = result.data.field ? document.getElementById("e-" + key) : null;
          if (refusedEl) { refusedEl.textContent = result.data.error; refusedEl.closest(".field").classList.add("has-error"); }
        } else if (result.status === 502 || result.status === 503 || result.status === 504) {
          // The server is there but cannot work now (its database is down, say).
          scheduleRetry("unavailable", result.after);
          watchHealth();
        } else if (result.status >= 500) {
          serverErrors[key] = (serverErrors[key] || 0) + 1;
          if (serverErrors[key] < SERVER_ERRORS_MOST) { scheduleRetry("failed"); return; }
          // Kept in this browser (and sent again when the page is opened again), no longer
          // retried by itself: the person sees what went wrong.
          gaveUp[key] = true;
          setState("error");
          if (stateEl) stateEl.textContent = (result.data.error ? result.data.error + " " : "") + (stateEl.dataset.error || "");
        } else { scheduleRetry("failed"); }
      })
      .catch(function () {
        inFlight[key] = false;
        scheduleRetry(navigator.onLine === false ? "offline" : "unavailable");
        watchHealth();
      });
  }

  function waiting() {
    return Object.keys(memoryPending).filter(function (key) { return !gaveUp[key]; });
  }
  function sendWaiting() { waiting().forEach(send); }

  function scheduleRetry(state, afterSeconds) {
    setState(state);
    if (retryTimer) return;
    // Retry-After, when the server gave one, but never a long wait.
    var delay = afterSeconds > 0 ? Math.min(afterSeconds * 1000, RETRY_AFTER_MOST) : retryDelay;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      retryDelay = Math.min(retryDelay * 2, 30000);
      sendWaiting();
    }, delay);
  }

  function serverBack() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    retryDelay = 2000;
    sendWaiting();
  }

  function watchHealth() {
    if (healthTimer || !healthUrl) return;
    healthTimer = setTimeout(function check() {
      if (!waiting().length) { healthTimer = null; return; }
      fetch(healthUrl, { cache: "no-store", credentials: "omit", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && data.status !== "down") { healthTimer = null; serverBack(); }
          else healthTimer = setTimeout(check, HEALTH_EVERY);
        }, function () { healthTimer = setTimeout(check, HEALTH_EVERY); });
    }, HEALTH_EVERY);
  }
  window.addEventListener("online", serverBack);

  function applyState(data, savedKey) {
    if (!data.visible || String(data.page) !== root.dataset.page) return;
    var visible = {};
    data.visible.forEach(function (k) { visible[k] = true; });
    form.querySelectorAll("[data-key]").forEach(function (el) {
      el.hidden = !visible[el.dataset.key];
    });
    form.querySelectorAll(".field[data-key]").forEach(function (el) {
      var key = el.dataset.key;
      var message = data.errors[key] || "";
      var errorEl = document.getElementById("e-" + key);
      if (!errorEl) return;
      // A new error shows on the field just saved; existing ones update or clear.
      if (key === savedKey || errorEl.textContent !== "" || message === "") {
        errorEl.textContent = message;
        el.classList.toggle("has-error", message !== "");
      }
    });
    var done = document.getElementById("progress-done");
    if (done) done.textContent = data.done;
    var bar = document.getElementById("progress-bar");
    if (bar) bar.value = data.done;
  }

  function showConflict(key, mine, data) {
    var field = form.querySelector(".field[data-key='" + key + "']");
    if (!field) return;
    setState("conflict");
    var box = document.createElement("div");
    box.className = "conflict";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    var theirs = data.theirs === null || data.theirs === undefined ? "—" :
      (Array.isArray(data.theirs) ? data.theirs.join(", ") : String(data.theirs));
    var yours = Array.isArray(mine.value) ? mine.value.join(", ") : String(mine.value);
    text.textContent = (stateEl ? stateEl.dataset.conflict : "") + ": " + theirs + "  ≠  " + yours;
    var keep = document.createElement("button");
    keep.type = "button"; keep.textContent = "✓ " + yours.slice(0, 40);
    keep.className = "secondary small keep-mine";
    var take = document.createElement("button");
    take.type = "button"; take.textContent = "✓ " + theirs.slice(0, 40);
    take.className = "secondary small keep-theirs";
    keep.addEventListener("click", function () {
      var v = versionInput(key); if (v) v.value = data.version;
      box.remove(); queue(field);
    });
    take.addEventListener("click", function () {
      var v = versionInput(key); if (v) v.value = data.version;
      writeValue(field, data.theirs); box.remove(); setState("saved");
    });
    box.append(text, keep, take);
    field.appendChild(box);
  }

  form.addEventListener("input", function (event) {
    var field = fieldOf(event.target);
    if (!field || event.target.type === "file" || event.target.type === "search") return;
    var key = field.dataset.key;
    clearTimeout(timers[key]);
    var immediate = ["radio", "checkbox", "date"].indexOf(event.target.type) !== -1 || event.target.tagName === "SELECT";
    timers[key] = setTimeout(function () { delete timers[key]; queue(field); },
                             immediate ? 0 : 700);
  });
  form.addEventListener("change", function (event) {
    var field = fieldOf(event.target);
    if (!field) return;
    if (event.target.type === "file") { uploadFiles(field, event.target); return; }
    if (event.target.type === "search") return;
    clearTimeout(timers[field.dataset.key]);
    queue(field);
  });

  function uploadFiles(field, input) {
    var key = field.dataset.key;
    var errorEl = document.getElementById("e-" + key);
    Array.prototype.forEach.call(input.files, function (file) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrf);
      data.append(key, file);
      setState("saving");
      fetch(root.dataset.upload, { method: "POST", body: data, credentials: "same-origin",
                                    headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json().then(function (d) { return { status: response.status, data: d }; }); })
        .then(function (result) {
          if (result.status === 200) {
            if (errorEl) errorEl.textContent = "";
            renderFiles(key, result.data.files);
            setState("saved");
          } else {
            if (errorEl) errorEl.textContent = result.data.error || "";
            setState("saved");
          }
        })
        .catch(function () { if (errorEl) errorEl.textContent = stateEl ? stateEl.dataset.offline : ""; setState("offline"); });
    });
    input.value = "";
  }

  function renderFiles(key, files) {
    var list = document.getElementById("files-" + key);
    if (!list) return;
    var template = list.dataset.removeLabel || "×";
    list.innerHTML = "";
    files.forEach(function (f) {
      var li = document.createElement("li");
      li.dataset.document = f.id;
      var a = document.createElement("a");
      a.href = f.url; a.textContent = f.name;
      var button = document.createElement("button");
      button.type = "submit"; button.name = "action"; button.value = "remove_file:" + f.id;
      button.className = "link-button remove-document";
      button.dataset.removeUrl = f.url + "remove/";
      button.textContent = template;
      li.append(a, document.createTextNode(" (" + (f.size / 1048576).toFixed(1) + " MB) "), button);
      list.appendChild(li);
    });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button.remove-document");
    if (!button) return;
    event.preventDefault();
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf);
    fetch(button.dataset.removeUrl, { method: "POST", body: body, credentials: "same-origin",
                                       headers: { "Accept": "application/json" } })
      .then(function (response) { if (response.ok) button.closest("li").remove(); });
  });

  // Whatever was not confirmed before the page was left goes back into the fields and is sent.
  Object.keys(memoryPending).forEach(function (key) {
    var field = form.querySelector(".field[data-key='" + key + "']");
    if (field) writeValue(field, memoryPending[key].value);
    send(key);
  });
  if (!Object.keys(memoryPending).length) setState("saved");
  function flushTimers() {
    Object.keys(timers).forEach(function (key) {
      clearTimeout(timers[key]);
      delete timers[key];
      var field = form.querySelector(".field[data-key='" + key + "']");
      if (field) queue(field);
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("a[href], button[type=submit]")) flushTimers();
  }, true);
  window.addEventListener("pagehide", flushTimers);
  // Leaving the page sends what is still waiting (keepalive requests outlive the page); what
  // does not arrive stays in this browser and is sent from the next page of this report.
  window.addEventListener("beforeunload", flushTimers);
})();
