// The kitchen display: open orders of one restaurant, reloaded from the REST API whenever
// the kitchen channel's socket says something changed (simple, and always what the server
// holds). Tokens live in sessionStorage: one login per tab, gone when the tab closes.
// Every text from the server goes through textContent, never innerHTML.
"use strict";

(function () {
  const API = "/api/v1";
  const RELOADING = new Set(["order_created", "kitchen_update", "order_status_changed",
                             "order_paid"]);
  const NEXT = { new: ["preparing", "Start"], preparing: ["ready", "Ready"],
                 ready: ["served", "Served"] };
  const LABEL = { new: "new", preparing: "preparing", ready: "ready", served: "served" };
  const LATE_SECONDS = 15 * 60;
  const PING_MS = 25000;
  const MAX_BACKOFF_MS = 30000;
  const RELOAD_GAP_MS = 500;

  const match = /^\/kds\/(\d+)\/?$/.exec(window.location.pathname);
  const restaurantId = match ? Number(match[1]) : 0;
  const $ = (id) => document.getElementById(id);
  const el = window.el;
  const session = window.RestSession("kds.tokens", {
    // a fresh access token goes to the open socket too, before the old one expires
    refreshed: (tokens) => {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "auth", token: tokens.access }));
      }
    },
    expired: () => showLogin("Your session ended: log in again."),
  });
  const request = session.request;
  const refresh = session.refresh;

  let socket = null;
  let lastId = 0;              // the highest bus id seen: a reconnect resumes after it
  let backoff = 1000;
  let reconnectTimer = null;
  let pingTimer = null;
  let reloadTimer = null;
  let loadSeq = 0;
  let lastLoad = 0;
  let stopped = false;         // not allowed here: no more reconnecting

  function problem(text) {
    $("problem").textContent = text || "";
    $("problem").hidden = !text;
  }

  function connection(state) {
    $("connection").dataset.state = state;
    $("connection").textContent = state;
  }

  // -- the board ----------------------------------------------------------------------------

  async function reload() {
    const seq = ++loadSeq;
    lastLoad = Date.now();
    try {
      const answer = await request("GET", "/kitchen/" + restaurantId + "/orders");
      if (seq === loadSeq) { render(answer.data); problem(""); }
    } catch (error) {
      if (seq !== loadSeq || !session.tokens) return;
      if (error.status === 404) {
        problem("You may not see this restaurant's kitchen.");
        stop();
      } else if (error.status === 429) {     // the user's request budget: try again later
        problem("Too many requests: the orders reload in " + (error.retryAfter || 5) + " s.");
        clearTimeout(reloadTimer);
        reloadTimer = setTimeout(reload, (error.retryAfter || 5) * 1000);
      } else {
        problem("Could not load the orders: " + error.message);
      }
    }
  }

  // A burst of notifications (a whole order moving line by line) is one reload, and reloads
  // are at least RELOAD_GAP_MS apart: the screens of one kitchen share the user's rate limit.
  function reloadSoon() {
    clearTimeout(reloadTimer);
    const wait = Math.max(30, lastLoad + RELOAD_GAP_MS - Date.now());
    reloadTimer = setTimeout(reload, wait);
  }

  function ageText(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    if (minutes < 60) return minutes + ":" + rest;
    return Math.floor(minutes / 60) + "h" + String(minutes % 60).padStart(2, "0");
  }

  function moveButton(status, onClick, extra) {
    const next = NEXT[status];
    if (!next) return null;
    const button = el("button", Object.assign({ type: "button", "data-action": next[0] }, extra),
                      next[1]);
    button.addEventListener("click", () => {
      button.disabled = true;
      onClick(next[0]).catch((error) => {
        problem("Could not move it: " + error.message);
        button.disabled = false;
      });
    });
    return button;
  }

  function card(order) {
    const placed = Date.now() - order.age_seconds * 1000;
    const age = el("span", { class: "age", "data-since": String(placed) },
                   ageText(order.age_seconds));
    const lines = el("ul", {});
    for (const line of order.lines) {
      lines.append(el("li", { "data-line-id": String(line.id), "data-status": line.kitchen_status },
        el("span", { class: "what" }, String(line.qty) + " × " + (line.product || "?"),
           line.note ? el("span", { class: "note" }, " (" + line.note + ")") : null),
        el("span", { class: "state" }, LABEL[line.kitchen_status] || line.kitchen_status),
        moveButton(line.kitchen_status, (status) => move(
          "/orders/" + order.id + "/lines/" + line.id + "/status", status),
          { "data-line-id": String(line.id) })));
    }
    return el("article", { class: "order", "data-order-id": String(order.id),
                           "data-status": order.kitchen_status },
      el("div", { class: "head" }, el("span", { class: "name" }, order.name), age),
      el("div", { class: "meta" },
         el("span", { class: "table" }, order.table ? order.table.name || "" : "no table"),
         " · ", el("span", { class: "waiter" }, order.waiter ? order.waiter.name || "" : ""),
         " · ", el("span", { class: "status" }, LABEL[order.kitchen_status] || "")),
      order.note ? el("p", { class: "note" }, order.note) : null,
      lines,
      el("div", { class: "actions" }, moveButton(order.kitchen_status, (status) => move(
        "/kitchen/" + restaurantId + "/orders/" + order.id + "/status", status), { "data-order-id": String(order.id) })));
  }

  async function move(path, status) {
    await request("POST", path, { kitchen_status: status });
    await reload();
  }

  function render(orders) {
    $("orders").replaceChildren(...orders.map(card));
    $("empty").hidden = orders.length > 0;
    tick();
  }

  function tick() {
    for (const age of document.querySelectorAll(".order .age")) {
      const seconds = Math.max(0, Math.floor((Date.now() - Number(age.dataset.since)) / 1000));
      age.textContent = ageText(seconds);
      age.classList.toggle("late", seconds >= LATE_SECONDS);
    }
  }

  // -- the socket ---------------------------------------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    if (!session.tokens || stopped) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(scheme + "//" + window.location.host + API + "/ws/kitchen/" +
                             restaurantId);
    socket = ws;
    connection("connecting");
    ws.addEventListener("open", () => {
      const tokens = session.tokens;
      ws.send(JSON.stringify({ type: "auth", token: tokens ? tokens.access : "", last: lastId }));
    });
    ws.addEventListener("message", (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (ws !== socket) return;
      if (message.type === "welcome") {
        // the reload below shows everything up to now: resume after it next time
        if (message.last > lastId) lastId = message.last;
        backoff = 1000;
        connection("live");
        clearInterval(pingTimer);
        pingTimer = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
        }, PING_MS);
        reloadSoon();          // whatever happened while away
      } else if (message.type === "notifications") {
        let changed = false;
        for (const note of message.notifications || []) {
          if (note.id > lastId) lastId = note.id;
          if (RELOADING.has(note.type)) changed = true;
        }
        if (changed) reloadSoon();
      } else if (message.type === "resync") {
        reloadSoon();
      } else if (message.type === "error") {
        problem("Live updates: " + (message.message || message.code || "error"));
      }
    });
    ws.addEventListener("close", (event) => {
      if (ws !== socket) return;
      socket = null;
      clearInterval(pingTimer);
      connection("offline");
      if (event.code === 4003) {
        problem("You may not see this restaurant's kitchen.");
        return;
      }
      const retry = () => {
        reconnectTimer = setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      };
      if (event.code === 4001) {
        refresh().then((fresh) => { if (fresh) retry(); else showLogin("Log in again."); });
      } else {
        retry();
      }
    });
  }

  function stop() {
    stopped = true;
    clearTimeout(reconnectTimer);
    if (socket) { const ws = socket; socket = null; ws.close(1000); }
  }

  // -- login ----------------------------------------------------------------------------------

  function showLogin(message) {
    stop();
    session.forget();
    $("board").hidden = true;
    $("logout").hidden = true;
    $("who").textContent = "";
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    connection("offline");
  }

  function start() {
    stopped = false;
    $("login").hidden = true;
    $("board").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = session.tokens.user || "";
    reload();
    connect();
  }

  session.wire(start, showLogin);

  setInterval(tick, 1000);
  if (!restaurantId) {
    problem("No restaurant in the address: open /kds/<restaurant id>.");
  } else if (!session.tokens) {
    showLogin("");
  } else if (session.tokens.expiresAt <= Date.now() + 5000) {
    refresh().then((fresh) => (fresh ? start() : showLogin("")));
  } else {
    start();
  }
})();
