-- wrk script: POST a text-only report (multipart, as the browser sends it) to the URL given
-- on the command line (/r/{token} or /report), and count answers by status per thread.
local boundary = "----jianduka-bench-7d3f"
local function part(name, value)
  return "--" .. boundary .. "\r\n" ..
    "Content-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = part("item", "2") .. part("item", "5") ..
  part("description", "我们去市场监管窗口办理营业执照变更，窗口工作人员暗示要请吃饭才能加快办理。") ..
  part("department", "某区行政服务中心") ..
  part("contact", "no") ..
  "--" .. boundary .. "--\r\n"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, refused, other = 0, 0, 0
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 429 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t_ok, t_refused, t_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_refused = t_refused + thread:get("refused")
    t_other = t_other + thread:get("other")
  end
  io.write(string.format("status 200: %d, 429: %d, other: %d\n", t_ok, t_refused, t_other))
end
