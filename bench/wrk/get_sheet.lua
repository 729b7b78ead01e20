-- wrk: GET /api/v1/sheets/{id} over the ids FIRST_ID .. FIRST_ID+COUNT-1, in turn, with the
-- bearer token of the environment (bench/http-bench.sh sets TOKEN, FIRST_ID, COUNT).
local token = os.getenv("TOKEN")
local first = tonumber(os.getenv("FIRST_ID"))
local count = tonumber(os.getenv("COUNT"))
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/sheets/" .. (first + i % count), { ["Authorization"] = "Bearer " .. token })
end
