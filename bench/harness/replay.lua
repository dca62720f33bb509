-- wrk script: replay requests signed beforehand (harness/wrk.py writes the file), check replies.
--
--   wrk -t1 -c16 -d20s --latency -s replay.lua http://127.0.0.1:PORT -- FILE PREFIX
--
-- FILE: one request per line, tab-separated: the request string (path and query), the body, then
-- one "Name: value" per header. Each is formatted once in init(), so request() is a table lookup
-- and wrk spends its CPU on sockets, not on building requests.
-- PREFIX: a 2xx reply counts as ok only if its body starts with it; otherwise as bad.
-- done() prints one line for wrk.py to parse:
--   replay requests=.. duration_us=.. ok=.. bad=.. non2xx=.. connect=.. read=.. write=..
--          timeout=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. wrapped=..
-- and up to three "replay-example status=.. body=.." lines of replies that were not ok.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- Per-thread globals, read back in done() with thread:get.
ok = 0
bad = 0
non2xx = 0
wrapped = 0
examples = ""
local example_count = 0
local requests = {}
local count = 0
local next_index = 0
local prefix = ""

local function split(line)
   local fields = {}
   for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      table.insert(fields, field)
   end
   return fields
end

function init(args)
   prefix = args[2] or ""
   for line in io.lines(args[1]) do
      local fields = split(line)
      if #fields >= 2 then
         local headers = { ["Host"] = wrk.headers["Host"] }
         for k = 3, #fields do
            local name, value = fields[k]:match("^([^:]+): (.*)$")
            headers[name] = value
         end
         count = count + 1
         requests[count] = wrk.format("POST", fields[1], headers, fields[2])
      end
   end
   if count == 0 then
      error("no requests in " .. tostring(args[1]))
   end
end

function request()
   next_index = next_index + 1
   if next_index > count then
      -- Every body was sent: repeats would no longer be distinct requests.
      next_index = 1
      wrapped = wrapped + 1
   end
   return requests[next_index]
end

local function remember(status, body)
   if example_count < 3 then
      example_count = example_count + 1
      local text = (body or ""):sub(1, 300):gsub("[\r\n\t]", " ")
      examples = examples .. string.format("replay-example status=%d body=%s\n", status, text)
   end
end

function response(status, headers, body)
   if status >= 200 and status < 300 then
      if body and body:sub(1, #prefix) == prefix then
         ok = ok + 1
      else
         bad = bad + 1
         remember(status, body)
      end
   else
      non2xx = non2xx + 1
      remember(status, body)
   end
end

function done(summary, latency, requests)
   local t = { ok = 0, bad = 0, non2xx = 0, wrapped = 0 }
   local text = ""
   for _, thread in ipairs(threads) do
      for key, _ in pairs(t) do
         t[key] = t[key] + (thread:get(key) or 0)
      end
      text = text .. (thread:get("examples") or "")
   end
   local e = summary.errors
   io.write(string.format(
      "replay requests=%d duration_us=%d ok=%d bad=%d non2xx=%d connect=%d read=%d write=%d " ..
      "timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d wrapped=%d\n",
      summary.requests, summary.duration, t.ok, t.bad, t.non2xx, e.connect, e.read, e.write,
      e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, t.wrapped))
   io.write(text)
end
