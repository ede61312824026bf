-- Counts answers by HTTP status in every wrk thread and, when wrk is done, prints one line
-- `BENCH_JSON {...}` that src/wrk.ts parses: requests, duration, latency percentiles, socket errors,
-- wrk's own non-2xx/3xx count and the count of each status. Latencies and durations are in microseconds.
--
-- setup() and done() run in wrk's main Lua state; response() runs in each thread's own state, so the
-- per-thread counts are read back through thread:get() at the end.

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_index", #threads)
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,' ..
      '"latencyUs":{"p50":%.1f,"p99":%.1f,"mean":%.1f,"max":%.1f},' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    table.concat(parts, ",")
  ))
end
