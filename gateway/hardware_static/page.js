// The hardware status page: the restaurant's printers with their state, the print queue,
// a test print per printer and (managers) retry/cancel per job, all through the REST API.
// Tokens live in sessionStorage: one login per tab, gone when the tab closes. Every text
// from the server goes through textContent, never innerHTML.
"use strict";

(function () {
  const RELOAD_MS = 5000;
  const AFTER_ACTION_MS = 1000;    // a job just queued is usually sent within a second
  const $ = (id) => document.getElementById(id);
  const el = window.el;
  const session = window.RestSession("hardware.tokens", {
    expired: () => showLogin("Your session ended: log in again."),
  });
  const request = session.request;
  const MANAGERS = new Set(["manager", "admin", "platform_owner"]);
  const isManager = () => Boolean(session.tokens &&
                                  (session.tokens.roles || []).some((r) => MANAGERS.has(r)));

  let timer = null;

  function problem(text) {
    $("problem").textContent = text || "";
    $("problem").hidden = !text;
  }

  function notice(text) {
    $("notice").textContent = text || "";
    $("notice").hidden = !text;
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
    if (isManager()) {
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
      if (session.tokens) problem("Cannot load the hardware status: " + error.message);
    }
    if (session.tokens) timer = setTimeout(reload, RELOAD_MS);
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
    if (session.tokens) timer = setTimeout(reload, AFTER_ACTION_MS);
  }

  // -- login ----------------------------------------------------------------------------------

  function showLogin(message) {
    clearTimeout(timer);
    session.forget();
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
    $("who").textContent = session.tokens.user || "";
    reload();
  }

  session.wire(start, showLogin);

  $("reload").addEventListener("click", () => reload());

  if (session.tokens) start(); else showLogin("");
})();
