// What the gateway's own pages (the kitchen display, the hardware page) share: a DOM
// builder, and one tab's session on the REST API: the tokens in sessionStorage (one login
// per tab, gone when the tab closes), requests that refresh an expired access token once
// and retry, a refresh ahead of expiry, one refresh in flight at a time (a refresh token is
// good for one use), and the login form and logout button every page has (ids: login,
// username, password, login-submit, login-error, logout).
"use strict";

// A DOM node from a tag, attributes and children (nodes or text, always as text nodes:
// nothing from the server ever goes through innerHTML).
window.el = function (tag, attrs, ...children) {
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
};

window.RestSession = function (store, hooks) {
  const API = "/api/v1";
  const on = hooks || {};
  let tokens = load();
  let refreshing = null;
  let refreshTimer = null;

  function load() {
    try { return JSON.parse(sessionStorage.getItem(store)) || null; } catch (e) { return null; }
  }

  function keep(data) {
    const user = data.user || {};
    tokens = { access: data.access_token, refresh: data.refresh_token,
               expiresAt: Date.now() + (data.expires_in || 0) * 1000,
               user: user.name || (tokens && tokens.user) || "",
               roles: user.roles || (tokens && tokens.roles) || [] };
    sessionStorage.setItem(store, JSON.stringify(tokens));
    scheduleRefresh();
  }

  function forget() {
    tokens = null;
    sessionStorage.removeItem(store);
    clearTimeout(refreshTimer);
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    if (!tokens || !tokens.expiresAt) return;
    refreshTimer = setTimeout(refresh, Math.max(1000, tokens.expiresAt - Date.now() - 60000));
  }

  // The answer's JSON; an Error with status and retryAfter (seconds) when it failed.
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
      if (on.expired) on.expired();
      throw new Error("not logged in");
    }
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    if (!response.ok) {
      const error = (answer && answer.error) || {};
      const failure = new Error(error.message || ("HTTP " + response.status));
      failure.status = response.status;
      failure.retryAfter = Number(response.headers.get("Retry-After")) || 0;
      throw failure;
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
        if (on.refreshed) on.refreshed(tokens);
        return true;
      }).catch(() => false).finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // The login form logs in and calls start(); the logout button logs out and calls
  // showLogin("").
  function wire(start, showLogin) {
    const $ = (id) => document.getElementById(id);
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
  }

  scheduleRefresh();
  return { get tokens() { return tokens; }, keep, forget, request, refresh, wire };
};
