// The hardware status page: the restaurant's printers with their state, the print queue,
// a test print per printer and (managers) retry/cancel per job, all through the REST API.
// Tokens live in sessionStorage: one login per tab, gone when the tab closes. Every text
// from the server goes through textContent, never innerHTML.
"use strict";

(function () {
  const API = "/api/v1";
  const STORE = "hardware.tokens";
  const RELOAD_MS = 5000;
  const AFTER_ACTION_MS = 1000;    // a job just queued is usually sent within a second
  const $ = (id) => document.getElementById(id);

  let tokens = load();
  let refreshing = null;
  let timer = null;

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE)) || null; } catch (e) { return null; }
  }

  function keep(data) {
    const user = data.user || {};
    tokens = { access: data.access_token, refresh: data.refresh_token,
               user: user.name || (tokens && tokens.user) || "",
               manager: user.roles ? user.roles.some((r) => r === "manager" || r === "admin" ||
                                                         r === "platform_owner")
                                   : Boolean(tokens && tokens.manager) };
    sessionStorage.setItem(STORE, JSON.stringify(tokens));
  }

  function forget() {
    tokens = null;
    sessionStorage.removeItem(STORE);
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "class") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(typeof child === "string" ? document.createTextNode(child) : child);
      }
    }
    return node;
  }

  function problem(text) {
    $("problem").textContent = text || "";
    $("problem").hidden = !text;
  }

  function notice(text) {
    $("notice").textContent = text || "";
    $("notice").hidden = !text;
  }

  // -- REST -------------------------------------------------------------------------------

  async function request(method, path, body, retried) {
    const headers = { "Accept": "application/json" };
    if (tokens) headers.Authorization = "Bearer " + tokens.access;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
    });
    if (response.status === 401 && tokens && !retried && path.indexOf("/auth/") !== 0) {
      if (await refresh()) return request(method, path, body, true);
      showLogin("Your session ended: log in again.");
      throw new Error("not logged in");
    }
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    if (!response.ok) {
      const error = (answer && answer.error) || {};
      throw new Error(error.message || ("HTTP " + response.status));
    }
    return answer;
  }

  function refresh() {
    if (!tokens) return Promise.resolve(false);
    if (!refreshing) {
      refreshing = fetch(API + "/auth/refresh", {
        method: "POST", credentials: "omit",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ refresh_token: tokens.refresh }),
      }).then(async (response) => {
        if (!response.ok) { forget(); return false; }
        keep((await response.json()).data);
        return true;
      }).catch(() => false).finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // -- rendering ----------------------------------------------------------------------------

  function when(value) {
    if (!value) return "";
    const date = new Date(value);
    return isNaN(date) ? String(value) : date.toLocaleString();
  }

  function address(printer) {
    if (printer.connection === "network") return (printer.host || "") + ":" + (printer.port || "");
    return printer.connection + (printer.device ? " " + printer.device : "");
  }

  function printerRow(printer) {
    const test = el("button", { type: "button", "data-action": "test",
                                "data-printer-id": String(printer.id) }, "Test print");
    test.addEventListener("click", () => act(test, "/hardware/printers/" + printer.id + "/test",
                                             "Test page queued for " + printer.name));
    return el("tr", { "data-printer-id": String(printer.id), "data-status": printer.status },
      el("td", { class: "name" }, printer.name),
      el("td", null, printer.role || ""),
      el("td", null, address(printer)),
      el("td", null, el("span", { class: "status", "data-status": printer.status },
                        printer.status)),
      el("td", { class: "error" }, printer.last_error || ""),
      el("td", null, when(printer.last_ok_date)),
      el("td", { class: "queued" }, String(printer.queued_jobs || 0)),
      el("td", { class: "failed" }, String(printer.failed_jobs || 0)),
      el("td", null, test));
  }

  function jobRow(job, names) {
    const actions = el("td", { class: "actions" });
    if (tokens && tokens.manager) {
      if (job.state === "failed" || job.state === "cancelled") {
        const retry = el("button", { type: "button", "data-action": "retry" }, "Retry");
        retry.addEventListener("click", () => act(retry, "/hardware/jobs/" + job.id + "/retry",
                                                  "Job " + job.id + " queued again"));
        actions.append(retry);
      }
      if (job.state === "queued" || job.state === "failed") {
        const cancel = el("button", { type: "button", "data-action": "cancel" }, "Cancel");
        cancel.addEventListener("click", () => act(cancel, "/hardware/jobs/" + job.id + "/cancel",
                                                   "Job " + job.id + " cancelled"));
        actions.append(cancel);
      }
    }
    return el("tr", { "data-job-id": String(job.id), "data-state": job.state },
      el("td", null, String(job.id) + (job.is_copy ? " (copy)" : "")),
      el("td", null, names[job.printer_id] || String(job.printer_id)),
      el("td", null, job.kind),
      el("td", null, el("span", { class: "status", "data-state": job.state }, job.state)),
      el("td", null, String(job.attempts)),
      el("td", { class: "error" }, job.last_error || ""),
      el("td", null, when(job.create_date)),
      actions);
  }

  function render(status, jobs) {
    const printers = status.printers || [];
    const names = {};
    for (const printer of printers) names[printer.id] = printer.name;
    $("sending").textContent = status.sending ? "queue running here" : "queue not sent from here";
    $("sending").dataset.state = status.sending ? "sending" : "idle";
    $("printers").querySelector("tbody").replaceChildren(...printers.map(printerRow));
    $("no-printers").hidden = printers.length > 0;
    $("printers").hidden = printers.length === 0;
    $("jobs").querySelector("tbody").replaceChildren(...jobs.map((j) => jobRow(j, names)));
    $("no-jobs").hidden = jobs.length > 0;
    $("jobs").hidden = jobs.length === 0;
  }

  async function reload() {
    clearTimeout(timer);
    try {
      const [status, jobs] = await Promise.all([
        request("GET", "/hardware/status"), request("GET", "/hardware/jobs?limit=50")]);
      render(status.data, jobs.data);
      problem("");
    } catch (error) {
      if (tokens) problem("Cannot load the hardware status: " + error.message);
    }
    if (tokens) timer = setTimeout(reload, RELOAD_MS);
  }

  async function act(button, path, done) {
    button.disabled = true;
    try {
      await request("POST", path, {});
      notice(done);
      problem("");
    } catch (error) {
      problem(error.message);
    } finally {
      button.disabled = false;
    }
    await reload();
    clearTimeout(timer);
    if (tokens) timer = setTimeout(reload, AFTER_ACTION_MS);
  }

  // -- login ----------------------------------------------------------------------------------

  function showLogin(message) {
    clearTimeout(timer);
    forget();
    $("board").hidden = true;
    $("logout").hidden = true;
    $("reload").hidden = true;
    $("who").textContent = "";
    $("login").hidden = false;
    $("login-error").textContent = message || "";
  }

  function start() {
    $("login").hidden = true;
    $("board").hidden = false;
    $("logout").hidden = false;
    $("reload").hidden = false;
    $("who").textContent = tokens.user || "";
    reload();
  }

  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-submit").disabled = true;
    $("login-error").textContent = "";
    try {
      const answer = await request("POST", "/auth/login", {
        username: $("username").value, password: $("password").value });
      keep(answer.data);
      $("password").value = "";
      start();
    } catch (error) {
      $("login-error").textContent = error.message;
    } finally {
      $("login-submit").disabled = false;
    }
  });

  $("logout").addEventListener("click", async () => {
    try { await request("POST", "/auth/logout", {}); } catch (e) { /* leaving anyway */ }
    showLogin("");
  });

  $("reload").addEventListener("click", () => reload());

  if (tokens) start(); else showLogin("");
})();
