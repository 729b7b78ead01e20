-- wrk: POST /api/v1/sheets/{id}/transitions, one sheet per wrk thread (run with -t N -c N, so a
-- thread is a connection and its state below is that connection's). Each thread first reads
-- its sheet, then alternates submit (draft -> submitted) and return (submitted -> draft, with a
-- comment), sending the ETag it last saw in If-Match: every request is a real, successful
-- transition that writes the sheet and an audit event. Anything but 200 is counted and the
-- sheet read again. TOKEN (a coordinator's), FIRST_ID from bench/http-bench.sh.
local token = os.getenv("TOKEN")
local first = tonumber(os.getenv("FIRST_ID"))
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", first + counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local version = nil
local state = nil
failures = 0

local function header(headers, name)
  return headers[name] or headers[string.lower(name)]
end

request = function()
  local auth = { ["Authorization"] = "Bearer " .. token }
  if version == nil then
    return wrk.format("GET", "/api/v1/sheets/" .. id, auth)
  end
  auth["If-Match"] = '"' .. version .. '"'
  auth["Content-Type"] = "application/json"
  local body
  if state == "draft" then body = '{"action":"submit"}' else body = '{"action":"return","comment":"bench"}' end
  return wrk.format("POST", "/api/v1/sheets/" .. id .. "/transitions", auth, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    version = nil
    return
  end
  local etag = header(headers, "ETag")
  version = tonumber(string.match(etag or "", "%d+"))
  state = string.match(body, '"state":"(%a+)"')
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("failures") or 0) end
  io.write(string.format("non-200 responses: %d\n", total))
end
