-- wrk script shared by every case, so wrk costs every server the same.
--
-- Sends BENCH_METHOD (default POST) with the JSON body in the file named by
-- BENCH_BODY (none for a GET) and an optional Cookie (BENCH_COOKIE) or
-- Authorization (BENCH_AUTHORIZATION) header. A JSON-RPC error comes back as
-- HTTP 200, so wrk's own non-2xx count would miss it: each answer is also
-- checked for the expected status (BENCH_EXPECT_STATUS, default 200) and,
-- when BENCH_EXPECT_LEN is set, the exact body length of the answer verified
-- before the run; mismatches are counted as "bad".
--
-- With BENCH_UUID_PREFIX the body is a template that request() fills per
-- request: @@UUID@@ becomes "<prefix>-<thread>-<counter>" (unique in the
-- run; the prefix is unique per run) and @@TABLE@@ the next id of
-- BENCH_TABLES (comma-separated), so every request creates a new order.
-- done() prints one line starting with BENCH_RESULT that bench/wrk.py parses.

wrk.method = os.getenv("BENCH_METHOD") or "POST"
local body_path = os.getenv("BENCH_BODY")
if body_path and #body_path > 0 then
  local body_file = assert(io.open(body_path, "rb"))
  wrk.body = body_file:read("*a")
  body_file:close()
  wrk.headers["Content-Type"] = "application/json"
end
local cookie = os.getenv("BENCH_COOKIE")
if cookie and #cookie > 0 then
  wrk.headers["Cookie"] = cookie
end
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and #authorization > 0 then
  wrk.headers["Authorization"] = authorization
end

local expect_len = tonumber(os.getenv("BENCH_EXPECT_LEN") or "0")
local expect_status = tonumber(os.getenv("BENCH_EXPECT_STATUS") or "200")
bad = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local uuid_prefix = os.getenv("BENCH_UUID_PREFIX")
if uuid_prefix and #uuid_prefix > 0 then
  local template = wrk.body
  local tables = {}
  for id in string.gmatch(os.getenv("BENCH_TABLES") or "", "%d+") do
    table.insert(tables, id)
  end
  assert(#tables > 0, "BENCH_TABLES is empty")
  local counter = 0
  local values = {}

  function request()
    counter = counter + 1
    values.UUID = uuid_prefix .. "-" .. tid .. "-" .. counter
    values.TABLE = tables[(counter + tid) % #tables + 1]
    return wrk.format(nil, nil, nil, (template:gsub("@@(%u+)@@", values)))
  end
end

function response(status, headers, body)
  if status ~= expect_status or (expect_len > 0 and #body ~= expect_len) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + (thread:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"bad":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, total_bad, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
