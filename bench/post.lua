-- wrk script shared by every case, so wrk costs every server the same.
--
-- POSTs a constant JSON body (the file named by BENCH_BODY) with an optional
-- Cookie header (BENCH_COOKIE). A JSON-RPC error comes back as HTTP 200, so
-- wrk's own non-2xx count would miss it: each answer is also checked for the
-- exact body length of the answer verified before the run (BENCH_EXPECT_LEN),
-- and mismatches are counted as "bad". done() prints one line starting with
-- BENCH_RESULT that bench/wrk.py parses.

local body_file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
local cookie = os.getenv("BENCH_COOKIE")
if cookie and #cookie > 0 then
  wrk.headers["Cookie"] = cookie
end

local expect_len = tonumber(os.getenv("BENCH_EXPECT_LEN") or "0")
bad = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status ~= 200 or (expect_len > 0 and #body ~= expect_len) then
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
