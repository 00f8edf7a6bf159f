-- The request mix of `make soak`, given as script arguments: each is a path, optionally
-- followed by "|" and an ETag to send as If-None-Match. Every wrk thread cycles through
-- them from its own starting point.
local requests = {}
local next_index = 0

function init(args)
  for _, entry in ipairs(args) do
    local path, etag = entry:match("^([^|]+)|?(.*)$")
    local headers = {}
    if etag ~= "" then
      headers["If-None-Match"] = etag
    end
    requests[#requests + 1] = wrk.format("GET", path, headers)
  end
  next_index = math.random(#requests) - 1
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
