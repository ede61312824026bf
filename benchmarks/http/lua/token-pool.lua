-- Every request carries the next token of a file (one token a line, path given after `--`), cycling
-- through the file, so that a pool larger than any cache makes every verification a miss.
-- Adds to report.lua (loaded from this file's folder), which keeps the counting and the JSON line.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local requests = {}
local position = 1

-- The requests are built once per thread before the run: request() is then a table lookup, cheap
-- next to the server's work (wrk's own advice for dynamic requests).
function init(args)
  local path = assert(args[1], "token-pool.lua: pass the token file after --")
  local file = assert(io.open(path, "r"))
  for token in file:lines() do
    if #token > 0 then
      -- wrk.headers holds Host (set by wrk before init) and any -H header; only Authorization changes.
      local headers = {}
      for name, value in pairs(wrk.headers) do
        headers[name] = value
      end
      headers["Authorization"] = "Bearer " .. token
      requests[#requests + 1] = wrk.format(nil, nil, headers)
    end
  end
  file:close()
  assert(#requests > 0, "token-pool.lua: the token file is empty")
  -- Threads start at different places in the pool, so that two threads never send the same token together.
  local index = thread_index or 1
  position = ((index - 1) * 7919) % #requests + 1
end

function request()
  local next_request = requests[position]
  position = position % #requests + 1
  return next_request
end
