-- wrk script: POST a text-only report (multipart, as a browser sends it) to the URL given on
-- the command line (/r/{token} or /report). Every request carries a unique marker in its
-- description, so the database can be checked afterwards for lost or duplicated reports.
local boundary = "----jianduka-bench-7d3f"
local function part(name, value)
  return "--" .. boundary .. "\r\n" ..
    "Content-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  sent, ok, refused, other = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
end

function request()
  sent = sent + 1
  local body = part("item", "2") .. part("item", "5") ..
    part("description", "我们去市场监管窗口办理营业执照变更，窗口工作人员暗示要请吃饭才能加快办理。" ..
      " [bench t" .. id .. "-" .. sent .. "]") ..
    part("department", "某区行政服务中心") ..
    part("contact", "no") ..
    "--" .. boundary .. "--\r\n"
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 303 or status == 200 then -- 303: stored, on to its receipt
    ok = ok + 1
  elseif status == 429 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = { sent = 0, ok = 0, refused = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(t) do
      t[key] = t[key] + thread:get(key)
    end
  end
  io.write(string.format("sent: %d, answered 200: %d, 429: %d, other: %d\n",
    t.sent, t.ok, t.refused, t.other))
end
